import type { Context } from '../context.js';
import type { ExitReason } from '../reasons.js';
import { childSpecOf, type ChildSpecOptions } from './child-spec-of.js';
import type { ChildSpec } from './child-spec.js';
import { defineStatem } from './gen-statem-loop.js';
import { call as genCall, cast as genCast, startServer, stop as genStop, type StartRest } from './gen-server.js';
import type { CallsOf, FieldsOf, From, ReplyOfMethod, ServerDefinition, ServerRef, StartArgsOf, StartOptions } from './gen-server-types.js';
import type { ServerView, Statem, StatemBox, StatemCallbacks, StatemName, StatemTypes } from './gen-statem-types.js';

/**
 * GenStatem: a state machine process, as OTP's gen_statem. Events (calls, casts, plain
 * messages, timeouts, events it inserts itself) go to the callback of the current state, which
 * says where to go next and what to do (reply, postpone, set timeouts, insert events).
 *
 * ```ts
 * interface Door { states: 'locked' | 'open'; data: { code: string }; args: [code: string];
 *                  calls: { unlock(req: { code: string }): 'ok' | 'wrong' } }
 *
 * export const door = GenStatem.define<Door>(import.meta.url, 'door', {
 *   init: (_ctx, code) => ({ state: 'locked', data: { code } }),
 *   states: {
 *     locked: (_ctx, ev, data) =>
 *       ev.type === 'call' && ev.request.code === data.code
 *         ? { next: 'open', actions: [GenStatem.reply(ev.from, 'ok'), { stateTimeout: 5000 }] }
 *         : ev.type === 'call' ? { keep: true, actions: [GenStatem.reply(ev.from, 'wrong')] } : { keep: true },
 *     open: (_ctx, ev) => (ev.type === 'stateTimeout' ? { next: 'locked' } : { keep: true, actions: ['postpone'] }),
 *   },
 * });
 * ```
 *
 * It is a GenServer underneath: `GenServer.call`, `GenServer.stop`, supervisors and `vm.call`
 * work on it, and between two messages it is plain data, so it migrates between schedulers
 * with its state, data, postponed events and running timeouts.
 */
export type * from './gen-statem-types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctx = Context<any>;

declare const statemTypes: unique symbol;

/** A state machine definition: a GenServer definition whose box is the machine, with its types attached. */
export type StatemDefinition<T extends StatemTypes = {}> = ServerDefinition<{ state: StatemBox; args: StartArgsOf<T> } & ServerView<T>> & {
  readonly [statemTypes]?: T;
};

/**
 * Defines a state machine. Call it at the top level of a module and export the result. Give
 * either `states` (one function per state: state functions mode) or `handleEvent` (one
 * function for all: any plain data as state); `stateEnter: true` adds enter calls.
 * ERR_INVALID_ARGUMENT without `init`, or with both or neither of `states` and `handleEvent`.
 */
export function define<T extends StatemTypes = {}>(moduleUrl: string, name: string, callbacks: StatemCallbacks<T>): StatemDefinition<T> {
  return defineStatem(moduleUrl, name, callbacks as StatemCallbacks<any>) as unknown as StatemDefinition<T>;
}

/** Starts a machine and waits for its `init` (and the first enter call); errors as GenServer.start. */
export function start<T extends StatemTypes>(ctx: Ctx, def: StatemDefinition<T>, ...rest: StartRest<T>): Promise<Statem<T>> {
  return startServer(ctx, def, rest[0] ?? [], rest[1] ?? {}, false) as Promise<Statem<T>>;
}

/** Like `start`, linked to the caller. */
export function startLink<T extends StatemTypes>(ctx: Ctx, def: StatemDefinition<T>, ...rest: StartRest<T>): Promise<Statem<T>> {
  return startServer(ctx, def, rest[0] ?? [], rest[1] ?? {}, true) as Promise<Statem<T>>;
}

/** A call: the request and reply are typed by the machine's `calls`. Errors as GenServer.call. */
export function call<C extends object, K extends keyof C & string>(
  ctx: Ctx,
  machine: ServerRef<{ calls: C }>,
  request: { type: K } & FieldsOf<C[K]>,
  timeout?: number,
): Promise<ReplyOfMethod<C[K]>> {
  return genCall(ctx, machine, request, timeout);
}

/** A cast (fire and forget): typed by the machine's `cast`. */
export function cast<T extends StatemTypes>(ctx: Ctx, machine: Statem<T> | StatemName<T>, request: T extends { cast: infer C } ? C : unknown): void {
  genCast(ctx, machine as never, request as never);
}

/** Stops the machine: `terminate(reason, state, data)` runs, then it exits. Errors as GenServer.stop. */
export function stop(ctx: Ctx, machine: ServerRef<any>, reason: ExitReason = 'normal', timeout?: number): Promise<void> {
  return genStop(ctx, machine, reason, timeout);
}

/**
 * The reply action for a call: `{ keep: true, actions: [GenStatem.reply(ev.from, value)] }`.
 * `from` is plain data: a machine may keep it in its data and reply from a later state.
 */
export function reply<R>(from: From<R>, value: NoInfer<R>): { reply: From<R>; value: R } {
  return { reply: from, value };
}

/** A registered name typed with the machine's types. */
export function named<T extends StatemTypes>(name: string): StatemName<T> {
  return name as StatemName<T>;
}

/** A child spec that runs the machine under a supervisor (see `childSpecOf`). */
export function childSpec<T extends StatemTypes>(def: StatemDefinition<T>, args: StartArgsOf<T>, options?: ChildSpecOptions): ChildSpec<StatemDefinition<T>> {
  return childSpecOf(def, args as never, options);
}

/** The reply type of the call `K` of machine `T` (for storing a `From` in data). */
export type ReplyOf<T, K extends keyof CallsOf<T>> = ReplyOfMethod<CallsOf<T>[K]>;
/** `StartOptions` for machines (a registered name, an init timeout). */
export type { StartOptions };
