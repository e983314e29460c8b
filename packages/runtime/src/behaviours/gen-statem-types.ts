import type { ExitReason } from '../reasons.js';
import type { Awaitable } from './async.js';
import type { CallsOf, CastOf, From, InfoOf, ReplyOf, RequestOf, Server, ServerContext, ServerName, StartArgsOf } from './gen-server-types.js';

/**
 * The types of one state machine, in one place (as `ServerTypes` for a GenServer):
 *
 * ```ts
 * interface Door {
 *   states: 'locked' | 'open';                 // every state it can be in
 *   data: { code: string; tries: number };     // what it keeps besides the state
 *   args: [code: string];                      // GenStatem.start's init arguments
 *   calls: { unlock(req: { code: string }): 'ok' | 'wrong' };
 *   cast: { type: 'lock' };
 *   info: 'tick';
 *   internal: { type: 'opened' };              // events it inserts itself ({ nextEvent })
 *   timeouts: 'lock';                          // names of its generic timeouts
 * }
 * ```
 */
export interface StatemTypes {
  states?: unknown;
  data?: unknown;
  args?: unknown[];
  calls?: object;
  cast?: unknown;
  info?: unknown;
  internal?: unknown;
  timeouts?: string;
}

export type StatesOf<T> = T extends { states: infer S } ? S : unknown;
export type DataOf<T> = T extends { data: infer D } ? D : unknown;
export type InternalOf<T> = T extends { internal: infer I } ? I : unknown;
export type TimeoutNameOf<T> = T extends { timeouts: infer N extends string } ? N : string;

/** The GenServer face of a state machine: what `GenServer.call`/`cast` check requests against. */
export type ServerView<T> = Pick<T, keyof T & ('calls' | 'cast' | 'info')>;

/** The pid of a running state machine: calls and casts to it are checked (`GenStatem.call`, `GenServer.call`). */
export type Statem<T extends StatemTypes = {}> = Server<ServerView<T>>;
/** A registered name that remembers its machine's types: `GenStatem.named<Door>('door')`. */
export type StatemName<T extends StatemTypes = {}> = ServerName<ServerView<T>>;

/**
 * An event, as gen_statem's `(EventType, EventContent)`:
 * - `call` (reply with a `{ reply: from, value }` action, now or from a later state), `cast`, `info`;
 * - `enter`: the machine entered `state` from `from` (only with `stateEnter: true`);
 * - `stateTimeout`, `timeout` (a named generic timeout), `eventTimeout`: a timeout fired;
 * - `internal`: an event the machine inserted itself with a `{ nextEvent }` action.
 */
export type StatemEvent<T extends StatemTypes = {}> =
  | { type: 'call'; request: RequestOf<CallsOf<T>>; from: From<ReplyOf<CallsOf<T>>> }
  | { type: 'cast'; request: CastOf<T> }
  | { type: 'info'; msg: InfoOf<T> }
  | { type: 'enter'; from: StatesOf<T> }
  | { type: 'stateTimeout'; content: unknown }
  | { type: 'timeout'; name: TimeoutNameOf<T>; content: unknown }
  | { type: 'eventTimeout'; content: unknown }
  | { type: 'internal'; content: InternalOf<T> };

/**
 * What a transition asks for besides the next state (gen_statem's transition actions), run in order:
 * - `{ reply: from, value }` answers a call (any time later, also from another state);
 * - `'postpone'`: keep this event and retry it after the next state change (oldest first);
 * - `{ nextEvent: content }`: handle an `internal` event with this content next, before anything queued;
 * - `{ stateTimeout: ms, content? }`: fires once unless the state changes first; `'cancel'` cancels;
 * - `{ timeout: ms, name, content? }`: a named generic timeout, kept across state changes;
 * - `{ eventTimeout: ms, content? }`: fires unless another event comes first;
 * - `'hibernate'`: compact the machine before it waits for the next message (GenServer's `hibernate`).
 * Setting a timeout that is already running restarts it. `Infinity` means never (and cancels).
 */
export type StatemAction<T extends StatemTypes = {}> =
  | { reply: From<any>; value: unknown }
  | 'postpone'
  | 'hibernate'
  | { nextEvent: InternalOf<T> }
  | { stateTimeout: number | 'cancel'; content?: unknown }
  | { timeout: number | 'cancel'; name: TimeoutNameOf<T>; content?: unknown }
  | { eventTimeout: number | 'cancel'; content?: unknown };

/**
 * What a state callback returns (gen_statem's transition results):
 * - `{ next: state, data?, actions? }`: go to `state` (the same state is no state change);
 * - `{ keep: true, data?, actions? }`: stay, no state change;
 * - `{ repeat: true, data?, actions? }`: stay, and run the enter call again;
 * - `{ stop: reason, data?, actions? }`: run the actions' replies, `terminate`, and exit.
 * A missing `data` keeps the data.
 */
export type StatemResult<T extends StatemTypes = {}> =
  | { next: StatesOf<T>; data?: DataOf<T>; actions?: readonly StatemAction<T>[] }
  | { keep: true; data?: DataOf<T>; actions?: readonly StatemAction<T>[] }
  | { repeat: true; data?: DataOf<T>; actions?: readonly StatemAction<T>[] }
  | { stop: ExitReason; data?: DataOf<T>; actions?: readonly StatemAction<T>[] };

/** What `init` returns: the first state and data (and actions), or why not to start. */
export type StatemInit<T extends StatemTypes = {}> =
  | { state: StatesOf<T>; data: DataOf<T>; actions?: readonly StatemAction<T>[] }
  | { stop: ExitReason };

export type StateFunction<T extends StatemTypes> = (ctx: ServerContext, event: StatemEvent<T>, data: DataOf<T>) => Awaitable<StatemResult<T>>;

/** State functions mode: one function per state (states are strings then). */
export type StateFunctions<T extends StatemTypes> = { [K in StatesOf<T> & string]: StateFunction<T> };

interface CommonCallbacks<T extends StatemTypes> {
  init(ctx: ServerContext, ...args: StartArgsOf<T>): Awaitable<StatemInit<T>>;
  /** Call the state callback with an `enter` event on every state change (and at start). */
  stateEnter?: boolean;
  terminate?(ctx: ServerContext, reason: ExitReason, state: StatesOf<T>, data: DataOf<T>): Awaitable<void>;
}

/** `handleEvent` mode: one function for every state; states may be any plain data. */
export interface HandleEventCallbacks<T extends StatemTypes> extends CommonCallbacks<T> {
  handleEvent(ctx: ServerContext, event: StatemEvent<T>, state: StatesOf<T>, data: DataOf<T>): Awaitable<StatemResult<T>>;
  states?: undefined;
}

export interface StateFunctionCallbacks<T extends StatemTypes> extends CommonCallbacks<T> {
  states: StateFunctions<T>;
  handleEvent?: undefined;
}

export type StatemCallbacks<T extends StatemTypes> = HandleEventCallbacks<T> | StateFunctionCallbacks<T>;

/** A running timeout, as the machine keeps it: plain data, so it migrates. */
export interface TimerEntry {
  id: number;
  ref: number;
}

/** What the machine process keeps between two messages: plain data, so it can migrate. */
export interface StatemBox {
  state: unknown;
  data: unknown;
  /** Events to handle before the next message: inserted ones first, then postponed ones retried. */
  queue: unknown[];
  /** Events postponed in the current state, oldest first. */
  postponed: unknown[];
  /** Running timeouts: `state`, `event`, and `timeout:<name>` for generic ones. */
  timers: Record<string, TimerEntry>;
  nextTimerId: number;
  /** A `hibernate` action ran while handling the current message. */
  hibernate?: boolean;
}

/** The message a timeout sends the machine itself. */
export interface TimeoutMessage {
  $statem: 'timeout';
  slot: string;
  id: number;
  content: unknown;
}
