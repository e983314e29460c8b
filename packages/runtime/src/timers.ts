import { checkTimeout } from './errors.js';
import type { TimerCells } from './timer-cells.js';
import { checkPid, type Dest, type Ref } from './pid.js';
import type { Proc } from './process.js';
import type { Signal } from './signals.js';

interface Timer {
  ref: Ref;
  /** Whether the timer has a shared cell (cancellable from any thread). */
  shared: boolean;
  /** The local process it is addressed to, if any: the timer dies with it. */
  dest: Proc | undefined;
  to: Dest<unknown>;
  msg: unknown;
  due: number;
  handle: ReturnType<typeof setTimeout>;
}

/** What a timer needs of its runtime when it starts and fires. */
export interface TimerRuntime {
  makeRef(): Ref;
  send(to: Dest<unknown>, msg: unknown, copy: boolean): void;
  /** The process of `pid` if it is on this thread. */
  local(pid: number): Proc | undefined;
  /** Sends a signal to a pid that may be on another thread (or dead: then it bounces). */
  dispatch(signal: Signal): void;
}

/**
 * `sendAfter` timers, as `erlang:send_after`: a timer is tied to its *destination*, not to the
 * process that set it. It still fires after the setter exits; it is cancelled when the
 * destination process exits, or at once if it is not alive (a name is looked up when it
 * fires). It lives on the thread that set it; its state is in `TimerCells`, so
 * `cancelTimer`/`readTimer` work from any thread.
 *
 * Tying a timer to a destination on another thread: a `timer` signal tells the destination's
 * thread the ref (it travels like a link, with migrations and to spawn jobs, and bounces if the
 * pid is dead: then the timer is cancelled here). The destination's `timers` set holds the refs
 * of every timer aimed at it, wherever it lives; at its exit each is cancelled through its cell
 * (a timer that fired meanwhile has a new generation there, so a late cancel is a no-op).
 */
export class Timers {
  private readonly byRef = new Map<Ref, Timer>();
  /** Per process: the size of its `timers` set at which refs of timers that are done are pruned. */
  private readonly pruneAt = new WeakMap<Proc, number>();

  constructor(
    private readonly rt: TimerRuntime,
    private readonly cells: TimerCells,
  ) {}

  get size(): number {
    return this.byRef.size;
  }

  start(to: Dest<unknown>, msg: unknown, ms: number): Ref {
    const delay = checkTimeout(ms);
    if (typeof to === 'number') checkPid(to, 'sendAfter');
    const cellRef = this.cells.open(delay);
    const ref = cellRef ?? this.rt.makeRef();
    const dest = typeof to === 'number' ? this.rt.local(to) : undefined;
    const timer: Timer = {
      ref,
      shared: cellRef !== undefined,
      dest,
      to,
      msg,
      due: performance.now() + delay,
      handle: setTimeout(() => this.fire(timer), Math.min(delay, 2 ** 31 - 1)),
    };
    this.byRef.set(ref, timer);
    if (dest) (dest.timers ??= new Set()).add(ref);
    // Not here (elsewhere, or dead): tie it through the destination's thread. Only a timer with
    // a cell can be cancelled from there.
    else if (typeof to === 'number' && timer.shared) this.rt.dispatch({ kind: 'timer', to, ref });
    return ref;
  }

  /**
   * A timer set on another thread is for `dest` (the `timer` signal): cancel it when `dest`
   * exits. Refs of remote timers that fired stay in the set until the next prune, which runs
   * each time the set has doubled, so a process that gets many timers keeps only live ones.
   */
  tie(dest: Proc, ref: Ref): void {
    const set = (dest.timers ??= new Set());
    set.add(ref);
    if (set.size < (this.pruneAt.get(dest) ?? 64)) return;
    for (const r of set) if (!this.byRef.has(r) && this.cells.read(r) === false) set.delete(r);
    this.pruneAt.set(dest, Math.max(64, set.size * 2));
  }

  /** Cancels a timer set on any thread: the milliseconds it had left, or false if it already fired or is unknown. */
  cancel(ref: Ref): number | false {
    const timer = this.byRef.get(ref);
    if (timer === undefined || !timer.shared) {
      if (timer === undefined) return this.cells.isMine(ref) ? false : this.cells.cancel(ref);
      this.drop(timer);
      return Math.max(0, Math.round(timer.due - performance.now()));
    }
    const left = this.cells.cancel(ref);
    // Ours: free the cell and the setTimeout now rather than when it was due.
    this.drop(timer);
    return left;
  }

  /** The milliseconds a timer set on any thread has left, or false if it fired, was cancelled or is unknown. */
  read(ref: Ref): number | false {
    const timer = this.byRef.get(ref);
    if (timer !== undefined && !timer.shared) return Math.max(0, Math.round(timer.due - performance.now()));
    return this.cells.read(ref);
  }

  /** Cancels every timer addressed to a process that exits, on this thread or another. */
  clearDestination(dest: Proc): void {
    if (!dest.timers) return;
    for (const ref of dest.timers) {
      const timer = this.byRef.get(ref);
      if (timer) this.drop(timer);
      else this.cells.cancel(ref);
    }
    dest.timers = undefined;
  }

  /**
   * A process leaves this thread: its timers stay here and find it by pid when they fire. The
   * refs it takes along (those with a cell: cancellable from anywhere) keep them tied to it.
   */
  untie(dest: Proc): Ref[] {
    const refs: Ref[] = [];
    for (const ref of dest.timers ?? []) {
      const timer = this.byRef.get(ref);
      if (timer) timer.dest = undefined;
      if (timer === undefined ? this.cells.read(ref) !== false : timer.shared) refs.push(ref);
    }
    dest.timers = undefined;
    this.pruneAt.delete(dest);
    return refs;
  }

  clearAll(): void {
    for (const timer of [...this.byRef.values()]) this.drop(timer);
  }

  private fire(timer: Timer): void {
    this.byRef.delete(timer.ref);
    timer.dest?.timers?.delete(timer.ref);
    // A cancel from another thread may have won: then it is not sent.
    if (timer.shared && !this.cells.close(timer.ref)) return;
    try {
      this.rt.send(timer.to, timer.msg, false);
    } catch {
      // A name that is no longer registered: a timer to nobody, as in Erlang.
    }
  }

  private drop(timer: Timer): void {
    clearTimeout(timer.handle);
    this.byRef.delete(timer.ref);
    timer.dest?.timers?.delete(timer.ref);
    if (timer.shared) this.cells.close(timer.ref);
  }
}
