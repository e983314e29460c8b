import type { Alias, AnyPid, Dest, Pid, Ref } from './pid.js';
import type { ExitReason } from './reasons.js';
import type { ProcessInfo } from './info.js';
import type { RuntimeEvent } from './events.js';

/** What `receive` resolves to when its timeout passes first (Erlang's `after`). */
export const TIMEOUT: unique symbol = Symbol.for('beamjs.timeout');
export type Timeout = typeof TIMEOUT;

export interface SpawnOptions {
  /** Link the new process to the spawner. */
  link?: boolean;
  /** Register the new process under this name before it runs. */
  name?: string;
  /**
   * Where it starts, on a multi-scheduler VM: `'local'` with its spawner (processes that talk
   * to each other), `'spread'` on the scheduler with the most room (long-lived busy ones). By
   * default supervisors' children spread and other spawns stay local (see the scheduler README).
   */
  placement?: Placement;
  /** Start on this scheduler and stay there: load balancing leaves it alone (Erlang's scheduler binding). */
  scheduler?: number;
  /**
   * Monitor the new process from birth (Erlang's `spawn_opt` with `monitor`): `spawnWith`
   * returns `[pid, ref]`, and the DOWN holds even if the child dies before the spawner's next
   * step, on whichever scheduler it started.
   */
  monitor?: boolean;
}

/** Spawn options that ask for a monitor: `spawnWith` then returns `[pid, ref]`. */
export type MonitorSpawnOptions = SpawnOptions & { monitor: true };

export type Placement = 'spread' | 'local';

/**
 * A process's view of the world: the first argument of every process body and callback.
 * `Msg` is the type of the messages this process accepts.
 */
export interface Context<Msg = unknown> {
  /** This process's pid. */
  readonly self: Pid<Msg>;
  /** The scheduler thread this process runs on now (0 on a single-thread runtime). */
  readonly schedulerId: number;

  /** Deep-copies `msg` into the mailbox of `to` (a pid or a registered name). A dead pid is a silent no-op. */
  send<M>(to: Dest<M>, msg: NoInfer<M>): void;

  /** Takes the oldest message. */
  receive(): Promise<Msg>;
  /** Takes the oldest message, or resolves to TIMEOUT after `timeout` ms (0 polls). */
  receive(timeout: number): Promise<Msg | Timeout>;
  /** Takes the oldest message that matches, leaving the others in order. */
  receive<T extends Msg>(match: (msg: Msg) => msg is T): Promise<T>;
  receive(match: (msg: Msg) => boolean): Promise<Msg>;
  receive<T extends Msg>(match: (msg: Msg) => msg is T, timeout: number): Promise<T | Timeout>;
  receive(match: (msg: Msg) => boolean, timeout: number): Promise<Msg | Timeout>;

  /** Suspends this process for `ms` milliseconds; its mailbox keeps filling. */
  sleep(ms: number): Promise<void>;

  spawn<D extends Definition>(def: D, ...args: ArgsOf<D>): Pid<MessageOf<D>>;
  spawnLink<D extends Definition>(def: D, ...args: ArgsOf<D>): Pid<MessageOf<D>>;
  /** Spawns and monitors atomically: the DOWN message is guaranteed even if the child dies at once. */
  spawnMonitor<D extends Definition>(def: D, ...args: ArgsOf<D>): [Pid<MessageOf<D>>, Ref];
  /**
   * Spawns linked and monitored in one step (Erlang's `spawn_opt` with `[link, monitor]`): the
   * link and the DOWN hold even if the child dies at once, and, as no signal follows the spawn,
   * the child may still start on any scheduler.
   */
  spawnLinkMonitor<D extends Definition>(def: D, ...args: ArgsOf<D>): [Pid<MessageOf<D>>, Ref];
  /**
   * Spawns with options, all set atomically at birth: `{ link, name, monitor }`. With
   * `monitor: true` it returns `[pid, ref]`, as `spawnMonitor` does.
   */
  spawnWith<D extends Definition>(def: D, args: ArgsOf<D>, options: MonitorSpawnOptions): [Pid<MessageOf<D>>, Ref];
  spawnWith<D extends Definition>(def: D, args: ArgsOf<D>, options?: SpawnOptions): Pid<MessageOf<D>>;

  /**
   * Links this process to `pid` (or the process registered as that name): when one exits
   * abnormally the other does too (unless it traps exits). A dead pid sends back an EXIT with
   * `noproc`; a name nobody holds throws ERR_NOPROC.
   */
  link(pid: AnyPid | string): void;
  unlink(pid: AnyPid): void;
  /**
   * Watches `pid`, or the process registered as that name now: a DownMessage with the returned
   * ref arrives when it exits (at once with `noproc` if it is gone, or if no process has the name).
   */
  monitor(pid: AnyPid | string): Ref;
  /** Removes a monitor; with `flush`, also removes its DOWN message if it already arrived. */
  demonitor(ref: Ref, options?: { flush?: boolean }): void;
  /**
   * A new alias of this process (OTP 24): send to it like a pid while it is active; once
   * `unalias`ed (or, with `reply: true`, once one message came through it) messages to it are
   * dropped on arrival. How a request/reply makes sure a late reply never reaches the mailbox.
   */
  alias(options?: { reply?: boolean }): Alias<Msg>;
  /** Deactivates an alias of this process; false if it was not active. */
  unalias(alias: Alias<Msg> | Ref): boolean;

  /** Turns exit signals from linked processes into ExitMessages; returns the previous setting. */
  trapExit(on: boolean): boolean;

  /** Ends this process with `reason` (default `normal`). */
  exit(reason?: ExitReason): never;
  /** Sends an exit signal to `pid`: `kill` cannot be trapped; `normal` is ignored unless trapped. */
  exit(pid: AnyPid, reason: ExitReason): void;

  register(name: string, pid?: AnyPid): void;
  unregister(name: string): void;
  whereis<M = unknown>(name: string): Pid<M> | undefined;

  /**
   * Sends `msg` to `to` after `ms` (`erlang:send_after`). The timer is tied to its destination:
   * it fires even if this process has exited, and is cancelled when the destination process
   * exits; a name is looked up when it fires.
   */
  sendAfter<M>(to: Dest<M>, msg: NoInfer<M>, ms: number): Ref;
  /** Cancels a timer set by any process on any scheduler: the milliseconds it had left, or false if it already fired or is unknown. */
  cancelTimer(ref: Ref): number | false;
  /** The milliseconds a timer has left (any process, any scheduler), or false if it fired, was cancelled, or is unknown. */
  readTimer(ref: Ref): number | false;

  /** A value unique across the VM. */
  makeRef(): Ref;
  isAlive(pid: AnyPid): boolean;
  /** Information about a process on this scheduler; undefined if it is not here or not alive. */
  processInfo(pid?: AnyPid): ProcessInfo | undefined;
  /** Hands an event to the runtime's report sink (how supervisors log their reports). */
  report(event: RuntimeEvent): void;

  // ---- distribution (a VM started with `{ node, cluster }`; see the scheduler README) ----------
  /** This node's name (`'nonode@nohost'` without a cluster, as Erlang says). */
  node(): string;
  /** The names of the other nodes up now (none without a cluster). */
  nodes(): string[];
  /** The node a pid lives on, if known. */
  nodeOf(pid: AnyPid): string | undefined;
  /** `{ type: 'nodedown', node }` arrives once when `node` goes down (at once if it is not up), as Erlang's `monitor_node`. */
  monitorNode(node: string): void;
  /** From now on, a `{ type: 'nodeup' | 'nodedown', node }` for every node that comes up or goes down (Erlang's `net_kernel:monitor_nodes`). */
  monitorNodes(): void;
  /**
   * Spawns `def` on node `node`, which loads its module by its path relative to the project
   * root (both nodes run the same code). Rejects with a clear error if that node is down or
   * cannot load it.
   */
  spawnOn<D extends Definition>(node: string, def: D, ...args: ArgsOf<D>): Promise<Pid<MessageOf<D>>>;
  /** `spawnOn` with `{ link, monitor }` (with `monitor: true` it resolves to `[pid, ref]`); both are in place from the child's birth, as with `spawnWith`. */
  spawnOnWith<D extends Definition>(node: string, def: D, args: ArgsOf<D>, options: { link?: boolean; monitor: true }): Promise<[Pid<MessageOf<D>>, Ref]>;
  spawnOnWith<D extends Definition>(node: string, def: D, args: ArgsOf<D>, options?: { link?: boolean; monitor?: false }): Promise<Pid<MessageOf<D>>>;
  /** Registers `pid` (default: this process) under a cluster-wide name; false if another live process holds it. Released when the process or its node dies. */
  registerGlobal(name: string, pid?: AnyPid): Promise<boolean>;
  unregisterGlobal(name: string): Promise<void>;
  whereisGlobal<M = unknown>(name: string): Promise<Pid<M> | undefined>;
}

// ---- definitions: the code a process runs (defined and found in definition.ts) ----------------
// They live here, with Context, because each type mentions the other.

/**
 * Code that can be spawned on any scheduler thread. Functions cannot cross threads, so a
 * definition is found by its key, `moduleUrl#name`: a thread that meets a key it does not
 * know imports the module, whose top level defines it again.
 */
export interface DefinitionBase {
  readonly key: string;
  readonly name: string;
  readonly moduleUrl: string;
}

/** A coroutine process: an async function that receives with `await ctx.receive()`. */
export interface ProcessDefinition<Msg = any, Args extends unknown[] = any[], R = unknown> extends DefinitionBase {
  readonly kind: 'process';
  // A method, not a function property: method parameters are checked bivariantly, so a
  // process that takes no messages (Context<never>) is still a Definition.
  body(ctx: Context<Msg>, ...args: Args): R | Promise<R>;
}

/**
 * A stateful process driven by callbacks: `init` makes the state, `handle` is called once per
 * message with the current state and returns the next. Because the state is plain data and
 * nothing is on the stack between two messages, an actor can move to another scheduler
 * between any two messages (a coroutine process cannot once it has started).
 */
export interface ActorCallbacks<Msg, Args extends unknown[], State> {
  init(ctx: Context<Msg>, ...args: Args): State | Promise<State>;
  handle(ctx: Context<Msg>, msg: Msg, state: State): State | Promise<State>;
}

export interface ActorDefinition<Msg = any, Args extends unknown[] = any[], State = any> extends DefinitionBase {
  readonly kind: 'actor';
  readonly callbacks: ActorCallbacks<Msg, Args, State>;
}

export type Definition<Msg = any, Args extends unknown[] = any[]> =
  | ProcessDefinition<Msg, Args, any>
  | ActorDefinition<Msg, Args, any>;

/** Message type of a definition, for `Pid<MessageOf<typeof def>>`. */
export type MessageOf<D> = D extends Definition<infer M, any> ? M : never;
export type ArgsOf<D> = D extends Definition<any, infer A> ? A : never;
export type ResultOf<D> = D extends ProcessDefinition<any, any, infer R> ? R : never;
