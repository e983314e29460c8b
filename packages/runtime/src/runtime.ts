import { BeamError } from './errors.js';
import { ProcessTable } from './process-table.js';
import { RunLoop } from './run-loop.js';
import { SignalDelivery } from './signal-delivery.js';
import { Registrations } from './names.js';
import { Spawner } from './spawn.js';
import { Migration, type MigratingProcess } from './migration.js';
import { Timers, type TimerRuntime } from './timers.js';
import { TimerCells } from './timer-cells.js';
import { newCounters, type RuntimeStats } from './stats.js';
import type { Proc, ProcessRuntime } from './process.js';
import type { Definition, Context, SpawnOptions } from './context.js';
import type { ExitReason } from './reasons.js';
import type { Host, SpawnJob } from './host.js';
import type { Signal } from './signals.js';
import { checkPid, type AnyPid, type Dest, type Ref } from './pid.js';
import type { ProcessInfo } from './info.js';

export type { RuntimeStats } from './stats.js';
export type { MigratingProcess } from './migration.js';

export interface RuntimeOptions {
  /** A process step longer than this is reported as a long schedule (default 100 ms). */
  longScheduleMs?: number;
}

/**
 * The process model on one thread. This class only wires its rooms together and is what the
 * host and the processes talk to:
 * - `RunLoop` (run-loop.ts): the run queue and the slices that run process steps;
 * - `SignalDelivery` (signal-delivery.ts): messages, links, monitors, exit signals, and exits;
 * - `Spawner` (spawn.ts): spawn jobs and their start in the process table;
 * - `Registrations` (names.ts), `Timers` (timers.ts), `Migration` (migration.ts).
 * Imports run one way: each room knows the rooms below it, and the processes know the runtime
 * only as `ProcessRuntime`.
 */
export class Runtime implements ProcessRuntime, TimerRuntime {
  readonly procs = new ProcessTable();
  readonly stats = newCounters();
  readonly timers: Timers;
  private readonly loop: RunLoop;
  private readonly signals: SignalDelivery;
  private readonly registrations: Registrations;
  private readonly spawner: Spawner;
  private readonly migration: Migration;
  private refCounter = 0;

  constructor(
    readonly host: Host,
    options: RuntimeOptions = {},
  ) {
    this.timers = new Timers(this, host.timerCells ?? TimerCells.local());
    this.loop = new RunLoop(host, this, this.stats, options.longScheduleMs ?? 100);
    this.signals = new SignalDelivery(this.procs, host, this.loop, this.timers, this.stats);
    this.registrations = new Registrations(this.procs, host.names, (pid) => host.isAlive(pid), (signal) => this.signals.dispatch(signal));
    this.spawner = new Spawner(this, this.procs, host, this.loop, this.signals, this.registrations, this.stats);
    this.migration = new Migration(this, this.procs, this.loop, this.signals, this.spawner, this.timers);
  }

  /** A ref unique across the VM: a per-thread counter tagged with this thread's node id. */
  makeRef(): Ref {
    return ++this.refCounter * 256 + this.host.nodeId;
  }

  // ---- spawning -----------------------------------------------------------------------------

  /** Spawns from outside any process (the program's own code). */
  spawn<D extends Definition>(def: D, args: unknown[] = [], options: SpawnOptions = {}): AnyPid {
    return this.spawner.spawnFrom(undefined, def, args, options);
  }

  spawnFrom(parent: Proc | undefined, def: Definition, args: unknown[], options: SpawnOptions, monitorRef?: Ref): number {
    return this.spawner.spawnFrom(parent, def, args, options, monitorRef);
  }

  spawnWithOptions(parent: Proc, def: Definition, args: unknown[], options: SpawnOptions, where: string): number | [number, Ref] {
    return this.spawner.spawnWithOptions(parent, def, args, options, where);
  }

  /**
   * `spawnWith` on behalf of the local mailbox `as` (the VM's main-thread context), with the
   * job handed to `place` instead of the host's placement. @internal for the VM.
   */
  spawnAs(as: AnyPid, def: Definition, args: unknown[], options: SpawnOptions, where: string, place: (job: SpawnJob) => void): number | [number, Ref] {
    const parent = this.procs.get(as);
    if (parent === undefined) throw new BeamError('ERR_NOT_ALIVE', `${where}: the spawning mailbox ${as} is closed`);
    return this.spawner.spawnWithOptions(parent, def, args, options, where, place);
  }

  /** Starts a spawn job on this thread; `early` are signals the host held for the pid before it started here. */
  start(job: SpawnJob, early: readonly Signal[] = []): void {
    this.spawner.start(job, early);
  }

  /**
   * A mailbox for code outside any process (a test, the main thread of a program): it has a
   * pid, can send, receive, link, monitor and spawn, but runs no code of its own. Close it
   * with `ctx.exit()`.
   */
  mailbox<Msg = unknown>(): Context<Msg> {
    return this.spawner.mailbox<Msg>();
  }

  // ---- signals ------------------------------------------------------------------------------

  send(to: Dest<unknown>, msg: unknown, copy = true): void {
    this.signals.send(to, msg, copy);
  }

  /** Sends a signal from a local process: applied here if the target is here, else routed. */
  dispatch(signal: Signal): void {
    this.signals.dispatch(signal);
  }

  /** A signal arriving from another thread (or bounced back to us): apply, or bounce if the pid is gone. */
  deliver(signal: Signal): void {
    this.signals.deliver(signal);
  }

  /** The target of `signal` does not exist: links and monitors hear `noproc`, the rest vanishes. */
  bounce(signal: Signal): void {
    this.signals.bounce(signal);
  }

  deliverMessage(proc: Proc, msg: unknown): void {
    this.signals.deliverMessage(proc, msg);
  }

  /** Makes a process that waits in receive runnable, with `value` as what receive returns. */
  resume(proc: Proc, value: unknown): void {
    this.loop.resume(proc, value);
  }

  /** Makes the loop look at its inboxes again (the host calls this when work arrives). */
  wake(): void {
    this.loop.wake();
  }

  // ---- exits --------------------------------------------------------------------------------

  fail(proc: Proc, err: unknown): void {
    this.signals.fail(proc, err);
  }

  /** Ends a process: its links get exit signals, its monitors DOWN messages, its name and timers go. */
  exitProcess(proc: Proc, reason: ExitReason): void {
    this.signals.exitProcess(proc, reason);
  }

  /** Resolves with the exit reason of a local process (at once with `noproc` if it is not here). */
  whenExit(pid: AnyPid): Promise<ExitReason> {
    return this.signals.whenExit(pid);
  }

  // ---- names and timers -----------------------------------------------------------------------

  register(name: string, pid: AnyPid): void {
    checkPid(pid, 'register');
    this.registrations.register(name, pid);
  }

  unregister(name: string): void {
    this.registrations.unregister(name);
  }

  startTimer(to: Dest<unknown>, msg: unknown, ms: number): Ref {
    return this.timers.start(to, msg, ms);
  }

  cancelTimer(ref: Ref): number | false {
    return this.timers.cancel(ref);
  }

  readTimer(ref: Ref): number | false {
    return this.timers.read(ref);
  }

  /** The process of `pid` if it lives on this thread. */
  local(pid: number): Proc | undefined {
    return this.procs.get(pid);
  }

  // ---- introspection ------------------------------------------------------------------------

  isAlive(pid: AnyPid): boolean {
    checkPid(pid, 'isAlive');
    return this.procs.has(pid) || this.host.isAlive(pid);
  }

  processInfo(pid: AnyPid): ProcessInfo | undefined {
    checkPid(pid, 'processInfo');
    const proc = this.procs.get(pid);
    return proc?.info();
  }

  /** Pids of the live processes on this thread (mailbox handles included). */
  processes(): AnyPid[] {
    return this.procs.pids();
  }

  snapshot(): RuntimeStats {
    return this.loop.snapshot(this.stats, this.procs.size);
  }

  // ---- migration ----------------------------------------------------------------------------

  /** Takes an idle actor off this thread, as plain data; undefined if it cannot move now. */
  detach(pid: number): MigratingProcess | undefined {
    return this.migration.detach(pid);
  }

  /** Installs a process that migrated here; `early` are signals that reached us before it did. */
  attach(moving: MigratingProcess, early: readonly Signal[] = []): void {
    this.migration.attach(moving, early);
  }

  // ---- shutdown -----------------------------------------------------------------------------

  /**
   * Stops every process: each gets an exit signal `shutdown` (those trapping exits can clean
   * up), and whatever is still alive after `timeout` ms is killed. Then timers are cleared.
   */
  async stop(timeout = 5000): Promise<void> {
    if (this.loop.stopped) return;
    const alive = [...this.procs.values()].reverse();
    for (const proc of alive) this.signals.applyExit(proc, proc.self, 'shutdown', false);
    const deadline = Date.now() + timeout;
    while (this.procs.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    for (const proc of [...this.procs.values()]) this.exitProcess(proc, 'killed');
    this.loop.stopped = true;
    this.timers.clearAll();
  }

  get isStopped(): boolean {
    return this.loop.stopped;
  }
}
