import type { Context, SpawnOptions } from '../context.js';
import type { ActorDefinition } from '../definition.js';
import type { GlobalName, Pid, Ref } from '../pid.js';
import type { ExitReason } from '../reasons.js';
import type { Awaitable } from './async.js';
import type { Boot } from './messages.js';
import type { ViaName } from './via.js';

/**
 * The types of one server, in one place, so that its definition and every call site agree:
 *
 * ```ts
 * interface Stack {
 *   state: string[];
 *   args: [initial: string[]];
 *   calls: {
 *     pop(): string | undefined;                    // request { type: 'pop' }
 *     peek(req: { at: number }): string | undefined; // request { type: 'peek', at: 0 }
 *   };
 *   cast: { type: 'push'; item: string };
 *   info: 'tick';
 * }
 * ```
 *
 * `calls` reads like an RPC interface: each method is a request whose `type` is the method's
 * name, whose other fields are the method's parameter, and whose reply is its return type.
 * Every field is optional; a server without `calls` takes any request and replies `unknown`.
 */
export interface ServerTypes {
  state?: unknown;
  args?: unknown[];
  calls?: object;
  cast?: unknown;
  info?: unknown;
  continue?: unknown;
  /** `true` if `init` may return `{ ignore: true }`: `start` then resolves with `Ignored` instead of a pid. */
  ignorable?: boolean;
}

export type StateOf<T> = T extends { state: infer S } ? S : unknown;
export type StartArgsOf<T> = T extends { args: infer A extends unknown[] } ? A : [];
export type CallsOf<T> = T extends { calls: infer C extends object } ? C : never;
export type CastOf<T> = T extends { cast: infer C } ? C : unknown;
export type InfoOf<T> = T extends { info: infer I } ? I : unknown;
export type ContinueOf<T> = T extends { continue: infer C } ? C : unknown;
/** What `start` resolves with: the server, or `Ignored` for a server whose `init` may ignore the start. */
export type StartResultOf<T extends ServerTypes> = T extends { ignorable: true } ? Server<T> | Ignored : Server<T>;
/** What a supervisor's `startChild` resolves with for a child of definition `D`: a pid, or `Ignored` if `D` is an ignorable server. */
export type ChildStartResult<D> = D extends ServerDefinition<infer T> ? (T extends { ignorable: true } ? Pid<unknown> | Ignored : Pid<unknown>) : Pid<unknown>;

/** The fields of a request besides `type`: the parameter of its method in `calls`. */
export type FieldsOf<M> = M extends (...args: infer P) => unknown ? (P extends [infer F, ...unknown[]] ? F : {}) : never;
export type ReplyOfMethod<M> = M extends (...args: never[]) => infer R ? R : never;

/** The request for the call `K` of a `calls` interface: `{ type: K, ...fields }`. */
export type RequestFor<C, K extends keyof C> = { type: K } & FieldsOf<C[K]>;
/** Every request a `calls` interface accepts. */
export type RequestOf<C> = [C] extends [never] ? unknown : { [K in keyof C & string]: RequestFor<C, K> }[keyof C & string];
/** Every reply a `calls` interface may give. */
export type ReplyOf<C> = [C] extends [never] ? unknown : { [K in keyof C & string]: ReplyOfMethod<C[K]> }[keyof C & string];

declare const serverTypes: unique symbol;
declare const replyType: unique symbol;

/**
 * The pid of a running server. It is a plain pid (a number: store it, send it) that also
 * remembers the server's types, so `GenServer.call(ctx, server, request)` checks the request
 * and types the reply. `ctx.send(server, msg)` takes what the server's `handleInfo` accepts.
 */
export type Server<T extends ServerTypes = {}> = Pid<InfoOf<T>> & { readonly [serverTypes]?: T };

/** A registered name that remembers its server's types: see `GenServer.named`. */
export type ServerName<T extends ServerTypes = {}> = string & { readonly [serverTypes]?: T };

/** A server to talk to: its pid, its registered name, its `{ via: registry, key }` name, or its cluster-wide `{ global: name }`. */
export type ServerRef<T extends ServerTypes = {}> = Server<T> | ServerName<T> | ViaName<T> | GlobalName<T>;

/**
 * Who is waiting for a reply: plain data (the caller's pid and the call's tag), so a server may
 * keep it in its state or hand it to another process, and answer later with `GenServer.reply`.
 */
export type From<Reply = unknown> = { readonly pid: Pid<unknown>; readonly tag: Ref } & { readonly [replyType]?: Reply };

/**
 * What `init` returns: the first state (and maybe work to do at once), or why not to start:
 * `stop` is a failed start, `ignore` (as OTP's `ignore`, for a server declared `ignorable`) a
 * start that chose not to run: the server exits `normal` and the starter gets `Ignored`.
 */
export type InitResult<State, Cont = unknown, Ignore = never> = ({ ok: State; continue?: Cont } & IdleOptions) | { stop: ExitReason } | Ignore;

/**
 * What a result may ask of the time until the next message, as the third element of OTP's
 * tuples (`{reply, R, S, Timeout}`, `{noreply, S, hibernate}`):
 * - `timeout: ms`: if no message arrives within `ms`, the server gets the info message
 *   `'timeout'` (declare it in `info`); any message that comes first cancels it, as do the
 *   next result without one. `Infinity` is no timeout.
 * - `hibernate: true`: the server compacts itself while it waits (see the README: its state is
 *   replaced by a fresh, right-sized copy of itself and its mailbox storage is trimmed).
 * Neither goes with `continue`: the continue runs next, so a timeout would be cancelled at once;
 * return them from `handleContinue` instead.
 */
export interface IdleOptions {
  timeout?: number;
  hibernate?: boolean;
}

/** What a start resolves with when the server's `init` returned `{ ignore: true }`: no process remains. */
export interface Ignored {
  readonly ignore: true;
}

/** Tells a start result that is `Ignored` from a pid. */
export function isIgnored(value: unknown): value is Ignored {
  return typeof value === 'object' && value !== null && (value as Ignored).ignore === true;
}

/**
 * What `handleCall` returns (the tuples of Elixir's `handle_call/3`):
 * - `{ reply, state }` answers now; `{ noreply: true, state }` answers later with `GenServer.reply`;
 * - `{ stop: reason, state, reply? }` answers (if `reply` is given), runs `terminate` and exits;
 * - `continue: arg` (with reply/noreply) runs `handleContinue(arg)` before the next message;
 * - `timeout: ms` / `hibernate: true` (with reply/noreply): see `IdleOptions`.
 */
export type CallResult<Reply, State, Cont = unknown> =
  | ({ reply: Reply; state: State; continue?: Cont } & IdleOptions)
  | ({ noreply: true; state: State; continue?: Cont } & IdleOptions)
  | { stop: ExitReason; state: State; reply?: Reply };

/** What `handleCast`, `handleInfo` and `handleContinue` return. */
export type NoReplyResult<State, Cont = unknown> =
  | ({ noreply: true; state: State; continue?: Cont } & IdleOptions)
  | { stop: ExitReason; state: State };

/** The context every callback gets: the server's own process. */
export type ServerContext = Context<unknown>;

export type CallHandler<T extends ServerTypes, K extends keyof CallsOf<T>> = (
  ctx: ServerContext,
  request: RequestFor<CallsOf<T>, K>,
  from: From<ReplyOfMethod<CallsOf<T>[K]>>,
  state: StateOf<T>,
) => Awaitable<CallResult<ReplyOfMethod<CallsOf<T>[K]>, StateOf<T>, ContinueOf<T>>>;

/** One handler per call, named after it: each one's request and reply are checked on their own. */
export type CallHandlers<T extends ServerTypes> = { [K in keyof CallsOf<T> & string]: CallHandler<T, K> };

/** One function for every call: it gets the union of the requests. */
export type CallFunction<T extends ServerTypes> = (
  ctx: ServerContext,
  request: RequestOf<CallsOf<T>>,
  from: From<ReplyOf<CallsOf<T>>>,
  state: StateOf<T>,
) => Awaitable<CallResult<ReplyOf<CallsOf<T>>, StateOf<T>, ContinueOf<T>>>;

/**
 * The callbacks of a server; only `init` is required. Any of them may be async: the server
 * takes its next message once the promise settles. A callback that throws crashes the server:
 * `terminate` runs with the crash reason, then the server exits with it.
 */
export interface ServerCallbacks<T extends ServerTypes> {
  init(ctx: ServerContext, ...args: StartArgsOf<T>): Awaitable<InitResult<StateOf<T>, ContinueOf<T>, T extends { ignorable: true } ? Ignored : never>>;
  handleCall?: CallHandlers<T> | CallFunction<T>;
  handleCast?(ctx: ServerContext, request: CastOf<T>, state: StateOf<T>): Awaitable<NoReplyResult<StateOf<T>, ContinueOf<T>>>;
  handleInfo?(ctx: ServerContext, msg: InfoOf<T>, state: StateOf<T>): Awaitable<NoReplyResult<StateOf<T>, ContinueOf<T>>>;
  handleContinue?(ctx: ServerContext, arg: ContinueOf<T>, state: StateOf<T>): Awaitable<NoReplyResult<StateOf<T>, ContinueOf<T>>>;
  terminate?(ctx: ServerContext, reason: ExitReason, state: StateOf<T>): Awaitable<void>;
}

/** What the server process keeps between two messages: plain data, so it can migrate. */
export interface ServerBox {
  s: unknown;
  parent: number | undefined;
  /** The armed `timeout` of the last result: its timer and the id its message carries. */
  idle?: { id: number; ref: number };
  /** The id of the next armed timeout. */
  idleIds?: number;
}

/** A server definition: an actor (movable between messages) with its types attached. */
export type ServerDefinition<T extends ServerTypes = {}> = ActorDefinition<unknown, [Boot, ...StartArgsOf<T>], ServerBox> & {
  readonly [serverTypes]?: T;
};

export interface StartOptions extends Pick<SpawnOptions, 'placement' | 'scheduler'> {
  /** Register the server under this name, under a key of a Registry (`Registry.via(registry, key)`), or cluster-wide (`{ global: name }`, on a cluster node); ERR_NAME_TAKEN if taken. */
  name?: string | ViaName | GlobalName;
  /** How long `init` may take, in ms (default: forever). Past it the server is killed. */
  timeout?: number;
  /** Start it on this cluster node (`ctx.spawnOnWith`; the module is loaded there by its path in the project). */
  node?: string;
}
