import type { Context } from '../context.js';
import { assertDefinition, claimKey, closureError, loadDefinition, makeKey, lookupDefinition, splitKey, type ArgsOf, type Definition, type ProcessDefinition, type ResultOf } from '../definition.js';
import { BeamError, checkTimeout, describe } from '../errors.js';
import type { AnyPid, Pid } from '../pid.js';
import type { ExitReason } from '../reasons.js';
import { chain, type Awaitable } from './async.js';
import { call, cast as genCast, define, startServer, stop as genStop } from './gen-server.js';
import type { ServerDefinition } from './gen-server-types.js';
import { childSpecOf, type ChildSpecOptions } from './child-spec-of.js';
import type { ChildSpec } from './child-spec.js';

/**
 * Agent: a process that holds a state, read and changed by functions that run inside it, as in
 * Elixir. It is a GenServer underneath (calls, errors and timeouts are GenServer.call's).
 *
 * Functions cannot cross scheduler threads, and an agent may run on any of them. So the
 * functions an agent runs are *keyed*, like process definitions: define them at the top level
 * of a module with `Agent.defineFn(import.meta.url, name, fn)`. What travels in a request is the
 * key and the arguments (plain data); the agent's thread finds the function by its key,
 * importing the module first if it has not loaded it yet. The initial state comes from a process
 * definition whose body returns it, run inside the agent.
 *
 * ```ts
 * export const empty = defineProcess(import.meta.url, 'empty', (): Record<string, number> => ({}));
 * export const put = Agent.defineFn(import.meta.url, 'put', (s: Record<string, number>, k: string, v: number) => ({ ...s, [k]: v }));
 * export const lookup = Agent.defineFn(import.meta.url, 'lookup', (s: Record<string, number>, k: string) => s[k]);
 *
 * const scores = await Agent.start(ctx, empty);      // Agent<Record<string, number>>
 * await Agent.update(ctx, scores, put, 'ann', 3);    // put(state, 'ann', 3) is the new state
 * await Agent.get(ctx, scores, lookup, 'ann');       // 3 (typed number | undefined)
 * await Agent.get(ctx, scores);                      // the whole state
 * await Agent.stop(ctx, scores);
 * ```
 *
 * The state type flows from the initial definition to the agent, and every function must take
 * that state. A function that throws crashes the agent (as in Elixir): the caller gets
 * ExitError ERR_CALL_EXIT with the crash reason. Calls wait 5000 ms by default: pass
 * `Agent.withTimeout(agent, ms)` as the agent to wait longer (ERR_CALL_TIMEOUT past it); a dead
 * agent or unknown name is ERR_NOPROC.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctx = Context<any>;

declare const agentState: unique symbol;
declare const fnType: unique symbol;

/** The pid of an agent whose state is `S`: a plain pid that remembers the state's type. */
export type Agent<S = unknown> = Pid<never> & { readonly [agentState]?: S };

/** A registered agent name that remembers the state's type: see `Agent.named`. */
export type AgentName<S = unknown> = string & { readonly [agentState]?: S };

/** An agent with a call timeout other than the default 5000 ms: see `Agent.withTimeout`. */
export interface AgentWithTimeout<S = unknown> {
  readonly agent: Agent<S> | AgentName<S>;
  readonly timeout: number;
}

/** What the Agent functions accept as the agent: its pid, its name, or either with a timeout. */
export type AgentRef<S = unknown> = Agent<S> | AgentName<S> | AgentWithTimeout<S>;

/**
 * A function an agent runs, found by its key (`moduleUrl#name`) on any thread: plain data, so
 * it can be sent, stored, and used from any process.
 */
export interface AgentFn<S, A extends unknown[], R> {
  readonly kind: 'agent-fn';
  readonly key: string;
  readonly name: string;
  readonly [fnType]?: (state: S, ...args: A) => R;
}

/** A process definition whose body returns an agent's initial state. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AgentInit = ProcessDefinition<any, any[], any>;

/** The state of an agent started from `D`. */
export type StateOf<D> = Awaited<ResultOf<D>>;

export interface AgentStartOptions {
  /** Register the agent under this name (ERR_NAME_TAKEN if taken; nothing is started then). */
  name?: string;
  /** Link it to the caller (as `startLink`). */
  link?: boolean;
  /** How long the initial-state definition may take, in ms (default: forever; past it the agent is killed). */
  timeout?: number;
}

/** Every agent function loaded on this thread, by key. */
const fns = new Map<string, (state: unknown, ...args: unknown[]) => unknown>();

/**
 * Defines a function an agent can run: `fn(state, ...args)`. Call it at the top level of a module
 * and export the result; what it returns means what the operation says:
 * - `get`: the reply (the state is unchanged);
 * - `update` / `cast`: the new state;
 * - `getAndUpdate`: `[reply, newState]`.
 * It may be async; the agent handles its next request once it settles.
 */
export function defineFn<S, A extends unknown[], R>(moduleUrl: string, name: string, fn: (state: S, ...args: A) => Awaitable<R>): AgentFn<S, A, R> {
  const key = makeKey(moduleUrl, name, 'Agent.defineFn');
  if (typeof fn !== 'function') {
    throw new BeamError('ERR_INVALID_ARGUMENT', `Agent.defineFn(${JSON.stringify(name)}) needs a function (state, ...args) => result, got ${describe(fn)}`);
  }
  claimKey('agent-fn', key, moduleUrl, 'Agent.defineFn');
  fns.set(key, fn as (state: unknown, ...args: unknown[]) => unknown);
  return Object.freeze({ kind: 'agent-fn', key, name }) as AgentFn<S, A, R>;
}

export function isAgentFn(value: unknown): value is AgentFn<unknown, unknown[], unknown> {
  return typeof value === 'object' && value !== null && (value as AgentFn<unknown, [], unknown>).kind === 'agent-fn' && typeof (value as AgentFn<unknown, [], unknown>).key === 'string';
}

/** The function for a key, importing its module on this thread first if needed. */
function loadFn(key: string): Awaitable<(state: unknown, ...args: unknown[]) => unknown> {
  const known = fns.get(key);
  if (known) return known;
  const { moduleUrl, name } = splitKey(key);
  return import(moduleUrl).then(
    () => {
      const loaded = fns.get(key);
      if (loaded) return loaded;
      throw new BeamError('ERR_UNKNOWN_DEFINITION', `${moduleUrl} defines no agent function named '${name}': define it at the module's top level with Agent.defineFn(import.meta.url, '${name}', fn)`);
    },
    (err: unknown) => {
      throw new BeamError('ERR_UNKNOWN_DEFINITION', `cannot load ${moduleUrl} to find the agent function '${name}': ${(err as Error)?.message ?? String(err)}`, { cause: err });
    },
  );
}

// ---- the agent process ------------------------------------------------------------------------

type Op = 'get' | 'update' | 'getAndUpdate' | 'put';

/** A request to an agent: plain data. `fn` is an agent function's key; none means a built-in. */
interface AgentRequest {
  readonly $agent: Op;
  readonly fn?: string;
  readonly args?: unknown[];
  readonly value?: unknown;
}

interface AgentServer {
  state: unknown;
  args: [initKey: string, initArgs: unknown[]];
}

const server: ServerDefinition<AgentServer> = define<AgentServer>(import.meta.url, 'agent', {
  init: (ctx, initKey, initArgs) => {
    const def = lookupDefinition(initKey);
    const run = (d: Definition) => {
      if (d.kind !== 'process') throw notAProcess(d);
      return chain(d.body(ctx, ...initArgs), (state: unknown) => ({ ok: state }));
    };
    return def ? run(def) : loadDefinition(initKey).then(run);
  },
  handleCall: (_ctx, request, _from, state) =>
    chain(apply(request as AgentRequest, state), ([reply, next]) => ({ reply, state: next })),
  handleCast: (_ctx, request, state) => chain(apply(request as AgentRequest, state), ([, next]) => ({ noreply: true as const, state: next })),
});

/** Runs one request against the state: `[reply, next state]`. */
function apply(req: AgentRequest, state: unknown): Awaitable<[unknown, unknown]> {
  if (typeof req !== 'object' || req === null || typeof req.$agent !== 'string') {
    throw new BeamError('ERR_INVALID_ARGUMENT', `an agent takes requests from the Agent functions only, got ${describe(req)}`);
  }
  if (req.fn === undefined) {
    if (req.$agent === 'get') return [state, state];
    if (req.$agent === 'put') return ['ok', req.value];
    throw new BeamError('ERR_INVALID_ARGUMENT', `Agent.${req.$agent} needs a function made with Agent.defineFn`);
  }
  const args = req.args ?? [];
  return chain(loadFn(req.fn), (fn) =>
    chain(fn(state, ...args), (result): [unknown, unknown] => {
      switch (req.$agent) {
        case 'get':
          return [result, state];
        case 'update':
          return ['ok', result];
        case 'getAndUpdate':
          if (!Array.isArray(result) || result.length !== 2) {
            throw new BeamError('ERR_INVALID_ARGUMENT', `the function of Agent.getAndUpdate must return [reply, newState], got ${describe(result)}`);
          }
          return [result[0], result[1]];
        default:
          throw new BeamError('ERR_INVALID_ARGUMENT', `unknown agent operation ${describe(req.$agent)}`);
      }
    }),
  );
}

// ---- the API --------------------------------------------------------------------------------

/**
 * Starts an agent whose initial state is what `def(...args)` returns (run inside the agent).
 * Resolves once the state is there. ERR_INIT_FAILED if `def` throws (the agent has exited).
 */
export function start<D extends AgentInit>(ctx: Ctx, def: D, ...args: ArgsOf<D>): Promise<Agent<StateOf<D>>> {
  return startWith(ctx, def, args, {});
}

/** Like `start`, and links the agent to the caller. */
export function startLink<D extends AgentInit>(ctx: Ctx, def: D, ...args: ArgsOf<D>): Promise<Agent<StateOf<D>>> {
  return startWith(ctx, def, args, { link: true });
}

/** `start` with options: a registered name, a link, an init timeout. */
export async function startWith<D extends AgentInit>(ctx: Ctx, def: D, args: ArgsOf<D>, options: AgentStartOptions = {}): Promise<Agent<StateOf<D>>> {
  assertDefinition(def, 'Agent.start');
  if (def.kind !== 'process') throw notAProcess(def);
  if (!Array.isArray(args)) throw new BeamError('ERR_INVALID_ARGUMENT', `Agent.startWith(ctx, def, args, options): args must be an array, got ${describe(args)}`);
  const pid = await startServer(ctx, server, [def.key, args], { name: options.name, timeout: options.timeout }, options.link === true);
  return pid as Agent<StateOf<D>>;
}

/** The whole state. */
export function get<S>(ctx: Ctx, agent: AgentRef<S>): Promise<S>;
/** What `fn(state, ...args)` returns, computed in the agent; the state does not change. */
export function get<S, A extends unknown[], R>(ctx: Ctx, agent: AgentRef<S>, fn: AgentFn<S, A, R>, ...args: A): Promise<Awaited<R>>;
export function get(ctx: Ctx, agent: AgentRef<unknown>, fn?: { readonly key: string }, ...args: unknown[]): Promise<unknown> {
  return request(ctx, agent, 'get', fn, args, 'Agent.get');
}

/** Replaces the state with `fn(state, ...args)`; resolves once it is done. */
export async function update<S, A extends unknown[]>(ctx: Ctx, agent: AgentRef<S>, fn: AgentFn<S, A, S>, ...args: A): Promise<void> {
  checkFn(fn, 'Agent.update');
  await request(ctx, agent, 'update', fn, args, 'Agent.update');
}

/** `fn(state, ...args)` returns `[reply, newState]`: the agent keeps the new state, the caller gets the reply. */
export function getAndUpdate<S, A extends unknown[], R>(ctx: Ctx, agent: AgentRef<S>, fn: AgentFn<S, A, readonly [R, S]>, ...args: A): Promise<R> {
  checkFn(fn, 'Agent.getAndUpdate');
  return request(ctx, agent, 'getAndUpdate', fn, args, 'Agent.getAndUpdate') as Promise<R>;
}

/** Replaces the whole state with `state` (a built-in update). */
export async function put<S>(ctx: Ctx, agent: AgentRef<S>, state: NoInfer<S>): Promise<void> {
  const { pid, timeout } = target(ctx, agent, 'Agent.put');
  const req: AgentRequest = { $agent: 'put', value: state };
  await call(ctx, pid as never, req, timeout);
}

/** Like `update`, without waiting (Elixir's `Agent.cast`): a dead agent just loses it. */
export function cast<S, A extends unknown[]>(ctx: Ctx, agent: AgentRef<S>, fn: AgentFn<S, A, S>, ...args: A): void {
  checkFn(fn, 'Agent.cast');
  const ref = unwrap(agent);
  const req: AgentRequest = { $agent: 'update', fn: fn.key, args };
  genCast(ctx, ref as never, req as never);
}

/**
 * Stops the agent with `reason` (default `normal`) and resolves once it is gone. Errors as
 * GenServer.stop: ERR_NOPROC if it is not alive, ERR_CALL_TIMEOUT past `timeout` (default: wait
 * forever).
 */
export function stop(ctx: Ctx, agent: Agent<unknown> | AgentName<unknown> | string, reason: ExitReason = 'normal', timeout?: number): Promise<void> {
  return genStop(ctx, agent as never, reason, timeout);
}

/**
 * A child spec that runs an agent under a supervisor, its state made by `def(...args)`:
 * `Supervisor.startLink(ctx, [Agent.childSpec(empty, [], { name: 'scores' })])`. The default id
 * is the definition's name. (A bare `{ start: { def: empty } }` would run `empty` as a process
 * that returns at once, and be restarted until the supervisor gives up.)
 */
export function childSpec<D extends AgentInit>(def: D, args: ArgsOf<D>, options: ChildSpecOptions = {}): ChildSpec {
  assertDefinition(def, 'Agent.childSpec');
  if (def.kind !== 'process') throw notAProcess(def);
  return childSpecOf(server, [def.key, args] as never, { ...options, id: options.id ?? (typeof options.name === 'string' ? options.name : def.name) });
}

/** The agent, with calls that wait `timeout` ms (instead of 5000) for the agent to answer. */
export function withTimeout<S>(agent: Agent<S> | AgentName<S>, timeout: number): AgentWithTimeout<S> {
  checkTimeout(timeout);
  return { agent, timeout };
}

/** A registered name typed with the agent's state: `Agent.named<number>('hits')`. */
export function named<S>(name: string): AgentName<S> {
  return name as AgentName<S>;
}

/** The pid registered under `name`, typed as an agent (undefined if none). */
export function whereis<S = unknown>(ctx: Ctx, name: AgentName<S> | string): Agent<S> | undefined {
  return ctx.whereis(name) as Agent<S> | undefined;
}

// ---- internals ------------------------------------------------------------------------------

async function request(ctx: Ctx, agent: AgentRef<unknown>, op: Op, fn: { readonly key: string } | undefined, args: unknown[], where: string): Promise<unknown> {
  if (fn !== undefined) checkFn(fn, where);
  const { pid, timeout } = target(ctx, agent, where);
  const req: AgentRequest = fn === undefined ? { $agent: op } : { $agent: op, fn: fn.key, args };
  return call(ctx, pid as never, req, timeout);
}

function unwrap(agent: AgentRef<unknown>): AnyPid | string {
  return typeof agent === 'object' && agent !== null ? (agent as AgentWithTimeout).agent : (agent as AnyPid | string);
}

function target(_ctx: Ctx, agent: AgentRef<unknown>, where: string): { pid: AnyPid | string; timeout: number } {
  if (typeof agent === 'object' && agent !== null) {
    const { agent: inner, timeout } = agent as AgentWithTimeout;
    return { pid: checkRef(inner, where), timeout: checkTimeout(timeout) };
  }
  return { pid: checkRef(agent, where), timeout: 5000 };
}

function checkRef(agent: unknown, where: string): AnyPid | string {
  if (typeof agent === 'number' || typeof agent === 'string') return agent;
  throw new BeamError('ERR_INVALID_ARGUMENT', `${where} needs an agent (its pid or registered name), got ${describe(agent)}`);
}

function checkFn(fn: unknown, where: string): void {
  if (isAgentFn(fn)) return;
  if (typeof fn === 'function') {
    throw closureError(fn, `${where} needs an agent function`, (name) => `Agent.defineFn(import.meta.url, '${name}', (state, ...args) => ...)`);
  }
  throw new BeamError('ERR_INVALID_ARGUMENT', `${where} needs an agent function made with Agent.defineFn(import.meta.url, name, fn), got ${describe(fn)}`);
}

function notAProcess(def: Definition): BeamError {
  return new BeamError('ERR_INVALID_ARGUMENT', `Agent.start takes a process definition whose body returns the initial state; ${def.name} is an actor`);
}
