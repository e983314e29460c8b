import { BeamError, describe } from '../errors.js';
import { pidToString, type AnyPid, type Pid } from '../pid.js';
import { formatReason, isExitMessage, isShutdown, type ExitReason } from '../reasons.js';
import type { Context } from '../context.js';
import type { Definition } from '../definition.js';
import { define as defineServer, startServer, stop as stopServer } from './gen-server.js';
import { toChildData, type ChildSpec, type ChildSpecData, type RestartType, type Shutdown } from './child-spec.js';
import { report, reportName, startChildProcess, stopAll, stopChild } from './child-process.js';
import { countRestart, intensityOf, type Intensity } from './restart-intensity.js';
import { countOf, request } from './supervisor.js';
import { markSupervisor } from './supervisor-view.js';
import type { CallResult, ChildStartResult, NoReplyResult, ServerContext, ServerDefinition } from './gen-server-types.js';
import type { ChildCounts, ChildInfo, DynamicSupervisorOptions, SupervisorRef } from './supervisor-types.js';

/**
 * DynamicSupervisor, as Elixir's: starts with no children; children are added at run time with
 * `startChild` (any number of the same spec), restarted one for one, and stopped all at once
 * when the supervisor stops. A GenServer, so movable between messages like Supervisor.
 *
 * ```ts
 * const pool = await DynamicSupervisor.startLink(ctx, { maxChildren: 100 });
 * const worker = await DynamicSupervisor.startChild(ctx, pool, { start: { def: job, args: [42] }, restart: 'transient' });
 * ```
 */
export type { DynamicSupervisorOptions, ChildInfo, ChildCounts, SupervisorRef } from './supervisor-types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctx = Context<any>;

/** A child spec for a DynamicSupervisor: the id is optional (children are known by pid). */
export type DynamicChildSpec<D extends ChildSpec['start']['def'] = ChildSpec['start']['def']> = Omit<ChildSpec<D>, 'id'> & { id?: string };

export interface DynamicFlags extends Intensity {
  maxChildren: number;
}

interface DynChild {
  /** Tells apart a child waiting for a retried restart (no pid then). */
  tag: number;
  spec: ChildSpecData;
  pid: number | 'restarting';
  /** Its latest pid: what callers know it by while a failed restart is retried (as Elixir). */
  lastPid: number;
  /** Times it was restarted, for observers. */
  restarts?: number;
}

interface DynState extends DynamicFlags {
  name: string;
  children: DynChild[];
  restarts: number[];
  nextTag: number;
}

type Request = { type: 'which' } | { type: 'count' } | { type: 'start'; spec: ChildSpecData } | { type: 'terminate'; pid: number };
type Reply = { ok: unknown } | { error: { code: 'ERR_SUPERVISOR' | 'ERR_MAX_CHILDREN' | 'ERR_INIT_FAILED' | 'ERR_INVALID_ARGUMENT'; message: string; reason: unknown } };

interface RetryMessage {
  $sup: 'retry';
  tag: number;
}
const isRetry = (m: unknown): m is RetryMessage => typeof m === 'object' && m !== null && (m as RetryMessage).$sup === 'retry';

interface DynTypes {
  state: DynState;
  args: [flags: DynamicFlags];
  info: unknown;
}

/** The DynamicSupervisor process. */
export const definition: ServerDefinition<DynTypes> = defineServer<DynTypes>(import.meta.url, 'dynamicSupervisor', {
  init: (ctx, flags) => {
    ctx.trapExit(true);
    return { ok: { ...flags, name: reportName(ctx, 'dynamic_supervisor'), children: [], restarts: [], nextTag: 1 } };
  },
  handleCall: (ctx, req, _from, state) => onCall(ctx, req as Request, state),
  handleInfo: (ctx, msg, state) => onInfo(ctx, msg, state),
  // As Elixir: every child gets its exit signal at once, then each is waited for.
  terminate: (ctx, _reason, state) =>
    stopAll(
      ctx,
      state.name,
      state.children.filter((c): c is DynChild & { pid: number } => typeof c.pid === 'number'),
    ),
});
markSupervisor(definition.key, 'dynamic');

// ---- the API --------------------------------------------------------------------------------

/** Starts an empty DynamicSupervisor; resolves with its pid. Bad options throw ERR_INVALID_OPTION. */
export function start(ctx: Ctx, options: DynamicSupervisorOptions = {}): Promise<Pid<unknown>> {
  return startDynamic(ctx, options, false, 'DynamicSupervisor.start');
}

/** Like `start`, linked to the caller. */
export function startLink(ctx: Ctx, options: DynamicSupervisorOptions = {}): Promise<Pid<unknown>> {
  return startDynamic(ctx, options, true, 'DynamicSupervisor.startLink');
}

async function startDynamic(ctx: Ctx, options: DynamicSupervisorOptions, link: boolean, where: string): Promise<Pid<unknown>> {
  const flags = flagsOf(options, where);
  return (await startServer(ctx, definition, [flags], { name: options.name, timeout: options.timeout }, link)) as Pid<unknown>;
}

/** A child spec that runs a DynamicSupervisor under a Supervisor (type `supervisor`, shutdown `infinity`). */
export function childSpec(
  id: string,
  options: Omit<DynamicSupervisorOptions, 'timeout'> & { restart?: RestartType; shutdown?: Shutdown } = {},
): ChildSpec<typeof definition> {
  return {
    id,
    start: { def: definition, args: [flagsOf(options, `DynamicSupervisor.childSpec(${JSON.stringify(id)})`)], name: options.name },
    type: 'supervisor',
    restart: options.restart ?? 'permanent',
    shutdown: options.shutdown ?? 'infinity',
  };
}

/**
 * Starts a child under the supervisor; resolves with its pid. ExitError ERR_MAX_CHILDREN
 * (reason `max_children`) when it already has `maxChildren`; ERR_INIT_FAILED with the
 * child's reason if it fails to start; `{ ignore: true }` if its `init` returned that (nothing is kept).
 */
export function startChild<D extends Definition>(ctx: Ctx, sup: SupervisorRef, spec: DynamicChildSpec<D>): Promise<ChildStartResult<D>> {
  return request(ctx, sup, { type: 'start', spec: toChildData(spec as ChildSpec, 'DynamicSupervisor.startChild', false) }) as Promise<ChildStartResult<D>>;
}

/** Stops a child by its shutdown spec and forgets it. ERR_SUPERVISOR `not_found` if `pid` is not its child. */
export async function terminateChild(ctx: Ctx, sup: SupervisorRef, pid: AnyPid): Promise<void> {
  if (typeof pid !== 'number') throw new BeamError('ERR_INVALID_ARGUMENT', `DynamicSupervisor.terminateChild needs a child's pid, got ${describe(pid)}`);
  await request(ctx, sup, { type: 'terminate', pid });
}

/** The children in start order (`id` is the spec's id, or its definition's name). */
export function whichChildren(ctx: Ctx, sup: SupervisorRef): Promise<ChildInfo[]> {
  return request(ctx, sup, { type: 'which' }) as Promise<ChildInfo[]>;
}

export function countChildren(ctx: Ctx, sup: SupervisorRef): Promise<ChildCounts> {
  return request(ctx, sup, { type: 'count' }) as Promise<ChildCounts>;
}

/** Stops the supervisor and all its children. */
export function stop(ctx: Ctx, sup: SupervisorRef, reason: ExitReason = 'normal', timeout?: number): Promise<void> {
  return stopServer(ctx, sup, reason, timeout);
}

function flagsOf(options: DynamicSupervisorOptions, where: string): DynamicFlags {
  const maxChildren = options.maxChildren ?? Infinity;
  if (typeof maxChildren !== 'number' || Number.isNaN(maxChildren) || maxChildren < 0 || (maxChildren !== Infinity && !Number.isInteger(maxChildren))) {
    throw new BeamError('ERR_INVALID_OPTION', `${where}: maxChildren must be a whole number >= 0 (or Infinity), got ${describe(maxChildren)}`);
  }
  return { maxChildren, ...intensityOf(options, where) };
}

// ---- inside the supervisor process ---------------------------------------------------------

async function onCall(ctx: ServerContext, req: Request, state: DynState): Promise<CallResult<Reply, DynState>> {
  const done = (reply: Reply) => ({ reply, state });
  switch (req?.type) {
    case 'which':
      return done({ ok: state.children.map((c): ChildInfo => ({ id: c.spec.id, pid: c.pid, type: c.spec.type, restart: c.spec.restart })) });
    case 'count':
      return done({ ok: countOf(state.children) });
    case 'start': {
      if (state.children.length >= state.maxChildren) {
        return done({
          error: {
            code: 'ERR_MAX_CHILDREN',
            message: `dynamic supervisor ${pidToString(ctx.self)} already has its maximum of ${state.maxChildren} children: terminate one first, or raise maxChildren`,
            reason: 'max_children',
          },
        });
      }
      const out = await startChildProcess(ctx, req.spec);
      if ('error' in out) {
        return done({ error: { code: 'ERR_INIT_FAILED', message: `child ${JSON.stringify(req.spec.id)} failed to start: ${formatReason(out.error)}`, reason: out.error } });
      }
      // An ignored start leaves nothing to supervise (as OTP's `ignore`).
      if ('ignore' in out) return done({ ok: out });
      state.children.push({ tag: state.nextTag++, spec: req.spec, pid: out.ok, lastPid: out.ok });
      return done({ ok: out.ok });
    }
    case 'terminate': {
      const child = state.children.find((c) => c.lastPid === req.pid);
      if (!child) {
        return done({ error: { code: 'ERR_SUPERVISOR', message: `dynamic supervisor ${pidToString(ctx.self)} has no child ${pidToString(req.pid)}`, reason: 'not_found' } });
      }
      // A child whose restart is being retried has no process to stop: forgetting it ends the retries.
      if (child.pid !== 'restarting') await stopChild(ctx, state.name, { pid: child.pid, spec: child.spec });
      remove(state, child);
      return done({ ok: undefined });
    }
    default:
      return done({ error: { code: 'ERR_INVALID_ARGUMENT', message: `a dynamic supervisor does not understand the request ${describe(req)}: use the DynamicSupervisor functions`, reason: 'badarg' } });
  }
}

async function onInfo(ctx: ServerContext, msg: unknown, state: DynState): Promise<NoReplyResult<DynState>> {
  if (isExitMessage(msg)) {
    const child = state.children.find((c) => c.pid === msg.from);
    if (!child) return { noreply: true, state };
    const reason = msg.reason;
    const type = child.spec.restart;
    // Only abnormal exits are logged (as Elixir's logger shows supervisor reports by default).
    if (!isShutdown(reason)) report(ctx, state.name, 'child_terminated', { id: child.spec.id, pid: msg.from }, reason);
    if (type === 'temporary' || (type === 'transient' && isShutdown(reason))) {
      remove(state, child);
      return { noreply: true, state };
    }
    return restart(ctx, state, child, msg.from);
  }
  if (isRetry(msg)) {
    const child = state.children.find((c) => c.tag === msg.tag && c.pid === 'restarting');
    if (child) return restart(ctx, state, child, undefined);
  }
  return { noreply: true, state };
}

async function restart(ctx: ServerContext, state: DynState, child: DynChild, deadPid: number | undefined): Promise<NoReplyResult<DynState>> {
  if (countRestart(ctx, state, { id: child.spec.id, pid: deadPid })) {
    remove(state, child);
    return { stop: 'shutdown', state };
  }
  child.restarts = (child.restarts ?? 0) + 1;
  const out = await startChildProcess(ctx, child.spec);
  if ('ok' in out) {
    child.pid = out.ok;
    child.lastPid = out.ok;
  } else if ('ignore' in out) {
    remove(state, child);
  } else {
    report(ctx, state.name, 'start_error', { id: child.spec.id, pid: undefined }, out.error);
    child.pid = 'restarting';
    ctx.send(ctx.self, { $sup: 'retry', tag: child.tag } satisfies RetryMessage);
  }
  return { noreply: true, state };
}

function remove(state: DynState, child: DynChild): void {
  const at = state.children.indexOf(child);
  if (at >= 0) state.children.splice(at, 1);
}
