import { checkTimeout } from './errors.js';
import type { Dest, Ref } from './pid.js';
import type { Proc } from './process.js';

interface Timer {
  ref: Ref;
  owner: Proc | undefined;
  to: Dest<unknown>;
  msg: unknown;
  due: number;
  handle: ReturnType<typeof setTimeout>;
}

/** A timer as it travels with a migrating process: what is left of it, not when it was due. */
export interface MovedTimer {
  ref: Ref;
  to: Dest<unknown>;
  msg: unknown;
  remaining: number;
}

/** What a timer needs of its runtime when it starts and fires. */
export interface TimerRuntime {
  makeRef(): Ref;
  send(to: Dest<unknown>, msg: unknown, copy: boolean): void;
}

/**
 * `sendAfter` timers. A timer belongs to the process that started it: it is cancelled when
 * that process exits, and it moves with it when it migrates (so `cancelTimer` keeps working).
 */
export class Timers {
  private readonly byRef = new Map<Ref, Timer>();

  constructor(private readonly rt: TimerRuntime) {}

  get size(): number {
    return this.byRef.size;
  }

  start(owner: Proc | undefined, to: Dest<unknown>, msg: unknown, ms: number, ref: Ref = this.rt.makeRef()): Ref {
    const delay = checkTimeout(ms);
    const timer: Timer = {
      ref,
      owner,
      to,
      msg,
      due: performance.now() + delay,
      handle: setTimeout(() => this.fire(timer), Math.min(delay, 2 ** 31 - 1)),
    };
    this.byRef.set(ref, timer);
    if (owner) (owner.timers ??= new Set()).add(ref);
    return ref;
  }

  cancel(ref: Ref): number | false {
    const timer = this.byRef.get(ref);
    if (!timer) return false;
    this.drop(timer);
    return Math.max(0, Math.round(timer.due - performance.now()));
  }

  /** Cancels every timer of an exiting process. */
  clearOwner(owner: Proc): void {
    if (!owner.timers) return;
    for (const ref of owner.timers) {
      const timer = this.byRef.get(ref);
      if (timer) {
        clearTimeout(timer.handle);
        this.byRef.delete(ref);
      }
    }
    owner.timers = undefined;
  }

  /** Takes a migrating process's timers off this thread. */
  detach(owner: Proc): MovedTimer[] {
    const moved: MovedTimer[] = [];
    const now = performance.now();
    for (const ref of owner.timers ?? []) {
      const timer = this.byRef.get(ref);
      if (!timer) continue;
      moved.push({ ref, to: timer.to, msg: timer.msg, remaining: Math.max(0, timer.due - now) });
      clearTimeout(timer.handle);
      this.byRef.delete(ref);
    }
    owner.timers = undefined;
    return moved;
  }

  attach(owner: Proc, moved: readonly MovedTimer[]): void {
    for (const t of moved) this.start(owner, t.to, t.msg, t.remaining, t.ref);
  }

  clearAll(): void {
    for (const timer of this.byRef.values()) clearTimeout(timer.handle);
    this.byRef.clear();
  }

  private fire(timer: Timer): void {
    this.drop(timer);
    if (timer.owner && !timer.owner.alive) return;
    try {
      this.rt.send(timer.to, timer.msg, false);
    } catch {
      // A name that is no longer registered: a timer to nobody, as in Erlang.
    }
  }

  private drop(timer: Timer): void {
    clearTimeout(timer.handle);
    this.byRef.delete(timer.ref);
    timer.owner?.timers?.delete(timer.ref);
  }
}
