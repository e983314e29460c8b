import { BeamError, describe } from './errors.js';
import { deepCopy } from './copy.js';
import { assertDefinition, loadDefinition, lookupDefinition, type Definition } from './definition.js';
import { RunQueue } from './run-queue.js';
import { ProcessTable } from './process-table.js';
import { Next, Proc, ProcessExit } from './process.js';
import { Timers, type MovedTimer } from './timers.js';
import { crashReason, type ExitReason } from './reasons.js';
import type { Host, SpawnJob } from './host.js';
import type { Signal } from './signals.js';
import type { AnyPid, Dest, Ref } from './pid.js';
import type { Context, SpawnOptions } from './context.js';
import type { ProcessInfo } from './info.js';

export interface RuntimeOptions {
  /** A process step longer than this is reported as a long schedule (default 100 ms). */
  longScheduleMs?: number;
}

/** Counters of one runtime (one scheduler thread). */
export interface RuntimeStats {
  processes: number;
  runQueue: number;
  spawned: number;
  exited: number;
  /** Process steps run (starts, resumes, actor messages): BEAM's reductions, roughly. */
  steps: number;
  messagesIn: number;
  messagesOut: number;
  longSchedules: number;
  /** Milliseconds this runtime had runnable work, since it started. */
  busyMs: number;
  /** Milliseconds since it started. */
  uptimeMs: number;
}

/** A process in transit between schedulers: everything it is, as plain data. */
export interface MigratingProcess {
  pid: number;
  key: string;
  state: unknown;
  mailbox: unknown[];
  links: number[];
  monitors: [Ref, number][];
  monitoredBy: [Ref, number][];
  trapExit: boolean;
  registeredName: string | undefined;
  timers: MovedTimer[];
  handled: number;
  parent: number | undefined;
}

/** The links or monitors of a spawn job that has none: shared, so a plain spawn allocates less. */
const NONE = Object.freeze([]) as unknown as never[];

/** The monotonic clock, bound once: the global `performance` is a lazy getter, costly per hop. */
const clock: () => number = performance.now.bind(performance);

/** How long the run loop may keep the event loop waiting (timers, I/O, ports) while busy. */
const BREATH_MS = 4;
/** Actor messages handled in one slice before the loop yields a microtask. */
const SLICE_STEPS = 128;

/**
 * The process model on one thread: the process table, signals, and the run loop.
 *
 * The run loop: runnable processes wait in a FIFO run queue. A slice runs actor steps
 * synchronously (timing each), and resumes at most one coroutine: its continuation runs as
 * the next microtask, so the time until the following slice is that coroutine's step. Slices
 * are chained by microtasks; every BREATH_MS the chain goes through `setImmediate` instead,
 * so timers, I/O and inter-thread ports are served while processes stay busy.
 */
export class Runtime {
  readonly procs = new ProcessTable();
  readonly timers = new Timers(this);
  private readonly runQueue = new RunQueue<Proc>();
  private sliceScheduled = false;
  private lastBreath = clock();
  private readonly startedAt = clock();
  /** When the loop last left idle (NaN while idle). */
  private busySince = NaN;
  private busyMs = 0;
  /** When the loop last went idle. */
  private idleAt = -Infinity;
  /** The coroutine resumed by the previous slice, to blame for a long gap. */
  private lastCoroutine: Proc | undefined;
  /** When the last slice ended or the last coroutine was resumed directly. */
  private lastSliceEnd = 0;
  /** Whether a message may resume a waiting coroutine at once (see `deliverMessage`). */
  private directAllowed = true;
  /** A coroutine was resumed directly since the current slice began: look again after the microtasks. */
  private directPending = false;
  private refCounter = 0;
  private stopped = false;
  private readonly longScheduleMs: number;
  readonly stats = { spawned: 0, exited: 0, steps: 0, messagesIn: 0, messagesOut: 0, longSchedules: 0 };

  constructor(
    readonly host: Host,
    options: RuntimeOptions = {},
  ) {
    this.longScheduleMs = options.longScheduleMs ?? 100;
  }

  /** A ref unique across the VM: a per-thread counter tagged with this thread's node id. */
  makeRef(): Ref {
    return ++this.refCounter * 256 + this.host.nodeId;
  }

  // ---- spawning -----------------------------------------------------------------------------

  /** Spawns from outside any process (the program's own code). */
  spawn<D extends Definition>(def: D, args: unknown[] = [], options: SpawnOptions = {}): AnyPid {
    return this.spawnFrom(undefined, def, args, options);
  }

  spawnFrom(parent: Proc | undefined, def: Definition, args: unknown[], options: SpawnOptions, monitorRef?: Ref): number {
    assertDefinition(def, 'spawn');
    this.checkRunning();
    const copied = deepCopy(args);
    const pid = this.host.allocatePid();
    if (options.name !== undefined) {
      try {
        this.registerName(options.name, pid, true);
      } catch (err) {
        this.host.releasePid(pid);
        throw err;
      }
    }
    let links: number[] = NONE;
    let monitoredBy: [Ref, number][] = NONE;
    if (parent && options.link) {
      (parent.links ??= new Set()).add(pid);
      links = [parent.self];
    }
    if (parent && monitorRef !== undefined) {
      (parent.monitors ??= new Map()).set(monitorRef, pid);
      monitoredBy = [[monitorRef, parent.self]];
    }
    const job: SpawnJob = { pid, key: def.key, args: copied, links, monitoredBy, parent: parent?.self, name: options.name };
    this.stats.spawned++;
    this.host.submit(job, def);
    return pid;
  }

  /**
   * Starts a spawn job on this thread. If this thread has not loaded the definition's module
   * yet, the process exists at once (messages queue in its mailbox) and starts once loaded.
   * `early` are signals the host held for the pid before it started here.
   */
  start(job: SpawnJob, early: readonly Signal[] = []): void {
    const def = lookupDefinition(job.key);
    const proc = new Proc(this, job.pid, def, job.key, job.parent);
    proc.startArgs = job.args;
    proc.registeredName = job.name;
    this.procs.set(proc);
    if (job.links.length) proc.links = new Set(job.links);
    if (job.monitoredBy.length) proc.monitoredBy = new Map(job.monitoredBy);
    for (const signal of early) this.apply(proc, signal);
    if (!proc.alive) return;
    if (def) this.enqueue(proc, Next.Start);
    else this.load(proc, () => this.enqueue(proc, Next.Start));
  }

  /**
   * Imports the module of a process that exists here before its definition does (a job or a
   * migrated process whose module this thread has not loaded yet), then `next`. Meanwhile it
   * is a mailbox: messages queue, links and monitors work. If the module cannot be loaded
   * here, the process exits with that error and its links and monitors hear it.
   */
  private load(proc: Proc, next: () => void): void {
    loadDefinition(proc.key).then(
      (loaded) => {
        if (!proc.alive) return;
        proc.def = loaded;
        next();
      },
      (err) => this.fail(proc, err),
    );
  }

  /**
   * A mailbox for code outside any process (a test, the main thread of a program): it has a
   * pid, can send, receive, link, monitor and spawn, but runs no code of its own. Close it
   * with `ctx.exit()`.
   */
  mailbox<Msg = unknown>(): Context<Msg> {
    this.checkRunning();
    const pid = this.host.allocatePid();
    const proc = new Proc(this, pid, undefined, '', undefined);
    proc.status = 'waiting';
    this.procs.set(proc);
    return proc as Context<any>;
  }

  // ---- signals ------------------------------------------------------------------------------

  send(to: Dest<unknown>, msg: unknown, copy = true): void {
    const pid = typeof to === 'string' ? this.resolveName(to) : to;
    if (typeof pid !== 'number') throw new BeamError('ERR_INVALID_ARGUMENT', `send needs a pid or a registered name, got ${describe(to)}`);
    this.stats.messagesOut++;
    const proc = this.procs.get(pid);
    if (proc !== undefined) this.deliverMessage(proc, copy ? deepCopy(msg) : msg);
    // A host that serializes messages for another thread copies them there: one copy, not two.
    else if (copy && this.host.routeMessage !== undefined) this.host.routeMessage(pid, msg);
    else this.host.route({ kind: 'message', to: pid, msg: copy ? deepCopy(msg) : msg });
  }

  private resolveName(name: string): number {
    const pid = this.host.names.whereis(name);
    if (pid === undefined) {
      throw new BeamError('ERR_NOPROC', `no process is registered as ${JSON.stringify(name)}: check the name, or whether that process has exited`);
    }
    return pid;
  }

  /** Sends a signal from a local process: applied here if the target is here, else routed. */
  dispatch(signal: Signal): void {
    const proc = this.procs.get(signal.to);
    if (proc !== undefined) this.apply(proc, signal);
    else this.host.route(signal);
  }

  /** A signal arriving from another thread (or bounced back to us): apply, or bounce if the pid is gone. */
  deliver(signal: Signal): void {
    const proc = this.procs.get(signal.to);
    if (proc !== undefined) this.apply(proc, signal);
    else this.bounce(signal);
  }

  /**
   * The target of `signal` does not exist. Links and monitors get their answer as if it had
   * just died with `noproc`; messages and the rest vanish, as in Erlang.
   */
  bounce(signal: Signal): void {
    switch (signal.kind) {
      case 'link':
        this.dispatch({ kind: 'exit', to: signal.from, from: signal.to, reason: 'noproc', linked: true });
        return;
      case 'monitor':
        this.dispatch({ kind: 'down', to: signal.from, from: signal.to, ref: signal.ref, reason: 'noproc' });
        return;
      case 'message':
      case 'exit':
      case 'unlink':
      case 'demonitor':
      case 'down':
        return;
      default:
        assertNever(signal);
    }
  }

  private apply(proc: Proc, signal: Signal): void {
    switch (signal.kind) {
      case 'message':
        this.deliverMessage(proc, signal.msg);
        return;
      case 'exit':
        this.applyExit(proc, signal.from, signal.reason, signal.linked);
        return;
      case 'link':
        if (signal.from !== proc.self) (proc.links ??= new Set()).add(signal.from);
        return;
      case 'unlink':
        proc.links?.delete(signal.from);
        return;
      case 'monitor':
        (proc.monitoredBy ??= new Map()).set(signal.ref, signal.from);
        return;
      case 'demonitor':
        proc.monitoredBy?.delete(signal.ref);
        return;
      case 'down':
        // A DOWN for a monitor that was removed meanwhile is dropped.
        if (proc.monitors?.delete(signal.ref)) {
          this.deliverMessage(proc, { type: 'DOWN', ref: signal.ref, pid: signal.from, reason: signal.reason });
        }
        return;
      default:
        assertNever(signal);
    }
  }

  private applyExit(proc: Proc, from: number, reason: ExitReason, linked: boolean): void {
    if (linked) {
      // The link may have been removed while this signal was under way.
      if (!proc.links?.delete(from)) return;
    } else if (reason === 'kill') {
      this.exitProcess(proc, 'killed');
      return;
    }
    if (proc.trapping) {
      this.deliverMessage(proc, { type: 'EXIT', from, reason });
    } else if (reason !== 'normal') {
      this.exitProcess(proc, reason);
    } else if (from === proc.self) {
      this.exitProcess(proc, 'normal');
    }
  }

  deliverMessage(proc: Proc, msg: unknown): void {
    this.stats.messagesIn++;
    const waiter = proc.waiter;
    if (waiter !== undefined && proc.status === 'waiting') {
      let matches = true;
      if (waiter.match !== undefined) {
        try {
          matches = waiter.match(msg);
        } catch (err) {
          // The receiver's own match function threw: that is the receiver's crash, not the sender's.
          proc.mailbox.push(msg);
          this.fail(proc, err);
          return;
        }
      }
      if (matches) {
        proc.handled++;
        if (this.directAllowed && !proc.isActor) this.resumeNow(proc, msg);
        else this.resume(proc, msg);
        return;
      }
    }
    proc.mailbox.push(msg);
    if (proc.status === 'waiting' && proc.isActor && !proc.busy && !proc.queued && proc.waiter === undefined) {
      this.enqueue(proc, Next.Dispatch);
    }
  }

  /** Makes a process that waits in receive runnable, with `value` as what receive returns. */
  resume(proc: Proc, value: unknown): void {
    const waiter = proc.waiter!;
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    waiter.timer = undefined;
    proc.resumeValue = value;
    this.enqueue(proc, Next.Resume);
  }

  /**
   * The fast path of a message to a coroutine waiting for it: resolve its receive now, so its
   * continuation runs as the next microtask, instead of queueing it for a slice (a queued
   * resume costs an extra microtask hop per message, which halves a ring's throughput).
   * Microtasks run in FIFO order, so a queued slice still gets its turn between two such
   * continuations. Chains of direct resumes are bounded: once the event loop is due a breath
   * they stop, messages go through the run queue again, and the next slice breathes first.
   * Every direct resume reads the clock, so a coroutine that hogs the thread is still the one
   * blamed for a long schedule.
   */
  private resumeNow(proc: Proc, msg: unknown): void {
    const waiter = proc.waiter!;
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    proc.waiter = undefined;
    proc.status = 'running';
    proc.streak = 0;
    this.stats.steps++;
    const now = clock();
    const previous = this.lastCoroutine;
    if (previous !== undefined) this.checkLong(previous, now - this.lastSliceEnd);
    this.lastCoroutine = proc;
    this.lastSliceEnd = now;
    if (now - this.lastBreath >= BREATH_MS) this.directAllowed = false;
    this.directPending = true;
    this.scheduleSlice(true);
    waiter.resolve(msg);
  }

  private enqueue(proc: Proc, next: Next): void {
    proc.next = next;
    proc.status = 'runnable';
    if (proc.queued) return;
    proc.queued = true;
    this.runQueue.push(proc);
    this.scheduleSlice();
  }

  // ---- the run loop -------------------------------------------------------------------------

  /** `afterMicrotasks`: the slice only has to look once the current microtasks have run. */
  private scheduleSlice(afterMicrotasks = false): void {
    if (this.sliceScheduled || this.stopped) return;
    this.sliceScheduled = true;
    let breathless = false;
    if (this.busySince !== this.busySince) {
      // Leaving idle: from here until the run queue empties, this thread is busy.
      const now = clock();
      this.busySince = this.lastSliceEnd = now;
      // The breath clock restarts only after a real rest. Idle for a moment between two
      // microtasks (an actor's async callback still running, say) the event loop has not had
      // its turn, and a chain that goes idle and busy again at every step must still breathe.
      if (now - this.idleAt >= BREATH_MS) this.lastBreath = now;
      else breathless = now - this.lastBreath >= BREATH_MS;
    }
    if (afterMicrotasks || breathless) setImmediate(this.breathe);
    else queueMicrotask(this.runSlice);
  }

  /** Makes the loop look at its inboxes again (the host calls this when work arrives). */
  wake(): void {
    this.scheduleSlice();
  }

  private readonly runSlice = (): void => {
    // `sliceScheduled` stays set while the slice runs: processes made runnable by this slice
    // must not start a second chain of microtask slices (one that would never let the event
    // loop breathe). The end of the slice decides how the next one runs.
    if (this.stopped) {
      this.sliceScheduled = false;
      return;
    }
    let now = clock();
    const previous = this.lastCoroutine;
    if (previous !== undefined) {
      this.lastCoroutine = undefined;
      this.checkLong(previous, now - this.lastSliceEnd);
    }
    this.host.beforeSlice?.();
    let steps = 0;
    let resumed = false;
    while (steps < SLICE_STEPS) {
      const proc = this.runQueue.shift();
      if (proc === undefined) break;
      proc.queued = false;
      if (!proc.alive) continue;
      steps++;
      if (this.step(proc)) {
        // A coroutine was resumed: its code runs after this slice returns.
        this.lastCoroutine = proc;
        resumed = true;
        break;
      }
      const after = clock();
      this.checkLong(proc, after - now);
      now = after;
      // Long actor steps: end the slice once the event loop is due a breath.
      if (now - this.lastBreath >= BREATH_MS) break;
    }
    this.stats.steps += steps;
    this.lastSliceEnd = now;
    if (this.runQueue.length > 0 || resumed) {
      if (now - this.lastBreath >= BREATH_MS) {
        setImmediate(this.breathe);
      } else {
        queueMicrotask(this.runSlice);
      }
    } else if (this.directPending) {
      // Only directly resumed coroutines are running: look again once they have.
      this.directPending = false;
      setImmediate(this.breathe);
    } else {
      this.sliceScheduled = false;
      this.busyMs += now - this.busySince;
      this.busySince = NaN;
      this.idleAt = now;
      this.host.idle?.();
    }
  };

  private readonly breathe = (): void => {
    this.lastBreath = clock();
    this.directAllowed = true;
    this.runSlice();
  };

  private checkLong(proc: Proc, ms: number): void {
    if (ms > this.longScheduleMs) {
      this.stats.longSchedules++;
      this.host.report({ type: 'long_schedule', pid: proc.self, name: proc.name, ms: Math.round(ms) });
    }
  }

  /** Runs one step of a process. True when a coroutine was resumed (its step runs later). */
  private step(proc: Proc): boolean {
    const next = proc.next;
    proc.next = Next.Nothing;
    switch (next) {
      case Next.Resume: {
        const waiter = proc.waiter!;
        proc.waiter = undefined;
        proc.status = 'running';
        proc.streak = 0;
        waiter.resolve(proc.resumeValue);
        proc.resumeValue = undefined;
        return !proc.isActor || proc.busy;
      }
      case Next.Start:
        proc.status = 'running';
        return proc.isActor ? this.startActor(proc) : this.startCoroutine(proc);
      case Next.Dispatch:
        this.dispatchActor(proc);
        return false;
      case Next.Nothing:
        return false;
    }
  }

  private startCoroutine(proc: Proc): boolean {
    const def = proc.def as Extract<Definition, { kind: 'process' }>;
    const args = proc.startArgs ?? [];
    proc.startArgs = undefined;
    let result: unknown;
    try {
      result = def.body(proc, ...args);
    } catch (err) {
      this.fail(proc, err);
      return false;
    }
    if (isThenable(result)) {
      result.then(
        () => this.exitProcess(proc, 'normal'),
        (err) => this.fail(proc, err),
      );
      return true;
    }
    this.exitProcess(proc, 'normal');
    return false;
  }

  private startActor(proc: Proc): boolean {
    const def = proc.def as Extract<Definition, { kind: 'actor' }>;
    const args = proc.startArgs ?? [];
    proc.startArgs = undefined;
    let result: unknown;
    try {
      result = def.callbacks.init(proc, ...args);
    } catch (err) {
      this.fail(proc, err);
      return false;
    }
    if (isThenable(result)) {
      proc.busy = true;
      result.then(
        (state) => this.actorReady(proc, state),
        (err) => this.fail(proc, err),
      );
      return true;
    }
    this.actorReady(proc, result);
    return false;
  }

  private dispatchActor(proc: Proc): void {
    if (proc.mailbox.length === 0) {
      proc.status = 'waiting';
      return;
    }
    const msg = proc.mailbox.shift();
    proc.handled++;
    proc.status = 'running';
    const def = proc.def as Extract<Definition, { kind: 'actor' }>;
    let result: unknown;
    try {
      result = def.callbacks.handle(proc, msg, proc.state);
    } catch (err) {
      this.fail(proc, err);
      return;
    }
    if (isThenable(result)) {
      proc.busy = true;
      result.then(
        (state) => this.actorReady(proc, state),
        (err) => this.fail(proc, err),
      );
      return;
    }
    this.actorReady(proc, result);
  }

  /** An actor finished `init` or a `handle`: take the next message, or wait for one. */
  private actorReady(proc: Proc, state: unknown): void {
    if (!proc.alive) return;
    proc.busy = false;
    proc.state = state;
    proc.waiter = undefined;
    if (proc.mailbox.length > 0) this.enqueue(proc, Next.Dispatch);
    else proc.status = 'waiting';
  }

  private fail(proc: Proc, err: unknown): void {
    if (!proc.alive) return;
    if (err instanceof ProcessExit) {
      this.exitProcess(proc, err.reason);
      return;
    }
    const reason = crashReason(err);
    // Reported only here, where the process's own code threw: a process that dies of a
    // partner's crash is not a crash of its own. A linked crash is its partners' business.
    if (!proc.links?.size) this.host.report({ type: 'crash', pid: proc.self, name: proc.name, key: proc.key, reason });
    this.exitProcess(proc, reason);
  }

  // ---- exits -------------------------------------------------------------------------------

  /** Ends a process: its links get exit signals, its monitors DOWN messages, its name and timers go. */
  exitProcess(proc: Proc, reason: ExitReason): void {
    if (!proc.alive) return;
    proc.status = 'exited';
    this.procs.delete(proc.self);
    this.stats.exited++;
    const waiter = proc.waiter;
    if (waiter?.timer !== undefined) clearTimeout(waiter.timer);
    proc.waiter = undefined;
    this.timers.clearOwner(proc);
    if (proc.registeredName !== undefined) this.host.names.unregister(proc.registeredName, proc.self);
    const from = proc.self;
    const links = proc.links;
    proc.links = undefined;
    if (links) for (const to of links) this.dispatch({ kind: 'exit', to, from, reason, linked: true });
    const watchers = proc.monitoredBy;
    proc.monitoredBy = undefined;
    if (watchers) for (const [ref, to] of watchers) this.dispatch({ kind: 'down', to, from, ref, reason });
    const watching = proc.monitors;
    proc.monitors = undefined;
    if (watching) for (const [ref, to] of watching) this.dispatch({ kind: 'demonitor', to, from, ref });
    proc.mailbox.clear();
    proc.state = undefined;
    const callbacks = proc.exitWatchers;
    proc.exitWatchers = undefined;
    if (callbacks) for (const cb of callbacks) cb(reason);
    this.host.releasePid(from);
  }

  /** Resolves with the exit reason of a local process (at once with `noproc` if it is not here). */
  whenExit(pid: AnyPid): Promise<ExitReason> {
    const proc = this.procs.get(pid);
    if (!proc) return Promise.resolve('noproc');
    return new Promise((resolve) => (proc.exitWatchers ??= []).push(resolve));
  }

  // ---- names ----------------------------------------------------------------------------------

  register(name: string, pid: AnyPid): void {
    this.registerName(name, pid, false);
  }

  /** `unborn`: the pid of a process being spawned, which carries its name in its job. */
  private registerName(name: string, pid: number, unborn: boolean): void {
    if (typeof name !== 'string' || name === '') {
      throw new BeamError('ERR_INVALID_NAME', `a registered name must be a non-empty string, got ${describe(name)}`);
    }
    const proc = this.procs.get(pid);
    if (!proc && !unborn) {
      throw new BeamError(
        'ERR_NOPROC',
        `cannot register ${JSON.stringify(name)} for process ${pid}: it is not alive on this scheduler. A process registers itself with ctx.register(name), or is given a name at spawn: ctx.spawnWith(def, args, { name })`,
      );
    }
    if (proc?.registeredName !== undefined) {
      throw new BeamError('ERR_NAME_TAKEN', `process ${pid} is already registered as ${JSON.stringify(proc.registeredName)}: a process has one name; unregister it first`);
    }
    if (!this.host.names.register(name, pid)) {
      throw new BeamError('ERR_NAME_TAKEN', `the name ${JSON.stringify(name)} is already registered to process ${this.host.names.whereis(name)}: pick another name, or unregister it first`);
    }
    if (proc) proc.registeredName = name;
  }

  unregister(name: string): void {
    const pid = this.host.names.whereis(name);
    if (pid === undefined) return;
    this.host.names.unregister(name, pid);
    const proc = this.procs.get(pid);
    if (proc && proc.registeredName === name) proc.registeredName = undefined;
  }

  // ---- introspection ------------------------------------------------------------------------

  isAlive(pid: AnyPid): boolean {
    return this.procs.has(pid) || this.host.isAlive(pid);
  }

  processInfo(pid: AnyPid): ProcessInfo | undefined {
    const proc = this.procs.get(pid);
    return proc?.info();
  }

  /** Pids of the live processes on this thread (mailbox handles included). */
  processes(): AnyPid[] {
    return this.procs.pids();
  }

  snapshot(): RuntimeStats {
    const now = clock();
    const busyNow = this.busySince === this.busySince ? now - this.busySince : 0;
    return {
      ...this.stats,
      processes: this.procs.size,
      runQueue: this.runQueue.length,
      busyMs: this.busyMs + busyNow,
      uptimeMs: now - this.startedAt,
    };
  }

  // ---- migration ----------------------------------------------------------------------------

  /**
   * Takes an idle actor off this thread, as plain data. Undefined if it cannot move now: a
   * coroutine that has started, or an actor inside a callback.
   */
  detach(pid: number): MigratingProcess | undefined {
    const proc = this.procs.get(pid);
    if (!proc || !proc.isActor || proc.busy || proc.waiter || (proc.status !== 'waiting' && proc.status !== 'runnable') || proc.next === Next.Start) {
      return undefined;
    }
    const moving: MigratingProcess = {
      pid,
      key: proc.key,
      state: proc.state,
      mailbox: proc.mailbox.toArray(),
      links: [...(proc.links ?? [])],
      monitors: [...(proc.monitors ?? [])],
      monitoredBy: [...(proc.monitoredBy ?? [])],
      trapExit: proc.trapping,
      registeredName: proc.registeredName,
      timers: this.timers.detach(proc),
      handled: proc.handled,
      parent: proc.parent,
    };
    this.procs.delete(pid);
    if (proc.queued) this.runQueue.remove((p) => p === proc);
    proc.queued = false;
    // The object stays behind as a tombstone: any late continuation sees it as exited.
    proc.status = 'exited';
    return moving;
  }

  /** Installs a process that migrated here; `early` are signals that reached us before it did. */
  attach(moving: MigratingProcess, early: readonly Signal[] = []): void {
    const def = lookupDefinition(moving.key);
    const proc = new Proc(this, moving.pid, def, moving.key, moving.parent);
    proc.state = moving.state;
    proc.mailbox.prepend(moving.mailbox);
    if (moving.links.length) proc.links = new Set(moving.links);
    if (moving.monitors.length) proc.monitors = new Map(moving.monitors);
    if (moving.monitoredBy.length) proc.monitoredBy = new Map(moving.monitoredBy);
    proc.trapping = moving.trapExit;
    proc.registeredName = moving.registeredName;
    proc.handled = moving.handled;
    proc.status = 'waiting';
    this.procs.set(proc);
    this.timers.attach(proc, moving.timers);
    for (const signal of early) {
      if (!proc.alive) break;
      this.apply(proc, signal);
    }
    const dispatch = (): void => {
      if (proc.alive && proc.mailbox.length > 0 && !proc.queued) this.enqueue(proc, Next.Dispatch);
    };
    if (def) dispatch();
    else this.load(proc, dispatch);
  }

  // ---- shutdown -----------------------------------------------------------------------------

  /**
   * Stops every process: each gets an exit signal `shutdown` (those trapping exits can clean
   * up), and whatever is still alive after `timeout` ms is killed. Then timers are cleared.
   */
  async stop(timeout = 5000): Promise<void> {
    if (this.stopped) return;
    const alive = [...this.procs.values()].reverse();
    for (const proc of alive) this.applyExit(proc, proc.self, 'shutdown', false);
    const deadline = Date.now() + timeout;
    while (this.procs.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    for (const proc of [...this.procs.values()]) this.exitProcess(proc, 'killed');
    this.stopped = true;
    this.timers.clearAll();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private checkRunning(): void {
    if (this.stopped) throw new BeamError('ERR_RUNTIME_STOPPED', 'the runtime has been stopped: start a new one to spawn processes');
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

function assertNever(value: never): never {
  throw new Error(`unhandled signal ${JSON.stringify(value)}`);
}
