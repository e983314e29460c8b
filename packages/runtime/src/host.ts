import type { Signal } from './signals.js';
import type { Context, Definition, Placement } from './context.js';
import type { RuntimeEvent } from './events.js';
import type { TimerCells } from './timer-cells.js';

/**
 * A process that has been spawned but has not run yet: plain data, so that any scheduler
 * thread can start it (this is what work stealing moves).
 */
export interface SpawnJob {
  pid: number;
  key: string;
  /** Already deep-copied. */
  args: unknown[];
  /** Processes the new one is linked to from birth. */
  links: number[];
  /** Monitors on the new process from birth: [ref, watcher]. */
  monitoredBy: [number, number][];
  /** The spawner, for crash reports (`undefined` when spawned from outside any process). */
  parent: number | undefined;
  /** Registered at spawn time (the registry entry already exists). */
  name: string | undefined;
  /** Signals sent to it before it started, travelling with it (applied first, in order). */
  signals?: Signal[];
  /** Where the spawner asked it to start (SpawnOptions); the host decides when absent. */
  placement?: Placement;
  /** Bound to this scheduler (SpawnOptions.scheduler). */
  scheduler?: number;
}

export type { RuntimeEvent, SupervisorReport } from './events.js';

export interface NameRegistry {
  /** False if the name is taken. */
  register(name: string, pid: number): boolean;
  whereis(name: string): number | undefined;
  /** The name registered for `pid`, if any (to refuse a second name for a process of another thread). */
  nameOf?(pid: number): string | undefined;
  /** Removes the name if it maps to `pid` (or to anything when `pid` is undefined). */
  unregister(name: string, pid?: number): void;
  names(): string[];
}

/**
 * Distribution (a VM started with a cluster; @beamjs/scheduler's cluster/): what a process's
 * `ctx.node()`, `ctx.spawnOn`, `ctx.registerGlobal`... do. Absent on a VM without a cluster.
 */
export interface ClusterHooks {
  node(): string;
  nodes(): string[];
  nodeOf(pid: number): string | undefined;
  monitorNode(ctx: Context<any>, node: string, all: boolean): void;
  /** The new process's pid; with `monitorRef`, it is spawned monitored by `ctx` under that ref (the caller has it in its monitors already). */
  spawnOn(ctx: Context<any>, node: string, def: Definition, args: unknown[], options: { link?: boolean; monitorRef?: number }): Promise<number>;
  registerGlobal(ctx: Context<any>, name: string, pid: number): Promise<boolean>;
  unregisterGlobal(ctx: Context<any>, name: string): Promise<void>;
  whereisGlobal(ctx: Context<any>, name: string): Promise<number | undefined>;
  /** The holder of a global name in this node's replica of the global name table, at once (what `send({ global })` resolves with). */
  globalHolder(name: string): number | undefined;
}

/**
 * The runtime runs processes on one thread. Everything that depends on where the other
 * processes live goes through its host: the single-thread host in this package, or a
 * scheduler thread's host in @beamjs/scheduler.
 */
export interface Host {
  /** This thread's id (0..254): part of every ref made here, shown in process info. */
  readonly nodeId: number;
  /** How many schedulers a `scheduler` spawn option may name (1 when absent). */
  readonly schedulerCount?: number;
  readonly names: NameRegistry;
  /** Distribution, when the VM is a cluster node. */
  readonly cluster?: ClusterHooks;
  /** The VM's timer cells, shared by its threads (default: a table of this thread's own). */
  readonly timerCells?: TimerCells;
  allocatePid(): number;
  /** The pid's process has exited here; its slot may be reused. */
  releasePid(pid: number): void;
  /** Whether a pid that has no process on this thread is alive elsewhere. */
  isAlive(pid: number): boolean;
  /** A signal for a pid that has no process on this thread: forward it, or bounce it if the pid is dead. */
  route(signal: Signal): void;
  /**
   * Optional: a message for a pid that has no process on this thread, *not copied yet*. The
   * host copies it (throwing the typed error of `deepCopy` for a value that cannot be cloned,
   * with nothing sent), e.g. by serializing it for another thread: that serialization is the
   * copy. Without it, the runtime deep-copies and calls `route`.
   */
  routeMessage?(to: number, msg: unknown): void;
  /** A new process: start it here (`runtime.start(job)`) or queue it where other threads can take it. */
  submit(job: SpawnJob, def: Definition): void;
  report(event: RuntimeEvent): void;
  /** Called at the start of every slice of the run loop (drain inboxes, publish work...). */
  beforeSlice?(): void;
  /** Called at the end of every slice: what runs next on this thread is not that slice's processes' code. */
  afterSlice?(): void;
  /** The run queue became empty. */
  idle?(): void;
  /**
   * A step just ran for LONG_STEP_MS or more (CPU-bound work): take in now what other threads
   * sent meanwhile, instead of at the end of the slice, so that a thread busy with long steps
   * still answers, between two of them, the processes it serves elsewhere.
   */
  afterLongStep?(): void;
  /**
   * A process's own code is about to run: a step of the run loop, or a receive resolved at
   * once. What runs next on this thread until the next `enter`, `beforeSlice` or `idle` is
   * that process's (a watchdog outside the thread can name it). `direct`: a receive resolved
   * at once from another process's code, which goes on running (the resumed continuation runs
   * later, as a microtask).
   */
  enter?(proc: { readonly self: number; readonly name: string; readonly key: string; readonly def: object | undefined }, direct?: boolean): void;
}
