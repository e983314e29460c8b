import { BeamError, describe, type BeamErrorCode } from '../errors.js';
import { loadDefinition, type Definition } from '../definition.js';
import { pidToString, type AnyPid, type Pid } from '../pid.js';
import { formatReason, isExitMessage, isShutdown, type ExitReason } from '../reasons.js';
import type { Context } from '../context.js';
import { ExitError } from './errors.js';
import { call, define as defineServer, startServer, stop as stopServer } from './gen-server.js';
import { toChildData, type ChildSpec, type ChildSpecData, type RestartType, type Shutdown } from './child-spec.js';
import { report, reportName, startChildProcess, stopChild } from './child-process.js';
import { countRestart, intensityOf } from './restart-intensity.js';
import { markSupervisor } from './supervisor-view.js';
import type { Awaitable } from './async.js';
import type { CallResult, ChildStartResult, Ignored, NoReplyResult, ServerCallbacks, ServerContext, ServerDefinition } from './gen-server-types.js';
import type { ChildCounts, ChildInfo, RefusalReason, Strategy, SupervisorOptions, SupervisorRef } from './supervisor-types.js';

/**
 * Supervisor, as OTP's `supervisor` and Elixir's `Supervisor`: a process that starts its
 * children in order, watches them (it traps exits), restarts them by its strategy and their
 * restart types, gives up when they crash too often, and stops them in reverse order.
 *
 * It is a GenServer: between two messages its state is plain data (the child specs hold
 * definition keys, not functions), so it can move to another scheduler thread, and it can
 * start its children on any thread.
 *
 * ```ts
 * const sup = await Supervisor.startLink(ctx, [
 *   { id: 'registry', start: { def: registry, args: [] } },
 *   { id: 'worker', start: { def: worker, args: [1] }, restart: 'transient' },
 * ], { strategy: 'rest_for_one', intensity: 3, period: 5000 });
 * ```
 */
export type * from './supervisor-types.js';
export type { ChildSpec, ChildSpecData, RestartType, Shutdown, ChildType, ChildArgs } from './child-spec.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctx = Context<any>;

/** Strategy and restart intensity, as the supervisor process gets them. */
export interface SupervisorFlags {
  strategy: Strategy;
  intensity: number;
  period: number;
}

interface Child {
  spec: ChildSpecData;
  pid: number | undefined | 'restarting';
  /** Times it was restarted, for observers. */
  restarts?: number;
}

interface SupState extends SupervisorFlags {
  /** Registered name or `supervisor`, for reports. */
  name: string;
  /** In start order. */
  children: Child[];
  /** Timestamps of recent restarts, for the intensity. */
  restarts: number[];
}

type Request =
  | { type: 'which' }
  | { type: 'count' }
  | { type: 'spec'; id: string }
  | { type: 'start'; spec: ChildSpecData }
  | { type: 'terminate'; id: string }
  | { type: 'restart'; id: string }
  | { type: 'delete'; id: string };

/** Replies are plain data: errors are rebuilt as ExitErrors on the caller's side. */
type Reply = { ok: unknown } | { error: { code: BeamErrorCode; message: string; reason: unknown } };

/** A failed restart is tried again through the mailbox, so requests and exits are served in between (as OTP). */
interface RetryMessage {
  $sup: 'retry';
  id: string;
}

const isRetry = (m: unknown): m is RetryMessage => typeof m === 'object' && m !== null && (m as RetryMessage).$sup === 'retry';

interface Setup {
  children: ChildSpecData[];
  flags: SupervisorFlags;
}

type SupTypes<A extends unknown[]> = { state: SupState; args: A; info: unknown };

function callbacks<A extends unknown[]>(setup: (ctx: ServerContext, ...args: A) => Awaitable<Setup>): ServerCallbacks<SupTypes<A>> {
  const cb: ServerCallbacks<SupTypes<unknown[]>> = {
    init: async (ctx, ...args) => {
      ctx.trapExit(true);
      const { children, flags } = await setup(ctx, ...(args as A));
      const state: SupState = { ...flags, name: reportName(ctx, 'supervisor'), children: children.map((spec) => ({ spec, pid: undefined })), restarts: [] };
      const failed = await startInOrder(ctx, state, state.children);
      if (failed) {
        await stopInReverse(ctx, state.name, state.children);
        return { stop: { shutdown: { failedToStartChild: failed.child.spec.id, reason: failed.reason } } };
      }
      return { ok: state };
    },
    handleCall: (ctx, req, _from, state) => onCall(ctx, req as Request, state),
    handleInfo: (ctx, msg, state) => onInfo(ctx, msg, state),
    // The parent's exit signal, `stop`, or giving up: children go last-started first.
    terminate: (ctx, _reason, state) => stopInReverse(ctx, state.name, state.children),
  };
  return cb as unknown as ServerCallbacks<SupTypes<A>>;
}

/** The supervisor process that `start` runs: its arguments are the child specs and flags as plain data. */
export const definition: ServerDefinition<SupTypes<[children: ChildSpecData[], flags: SupervisorFlags]>> = defineServer(
  import.meta.url,
  'supervisor',
  callbacks((_ctx, children: ChildSpecData[], flags: SupervisorFlags) => ({ children, flags })),
);
markSupervisor(definition.key, 'supervisor');

/**
 * A supervisor module, as Elixir's `use Supervisor`: `init` runs in the supervisor process and
 * returns its children and options. Start it like a GenServer (`GenServer.startLink(ctx, def, args)`)
 * or as a child (`{ id, start: { def, args }, type: 'supervisor' }`).
 */
export function define<A extends unknown[] = []>(
  moduleUrl: string,
  name: string,
  init: (ctx: ServerContext, ...args: A) => Awaitable<{ children: readonly ChildSpec[]; options?: Omit<SupervisorOptions, 'name' | 'timeout'> }>,
): ServerDefinition<SupTypes<A>> {
  if (typeof init !== 'function') throw new BeamError('ERR_INVALID_ARGUMENT', `Supervisor.define(${JSON.stringify(name)}) needs an init function returning { children, options }`);
  const where = `supervisor ${name}`;
  const def = defineServer<SupTypes<A>>(
    moduleUrl,
    name,
    callbacks(async (ctx, ...args: A) => {
      const r = await init(ctx, ...args);
      const [children, flags] = prepare(r?.children, r?.options ?? {}, where);
      return { children, flags };
    }),
  );
  markSupervisor(def.key, 'supervisor');
  return def;
}

// ---- the API --------------------------------------------------------------------------------

/**
 * Starts a supervisor and its children, in order; resolves with its pid once all have started.
 * If a child fails to start, the ones started are stopped in reverse order and the promise
 * rejects with ExitError ERR_SUPERVISOR naming the child (reason
 * `{ shutdown: { failedToStartChild: id, reason } }`). Bad specs or options throw
 * ERR_INVALID_ARGUMENT / ERR_INVALID_OPTION before anything starts.
 */
export function start(ctx: Ctx, children: readonly ChildSpec[], options: SupervisorOptions = {}): Promise<Pid<unknown>> {
  return startSupervisor(ctx, children, options, false, 'Supervisor.start');
}

/** Like `start`, linked to the caller: the supervisor stops its children and exits when its parent does. */
export function startLink(ctx: Ctx, children: readonly ChildSpec[], options: SupervisorOptions = {}): Promise<Pid<unknown>> {
  return startSupervisor(ctx, children, options, true, 'Supervisor.startLink');
}

async function startSupervisor(ctx: Ctx, children: readonly ChildSpec[], options: SupervisorOptions, link: boolean, where: string): Promise<Pid<unknown>> {
  const [data, flags] = prepare(children, options, where);
  try {
    return (await startServer(ctx, definition, [data, flags], { name: options.name, timeout: options.timeout }, link)) as Pid<unknown>;
  } catch (err) {
    throw startError(err);
  }
}

/** ERR_INIT_FAILED about a child becomes ERR_SUPERVISOR naming it. */
export function startError(err: unknown): unknown {
  if (!(err instanceof ExitError)) return err;
  const failed = (err.reason as { shutdown?: { failedToStartChild?: unknown; reason?: unknown } } | undefined)?.shutdown;
  if (typeof failed?.failedToStartChild !== 'string') return err;
  return new ExitError(
    'ERR_SUPERVISOR',
    `the supervisor did not start: its child ${JSON.stringify(failed.failedToStartChild)} failed to start: ${formatReason(failed.reason)}`,
    err.reason,
  );
}

/**
 * A child spec that runs a supervisor under another one (type `supervisor`, shutdown
 * `infinity`, restart `permanent` unless given).
 */
export function childSpec(
  id: string,
  children: readonly ChildSpec[],
  options: Omit<SupervisorOptions, 'timeout'> & { restart?: RestartType; shutdown?: Shutdown } = {},
): ChildSpec<typeof definition> {
  const [data, flags] = prepare(children, options, `Supervisor.childSpec(${JSON.stringify(id)})`);
  return {
    id,
    start: { def: definition, args: [data, flags], name: options.name },
    type: 'supervisor',
    restart: options.restart ?? 'permanent',
    shutdown: options.shutdown ?? 'infinity',
  };
}

/** The children in start order: id, pid (undefined if terminated, `restarting` while a failed restart is retried), type, restart. */
export function whichChildren(ctx: Ctx, sup: SupervisorRef): Promise<ChildInfo[]> {
  return request(ctx, sup, { type: 'which' }) as Promise<ChildInfo[]>;
}

export function countChildren(ctx: Ctx, sup: SupervisorRef): Promise<ChildCounts> {
  return request(ctx, sup, { type: 'count' }) as Promise<ChildCounts>;
}

/**
 * The spec of the child `id`, as OTP's `supervisor:get_childspec`: with every default filled
 * in, and its definition loaded, so it can be given to `startChild` again. ExitError
 * ERR_SUPERVISOR `not_found` naming the id if no child has it.
 */
export async function getChildSpec(ctx: Ctx, sup: SupervisorRef, id: string): Promise<ChildSpec> {
  const data = (await request(ctx, sup, { type: 'spec', id: checkId(id, 'getChildSpec') })) as ChildSpecData;
  const start = { def: await loadDefinition(data.start.key), args: data.start.args, name: data.start.regName };
  return { id: data.id, start, restart: data.restart, shutdown: data.shutdown, type: data.type };
}

/**
 * Adds a child and starts it; resolves with its pid. ExitError ERR_SUPERVISOR if the id is
 * taken (reason `{ already_started: pid }` or `already_present`), ERR_INIT_FAILED with the
 * child's reason if it fails to start (then it is not added). A child whose `init` returns
 * `{ ignore: true }`: resolves with `{ ignore: true }`, and the spec is kept with no pid
 * (not for a temporary child), as OTP.
 */
export function startChild<D extends Definition>(ctx: Ctx, sup: SupervisorRef, spec: ChildSpec<D>): Promise<ChildStartResult<D>> {
  return request(ctx, sup, { type: 'start', spec: toChildData(spec as ChildSpec, 'Supervisor.startChild') }) as Promise<ChildStartResult<D>>;
}

/**
 * Stops a child by its shutdown spec; its spec stays (restart it with `restartChild`), except
 * a temporary child's, which goes. ERR_SUPERVISOR `not_found` for an unknown id.
 */
export async function terminateChild(ctx: Ctx, sup: SupervisorRef, id: string): Promise<void> {
  await request(ctx, sup, { type: 'terminate', id: checkId(id, 'terminateChild') });
}

/** Starts a terminated child again; resolves with its new pid (or `{ ignore: true }` if its `init` ignored the start). ERR_SUPERVISOR `running`, `restarting` or `not_found`; ERR_INIT_FAILED if it fails to start. */
export function restartChild(ctx: Ctx, sup: SupervisorRef, id: string): Promise<AnyPid | Ignored> {
  return request(ctx, sup, { type: 'restart', id: checkId(id, 'restartChild') }) as Promise<AnyPid | Ignored>;
}

/** Removes a terminated child's spec. ERR_SUPERVISOR `running`, `restarting` or `not_found`. */
export async function deleteChild(ctx: Ctx, sup: SupervisorRef, id: string): Promise<void> {
  await request(ctx, sup, { type: 'delete', id: checkId(id, 'deleteChild') });
}

/** Stops the supervisor: its children are stopped in reverse order, then it exits with `reason`. */
export function stop(ctx: Ctx, sup: SupervisorRef, reason: ExitReason = 'normal', timeout?: number): Promise<void> {
  return stopServer(ctx, sup, reason, timeout);
}

/** @internal a call to a supervisor (or DynamicSupervisor); a refusal becomes its ExitError. */
export async function request(ctx: Ctx, sup: SupervisorRef, req: unknown): Promise<unknown> {
  // Starting and stopping children can take as long as their shutdown specs: no call timeout (as OTP).
  const reply = (await call(ctx, sup as Pid<any>, req, Infinity)) as Reply;
  if ('ok' in reply) return reply.ok;
  throw new ExitError(reply.error.code, reply.error.message, reply.error.reason);
}

function checkId(id: unknown, where: string): string {
  if (typeof id !== 'string' || id === '') throw new BeamError('ERR_INVALID_ARGUMENT', `Supervisor.${where} needs a child id (a non-empty string), got ${describe(id)}`);
  return id;
}

const STRATEGIES: readonly string[] = ['one_for_one', 'one_for_all', 'rest_for_one'];

/** Validates specs and options on the caller's side, so mistakes throw where they were made. */
function prepare(children: readonly ChildSpec[] | undefined, options: SupervisorOptions, where: string): [ChildSpecData[], SupervisorFlags] {
  if (!Array.isArray(children)) throw new BeamError('ERR_INVALID_ARGUMENT', `${where} needs an array of child specs, got ${describe(children)}`);
  const data = children.map((c) => toChildData(c, where));
  const seen = new Set<string>();
  for (const c of data) {
    if (seen.has(c.id)) throw new BeamError('ERR_INVALID_ARGUMENT', `${where}: two children have the id ${JSON.stringify(c.id)}; ids must be unique`);
    seen.add(c.id);
  }
  const strategy = options.strategy ?? 'one_for_one';
  if (!STRATEGIES.includes(strategy)) {
    throw new BeamError('ERR_INVALID_OPTION', `${where}: strategy must be one_for_one, one_for_all or rest_for_one, got ${describe(strategy)}`);
  }
  return [data, { strategy, ...intensityOf(options, where) }];
}

// ---- inside the supervisor process ---------------------------------------------------------

/** Starts `list` in order; stops at the first failure (reported as `start_error`). */
async function startInOrder(ctx: ServerContext, state: SupState, list: Child[]): Promise<{ child: Child; reason: ExitReason } | undefined> {
  for (const child of list) {
    const out = await startChildProcess(ctx, child.spec);
    if (!('error' in out)) {
      // An ignored child keeps its spec, with no pid (as OTP).
      child.pid = 'ok' in out ? out.ok : undefined;
      continue;
    }
    report(ctx, state.name, 'start_error', { id: child.spec.id, pid: undefined }, out.error);
    return { child, reason: out.error };
  }
  return undefined;
}

async function stopInReverse(ctx: ServerContext, name: string, list: readonly Child[]): Promise<void> {
  for (const child of [...list].reverse()) {
    if (typeof child.pid === 'number') await stopChild(ctx, name, { pid: child.pid, spec: child.spec });
    child.pid = undefined;
  }
}

async function onInfo(ctx: ServerContext, msg: unknown, state: SupState): Promise<NoReplyResult<SupState>> {
  if (isExitMessage(msg)) return childExited(ctx, state, msg.from, msg.reason);
  if (isRetry(msg)) {
    const child = state.children.find((c) => c.spec.id === msg.id && c.pid === 'restarting');
    if (child) return restart(ctx, state, child, undefined);
  }
  // An EXIT from a process that is not (any longer) a child, or a stray message: ignored, as in OTP.
  return { noreply: true, state };
}

async function childExited(ctx: ServerContext, state: SupState, pid: number, reason: ExitReason): Promise<NoReplyResult<SupState>> {
  const child = state.children.find((c) => c.pid === pid);
  if (!child) return { noreply: true, state };
  const type = child.spec.restart;
  // Only abnormal exits are logged (as Elixir's logger shows supervisor reports by default).
  if (!isShutdown(reason)) report(ctx, state.name, 'child_terminated', { id: child.spec.id, pid }, reason);
  child.pid = undefined;
  if (type === 'temporary') {
    remove(state, child);
    return { noreply: true, state };
  }
  if (type === 'transient' && isShutdown(reason)) return { noreply: true, state };
  return restart(ctx, state, child, pid);
}

/** Counts a restart against the intensity, then restarts by the strategy (or gives up). */
async function restart(ctx: ServerContext, state: SupState, child: Child, deadPid: number | undefined): Promise<NoReplyResult<SupState>> {
  if (countRestart(ctx, state, { id: child.spec.id, pid: deadPid })) {
    // terminate stops the other children; the parent sees this exit.
    return { stop: 'shutdown', state };
  }
  const at = state.children.indexOf(child);
  const group = state.strategy === 'one_for_one' ? [child] : state.strategy === 'one_for_all' ? [...state.children] : state.children.slice(at);
  // The others in the group go first, last started first; temporary ones stopped this way are gone for good.
  for (const other of [...group].reverse()) {
    if (other === child) continue;
    if (typeof other.pid === 'number') await stopChild(ctx, state.name, { pid: other.pid, spec: other.spec });
    other.pid = undefined;
    if (other.spec.restart === 'temporary') remove(state, other);
  }
  const again = group.filter((c) => c === child || c.spec.restart !== 'temporary');
  for (const c of again) {
    c.pid = undefined;
    c.restarts = (c.restarts ?? 0) + 1;
  }
  const failed = await startInOrder(ctx, state, again);
  if (failed) {
    failed.child.pid = 'restarting';
    ctx.send(ctx.self, { $sup: 'retry', id: failed.child.spec.id } satisfies RetryMessage);
  }
  return { noreply: true, state };
}

function remove(state: SupState, child: Child): void {
  const at = state.children.indexOf(child);
  if (at >= 0) state.children.splice(at, 1);
}

function refuse(ctx: ServerContext, reason: RefusalReason, message: string): Reply {
  return { error: { code: 'ERR_SUPERVISOR', message: `supervisor ${pidToString(ctx.self)}: ${message}`, reason } };
}

async function onCall(ctx: ServerContext, req: Request, state: SupState): Promise<CallResult<Reply, SupState>> {
  const done = (reply: Reply) => ({ reply, state });
  const find = (id: string) => state.children.find((c) => c.spec.id === id);
  const notFound = (id: string) => done(refuse(ctx, 'not_found', `no child has the id ${JSON.stringify(id)}`));
  switch (req?.type) {
    case 'which':
      return done({ ok: state.children.map((c) => childInfo(c)) });
    case 'count':
      return done({ ok: countOf(state.children) });
    case 'spec': {
      const child = find(req.id);
      return child ? done({ ok: child.spec }) : notFound(req.id);
    }
    case 'start': {
      const spec = req.spec;
      const existing = find(spec.id);
      if (existing) {
        if (typeof existing.pid === 'number') {
          return done(refuse(ctx, { already_started: existing.pid }, `a child with the id ${JSON.stringify(spec.id)} is already running as ${pidToString(existing.pid)}`));
        }
        const how =
          existing.pid === 'restarting'
            ? 'restarting (a failed restart is being retried): stop that with terminateChild, then deleteChild'
            : 'terminated: restart it with restartChild, or remove it with deleteChild first';
        return done(refuse(ctx, 'already_present', `a child with the id ${JSON.stringify(spec.id)} is already present, ${how}`));
      }
      const out = await startChildProcess(ctx, spec);
      if ('error' in out) return done(initFailed(spec.id, out.error));
      if ('ignore' in out) {
        // As OTP: the spec is kept with no pid, except a temporary child's (it could never run).
        if (spec.restart !== 'temporary') state.children.push({ spec, pid: undefined });
        return done({ ok: out });
      }
      state.children.push({ spec, pid: out.ok });
      return done({ ok: out.ok });
    }
    case 'terminate': {
      const child = find(req.id);
      if (!child) return notFound(req.id);
      if (typeof child.pid === 'number') await stopChild(ctx, state.name, { pid: child.pid, spec: child.spec });
      child.pid = undefined;
      if (child.spec.restart === 'temporary') remove(state, child);
      return done({ ok: undefined });
    }
    case 'restart':
    case 'delete': {
      const child = find(req.id);
      if (!child) return notFound(req.id);
      if (typeof child.pid === 'number') {
        return done(refuse(ctx, 'running', `child ${JSON.stringify(req.id)} is running as ${pidToString(child.pid)}: terminate it first with terminateChild`));
      }
      if (child.pid === 'restarting') {
        return done(refuse(ctx, 'restarting', `child ${JSON.stringify(req.id)} is being restarted after a failed restart: terminate it first with terminateChild`));
      }
      if (req.type === 'delete') {
        remove(state, child);
        return done({ ok: undefined });
      }
      const out = await startChildProcess(ctx, child.spec);
      if ('error' in out) return done(initFailed(req.id, out.error));
      if ('ignore' in out) return done({ ok: out });
      child.pid = out.ok;
      return done({ ok: out.ok });
    }
    default:
      return done({ error: { code: 'ERR_INVALID_ARGUMENT', message: `a supervisor does not understand the request ${describe(req)}: use the Supervisor functions`, reason: 'badarg' } });
  }
}

function initFailed(id: string, reason: ExitReason): Reply {
  return { error: { code: 'ERR_INIT_FAILED', message: `child ${JSON.stringify(id)} failed to start: ${formatReason(reason)}`, reason } };
}

function childInfo(c: Child): ChildInfo {
  return { id: c.spec.id, pid: c.pid, type: c.spec.type, restart: c.spec.restart };
}

/** @internal shared with DynamicSupervisor. */
export function countOf(children: readonly { spec: ChildSpecData; pid: unknown }[]): ChildCounts {
  let active = 0;
  let supervisors = 0;
  for (const c of children) {
    if (typeof c.pid === 'number') active++;
    if (c.spec.type === 'supervisor') supervisors++;
  }
  return { specs: children.length, active, supervisors, workers: children.length - supervisors };
}
