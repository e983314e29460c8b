import { Next, type Proc } from './process.js';
import { RunQueue } from './run-queue.js';
import { clock, type Counters, type RuntimeStats } from './stats.js';
import type { ActorDefinition, ProcessDefinition } from './context.js';
import type { Host } from './host.js';
import type { ExitReason } from './reasons.js';

/** How a process ends when its own code returns or throws: signal delivery does it (links, monitors). */
export interface ProcessEnds {
  fail(proc: Proc, err: unknown): void;
  exitProcess(proc: Proc, reason: ExitReason): void;
}

/** How long the run loop may keep the event loop waiting (timers, I/O, ports) while busy. */
const BREATH_MS = 4;
/** Actor messages handled in one slice before the loop yields a microtask. */
const SLICE_STEPS = 128;
/**
 * A step at least this long is CPU-bound work: its process waits in the heavy lane next time
 * (and the balancer may move it: the scheduler's CPU_BOUND_MS is the same half millisecond).
 */
const LONG_STEP_MS = 0.5;
/** Long steps in a row counted per process (Proc.longSteps). */
const LONG_STEPS_CAP = 100;
/** How long light steps may run while a heavy process waits, before the heavy one gets its turn. */
const LIGHT_BUDGET_MS = BREATH_MS;

/**
 * The run loop of one thread: runnable processes wait in a run queue (two FIFO lanes, below). A slice runs actor
 * steps synchronously (timing each), and resumes at most one coroutine: its continuation runs
 * as the next microtask, so the time until the following slice is that coroutine's step.
 * Slices are chained by microtasks; every BREATH_MS the chain goes through `setImmediate`
 * instead, so timers, I/O and inter-thread ports are served while processes stay busy.
 *
 * Two lanes, because a JS step cannot be preempted: a process whose last step took
 * LONG_STEP_MS or more (CPU-bound work) queues in the heavy lane, every other one in the
 * light lane, and the light lane goes first. A server that answers in microseconds (a job
 * queue, a registry) then never waits behind several milliseconds of its clients' work,
 * which is what BEAM gets from preempting every process after its reductions. Fairness: once
 * light steps have run for LIGHT_BUDGET_MS while a heavy process waited, the heavy one runs
 * next, so chatty processes cannot starve a CPU-bound one. Within a lane: FIFO.
 */
export class RunLoop {
  private readonly lightLane = new RunQueue<Proc>();
  private readonly heavyLane = new RunQueue<Proc>();
  /** Time light steps ran since a heavy process last had its turn (see LIGHT_BUDGET_MS). */
  private lightMs = 0;
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
  /** Whether a message may resume a waiting coroutine at once (see `deliverTo`). */
  private directAllowed = true;
  /** A coroutine was resumed directly since the current slice began: look again after the microtasks. */
  private directPending = false;
  /** Set once by `Runtime.stop`: no slice runs after it. */
  stopped = false;

  constructor(
    private readonly host: Host,
    private readonly ends: ProcessEnds,
    private readonly counters: Counters,
    private readonly longScheduleMs: number,
  ) {}

  /** A message `proc` waits for in receive: resume it now if allowed (the fast path), else queue it. */
  resumeWith(proc: Proc, msg: unknown): void {
    if (this.directAllowed && !proc.isActor) this.resumeNow(proc, msg);
    else this.resume(proc, msg);
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
    proc.steps++;
    this.counters.steps++;
    const now = clock();
    const previous = this.lastCoroutine;
    if (previous !== undefined) this.stepTook(previous, now - this.lastSliceEnd);
    this.lastCoroutine = proc;
    this.lastSliceEnd = now;
    if (now - this.lastBreath >= BREATH_MS) this.directAllowed = false;
    this.directPending = true;
    this.scheduleSlice(true);
    this.host.enter?.(proc, true);
    waiter.resolve(msg);
  }

  enqueue(proc: Proc, next: Next): void {
    proc.next = next;
    proc.status = 'runnable';
    if (proc.queued) return;
    proc.queued = true;
    (proc.longSteps > 0 ? this.heavyLane : this.lightLane).push(proc);
    this.scheduleSlice();
  }

  /** Takes a process out of the run queue (it is leaving this thread). */
  unqueue(proc: Proc): void {
    // Both lanes: a coroutine's step is timed at the next slice, maybe after it queued again.
    if (proc.queued) for (const lane of [this.lightLane, this.heavyLane]) lane.remove((p) => p === proc);
    proc.queued = false;
  }

  /** Makes the loop look at its inboxes again (the host calls this when work arrives). */
  wake(): void {
    this.scheduleSlice();
  }

  snapshot(counters: Counters, processes: number): RuntimeStats {
    const now = clock();
    const busyNow = this.busySince === this.busySince ? now - this.busySince : 0;
    return {
      ...counters,
      processes,
      runQueue: this.queued,
      busyMs: this.busyMs + busyNow,
      uptimeMs: now - this.startedAt,
    };
  }

  /** Runnable processes waiting in both lanes. */
  private get queued(): number {
    return this.lightLane.length + this.heavyLane.length;
  }

  /** The next process to run: light first, unless a heavy one has waited out the light budget. */
  private nextProc(): Proc | undefined {
    if (this.heavyLane.length === 0) return this.lightLane.shift();
    if (this.lightMs >= LIGHT_BUDGET_MS || this.lightLane.length === 0) {
      this.lightMs = 0;
      return this.heavyLane.shift();
    }
    return this.lightLane.shift();
  }

  /**
   * `afterMicrotasks`: the slice only has to look once the current microtasks have run.
   *
   * A slice that waits for the event loop's turn was scheduled after a direct resume (the
   * resumed continuation runs first). If that continuation makes a process runnable (a client's
   * request to a server actor), waiting for the turn would cost every request-reply an event
   * loop iteration: the work runs as a microtask instead, unless a breath is due. The turn
   * still comes (its slice finds little to do), and the microtask slice does not go idle at
   * its end (`directPending`): the continuation may not have finished.
   */
  private scheduleSlice(afterMicrotasks = false): void {
    if (this.stopped) return;
    if (this.sliceScheduled) {
      if (!afterMicrotasks && this.immediateQueued && !this.microtaskQueued && clock() - this.lastBreath < BREATH_MS) {
        this.directPending = true;
        this.sliceNow();
      }
      return;
    }
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
    if (afterMicrotasks || breathless) this.sliceAfterTurn();
    else this.sliceNow();
  }

  /**
   * At most one slice waits as a microtask and one for the event loop's turn (breathe), and a
   * slice never runs inside another: each runs from an empty stack. One that comes when the
   * loop went idle meanwhile (`sliceScheduled` false) does nothing.
   */
  private microtaskQueued = false;
  private immediateQueued = false;

  private sliceNow(): void {
    if (this.microtaskQueued) return;
    this.microtaskQueued = true;
    nextMicrotask(this.runQueuedSlice);
  }

  private sliceAfterTurn(): void {
    if (this.immediateQueued) return;
    this.immediateQueued = true;
    setImmediate(this.breathe);
  }

  private readonly runQueuedSlice = (): void => {
    this.microtaskQueued = false;
    if (this.sliceScheduled) this.runSlice();
  };

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
      this.stepTook(previous, now - this.lastSliceEnd);
    }
    this.host.beforeSlice?.();
    let steps = 0;
    let resumed = false;
    while (steps < SLICE_STEPS) {
      const proc = this.nextProc();
      if (proc === undefined) break;
      proc.queued = false;
      if (!proc.alive) continue;
      steps++;
      proc.steps++;
      if (this.step(proc)) {
        // A coroutine was resumed: its code runs after this slice returns.
        this.lastCoroutine = proc;
        resumed = true;
        // Its continuation may be several promise hops away (\`await ctx.sleep()\` is two):
        // the loop must not declare itself idle before they ran, or a coroutine that goes on
        // to hog the thread would do so on a scheduler that others believe asleep.
        this.directPending = true;
        break;
      }
      const after = clock();
      // A long step: take in what other threads sent meanwhile (a client on another scheduler
      // waiting for this thread's server), not only at the end of the slice.
      if (this.stepTook(proc, after - now)) this.host.afterLongStep?.();
      now = after;
      // Long actor steps: end the slice once the event loop is due a breath.
      if (now - this.lastBreath >= BREATH_MS) break;
    }
    this.counters.steps += steps;
    this.lastSliceEnd = now;
    this.host.afterSlice?.();
    if (this.queued > 0 || resumed) {
      if (now - this.lastBreath >= BREATH_MS) {
        this.sliceAfterTurn();
      } else {
        this.sliceNow();
      }
    } else if (this.directPending) {
      // Only directly resumed coroutines are running: look again once they have.
      this.directPending = false;
      this.sliceAfterTurn();
    } else {
      this.sliceScheduled = false;
      this.busyMs += now - this.busySince;
      this.busySince = NaN;
      this.idleAt = now;
      this.host.idle?.();
    }
  };

  private readonly breathe = (): void => {
    this.immediateQueued = false;
    this.lastBreath = clock();
    this.directAllowed = true;
    if (this.sliceScheduled) this.runSlice();
  };

  /** Accounts for a step of `proc` that took `ms`: its lane next time, the light budget, long schedules. True if it was long. */
  private stepTook(proc: Proc, ms: number): boolean {
    const heavy = ms >= LONG_STEP_MS;
    if (!heavy && this.heavyLane.length > 0) this.lightMs += ms;
    proc.longSteps = heavy ? Math.min(proc.longSteps + 1, LONG_STEPS_CAP) : 0;
    this.checkLong(proc, ms);
    return heavy;
  }

  private checkLong(proc: Proc, ms: number): void {
    if (ms > this.longScheduleMs) {
      this.counters.longSchedules++;
      this.host.report({ type: 'long_schedule', pid: proc.self, name: proc.name, ms: Math.round(ms) });
    }
  }

  /** Runs one step of a process. True when a coroutine was resumed (its step runs later). */
  private step(proc: Proc): boolean {
    const next = proc.next;
    proc.next = Next.Nothing;
    if (next !== Next.Nothing) this.host.enter?.(proc);
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
    const def = proc.def as ProcessDefinition;
    const args = proc.startArgs ?? [];
    proc.startArgs = undefined;
    let result: unknown;
    try {
      result = def.body(proc, ...args);
    } catch (err) {
      this.ends.fail(proc, err);
      return false;
    }
    if (isThenable(result)) {
      result.then(
        () => this.ends.exitProcess(proc, 'normal'),
        (err) => this.ends.fail(proc, err),
      );
      return true;
    }
    this.ends.exitProcess(proc, 'normal');
    return false;
  }

  private startActor(proc: Proc): boolean {
    const def = proc.def as ActorDefinition;
    const args = proc.startArgs ?? [];
    proc.startArgs = undefined;
    let result: unknown;
    try {
      result = def.callbacks.init(proc, ...args);
    } catch (err) {
      this.ends.fail(proc, err);
      return false;
    }
    if (isThenable(result)) {
      proc.busy = true;
      result.then(
        (state) => this.actorReady(proc, state),
        (err) => this.ends.fail(proc, err),
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
    const def = proc.def as ActorDefinition;
    let result: unknown;
    try {
      result = def.callbacks.handle(proc, msg, proc.state);
    } catch (err) {
      this.ends.fail(proc, err);
      return;
    }
    if (isThenable(result)) {
      proc.busy = true;
      result.then(
        (state) => this.actorReady(proc, state),
        (err) => this.ends.fail(proc, err),
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
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

const settled = Promise.resolve();

/**
 * Runs `fn` as the next microtask. A settled promise's reaction costs about a third of
 * `queueMicrotask`, which makes an AsyncResource per call in Node; slices chain this way.
 */
function nextMicrotask(fn: () => void): void {
  void settled.then(fn);
}
