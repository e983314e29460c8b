import { checkTimeout } from './errors.js';
import type { TimerCells } from './timer-cells.js';
import { checkPid, type Dest, type Ref } from './pid.js';
import type { Proc } from './process.js';

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
}

/**
 * `sendAfter` timers, as `erlang:send_after`: a timer is tied to its *destination*, not to the
 * process that set it. It still fires after the setter exits; it is cancelled when the
 * destination process exits (a name is looked up when it fires). It lives on the thread that
 * set it; its state is in `TimerCells`, so `cancelTimer`/`readTimer` work from any thread.
 */
export class Timers {
  private readonly byRef = new Map<Ref, Timer>();

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
    return ref;
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

  /** Cancels every timer addressed to a process that exits. */
  clearDestination(dest: Proc): void {
    if (!dest.timers) return;
    for (const ref of dest.timers) {
      const timer = this.byRef.get(ref);
      if (timer) this.drop(timer);
    }
    dest.timers = undefined;
  }

  /** A process leaves this thread: its timers stay here and find it by pid when they fire. */
  untie(dest: Proc): void {
    for (const ref of dest.timers ?? []) {
      const timer = this.byRef.get(ref);
      if (timer) timer.dest = undefined;
    }
    dest.timers = undefined;
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
