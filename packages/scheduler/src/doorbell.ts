/**
 * How a sleeping scheduler is woken: one Int32 "bell" per node in a SharedArrayBuffer, next
 * to its `sleeping` flag (stats-block.ts).
 *
 * The sleeper raises its flag, reads its bell, looks for work once more (its inbound rings,
 * the job rings), and only then waits with `Atomics.waitAsync(bell, seen)` — which returns
 * at once if the bell moved since it was read. A waker first makes its work visible (a ring's
 * tail, a job cell), then reads the flag; if it is raised, it clears it with
 * compareExchange (so one waker rings, not every sender) and rings: Atomics.add on the bell,
 * then Atomics.notify. All of these are sequentially consistent, so either the sleeper's last
 * look sees the work, or the waker sees the flag: no wake-up is lost.
 *
 * `waitAsync` resolves on the sleeper's event loop without blocking it (timers, ports and
 * the control plane go on) and does not keep that loop alive by itself (the control port
 * does). A scheduler spins briefly before it sleeps (Scheduler.idle), so a busy conversation
 * rarely needs the bell at all.
 */
/** Node 20 has it; TypeScript's lib has it from es2024 only. */
interface AtomicsWithWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number): { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
}

export class Doorbells {
  private readonly bells: Int32Array;

  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer(128 * 4);
  }

  constructor(
    readonly buffer: SharedArrayBuffer,
    /** The `sleeping` flags of every node (StatsBlock.sleeping). */
    readonly sleeping: Int32Array,
  ) {
    this.bells = new Int32Array(buffer);
  }

  /** Wakes `node` if it sleeps; called after the work for it is visible. */
  wakeIfSleeping(node: number): void {
    if (Atomics.load(this.sleeping, node) === 1 && Atomics.compareExchange(this.sleeping, node, 1, 0) === 1) this.ring(node);
  }

  /** Rings `node`'s bell (its flag was already cleared by the caller). */
  ring(node: number): void {
    Atomics.add(this.bells, node, 1);
    Atomics.notify(this.bells, node);
  }

  /** The sleeper's side: the bell's value before its last look for work. */
  read(node: number): number {
    return Atomics.load(this.bells, node);
  }

  /** Calls `woken` once the bell moves from `seen` (at once, as a microtask, if it already has). */
  wait(node: number, seen: number, woken: () => void): void {
    const result = (Atomics as unknown as AtomicsWithWaitAsync).waitAsync(this.bells, node, seen);
    if (result.async) void result.value.then(woken);
    else queueMicrotask(woken);
  }
}
