/**
 * How a sleeping scheduler is woken: per node, one Int32 "bell" and one Int32 "asleep" flag in
 * a SharedArrayBuffer.
 *
 * The sleeper raises its flag, reads its bell, looks for work once more (its inbound rings,
 * the job rings), and only then waits with `Atomics.waitAsync(bell, seen)` — which returns
 * at once if the bell moved since it was read. A waker first makes its work visible (a ring's
 * tail), then reads the flag; if it is raised, it clears it with compareExchange (so one
 * waker rings, not every sender) and rings: Atomics.add on the bell, then Atomics.notify. All
 * of these are sequentially consistent, so either the sleeper's last look sees the work, or
 * the waker sees the flag: no wake-up is lost. Only a waker that rings, or the sleeper
 * itself, clears the flag (the `sleeping` flag of the stats block is another one: the main
 * thread clears that one when it picks a sleeper for a job it then sends by port, and a ring
 * writer must not take that for "it is awake").
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

const NODES = 128;

export class Doorbells {
  private readonly bells: Int32Array;
  private readonly asleep: Int32Array;

  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer(2 * NODES * 4);
  }

  constructor(readonly buffer: SharedArrayBuffer) {
    this.bells = new Int32Array(buffer, 0, NODES);
    this.asleep = new Int32Array(buffer, NODES * 4, NODES);
  }

  /** Wakes `node` if it sleeps; called after the work for it is visible. */
  wakeIfSleeping(node: number): void {
    if (Atomics.load(this.asleep, node) === 1 && Atomics.compareExchange(this.asleep, node, 1, 0) === 1) this.ring(node);
  }

  /** Rings `node`'s bell, asleep or not. */
  ring(node: number): void {
    Atomics.add(this.bells, node, 1);
    Atomics.notify(this.bells, node);
  }

  /** The sleeper's side: raises its flag and returns the bell's value, before its last look for work. */
  goingToSleep(node: number): number {
    Atomics.store(this.asleep, node, 1);
    return Atomics.load(this.bells, node);
  }

  /** The sleeper is awake (woken, or found work after all). */
  awake(node: number): void {
    if (Atomics.load(this.asleep, node) === 1) Atomics.store(this.asleep, node, 0);
  }

  /** Calls `woken` once the bell moves from `seen` (at once, as a microtask, if it already has). */
  wait(node: number, seen: number, woken: () => void): void {
    const result = (Atomics as unknown as AtomicsWithWaitAsync).waitAsync(this.bells, node, seen);
    if (result.async) void result.value.then(woken);
    else queueMicrotask(woken);
  }
}
