/**
 * The state of every `sendAfter` timer of a VM in shared memory, so that any thread can cancel
 * or read any timer synchronously, as OTP's `cancel_timer`/`read_timer` do from any process.
 *
 * A timer lives on the thread that set it (its `setTimeout` is there), in a cell of that
 * thread's region. A cell is an Int32 word, `generation << 2 | state`, and a Float64 due time
 * (wall-clock ms, the same on every thread). The protocol:
 * - the owner writes `due`, then stores `ACTIVE` (Atomics: the store publishes `due`);
 * - whoever moves the word from ACTIVE (with the generation of the ref) wins: the owner's
 *   `setTimeout` firing (-> FREE, next generation: the message is sent), a cancel from any
 *   thread (-> CANCELLED: the owner frees the cell when its `setTimeout` comes), or the owner
 *   cancelling its own (-> FREE). Exactly one of "it fired" and "it was cancelled" happens.
 * A ref names its cell: `REF_BASE + (generation * CELLS + cell) * REGIONS + region`, far above
 * the refs `makeRef` hands out, so the two never meet.
 */
const FREE = 0;
const ACTIVE = 1;
const CANCELLED = 2;
/** Timers one thread can have in shared cells at once; past that a timer is local to its thread. */
export const CELLS = 16384;
const REGIONS = 256;
const REF_BASE = 2 ** 52;
/** Generations wrap here: refs stay below 2^53 (exact integers) and `generation << 2` fits an Int32. */
const GENERATIONS = 2 ** 29;
const CELL_BYTES = 12;

const wallClock = (): number => performance.timeOrigin + performance.now();

export class TimerCells {
  private readonly words: Int32Array;
  private readonly dues: Float64Array;
  private readonly free: number[] = [];

  /** Bytes for `regions` threads. */
  static bytes(regions: number): number {
    return regions * CELLS * CELL_BYTES;
  }

  /** A table for one thread alone (a single-thread runtime). */
  static local(): TimerCells {
    return new TimerCells(new ArrayBuffer(TimerCells.bytes(1)), 0);
  }

  /**
   * `region`: this thread's region (0 .. regions-1). A thread that takes over the region of a
   * dead one frees its cells first: those timers died with their thread.
   */
  constructor(
    buffer: ArrayBufferLike,
    private readonly region: number,
  ) {
    const regions = buffer.byteLength / (CELLS * CELL_BYTES);
    if (!Number.isInteger(regions) || region < 0 || region >= Math.min(regions, REGIONS)) {
      throw new RangeError(`timer cells: region ${region} is outside a table of ${regions} regions`);
    }
    this.words = new Int32Array(buffer, 0, regions * CELLS);
    this.dues = new Float64Array(buffer, regions * CELLS * 4, regions * CELLS);
    const base = region * CELLS;
    for (let i = CELLS - 1; i >= 0; i--) {
      const word = Atomics.load(this.words, base + i);
      if ((word & 3) !== FREE) Atomics.store(this.words, base + i, nextFree(word));
      this.free.push(i);
    }
  }

  /** A cell for a new timer of this thread, due at wall-clock `due`: its ref, or undefined if all are taken. */
  open(delay: number): number | undefined {
    const cell = this.free.pop();
    if (cell === undefined) return undefined;
    const at = this.region * CELLS + cell;
    this.dues[at] = wallClock() + delay;
    const word = Atomics.load(this.words, at);
    const generation = word >>> 2;
    Atomics.store(this.words, at, (generation << 2) | ACTIVE);
    return REF_BASE + (generation * CELLS + cell) * REGIONS + this.region;
  }

  /** Whether `ref` names a cell of this thread. */
  isMine(ref: number): boolean {
    return isCellRef(ref) && (ref - REF_BASE) % REGIONS === this.region;
  }

  /**
   * The owner's `setTimeout` came (or the owner drops the timer): true if it was still active,
   * that is, the message is to be sent. The cell is free again either way.
   */
  close(ref: number): boolean {
    const { at, generation } = this.decode(ref);
    const won = Atomics.compareExchange(this.words, at, (generation << 2) | ACTIVE, nextFree(generation << 2)) === ((generation << 2) | ACTIVE);
    if (!won) {
      // Cancelled from another thread: the cell is ours to free now.
      Atomics.compareExchange(this.words, at, (generation << 2) | CANCELLED, nextFree(generation << 2));
    }
    this.free.push(at - this.region * CELLS);
    return won;
  }

  /** Cancels a timer of any thread: the ms it had left, or false if it fired, was cancelled, or is unknown. */
  cancel(ref: number): number | false {
    if (!isCellRef(ref)) return false;
    const { at, generation } = this.decode(ref);
    if (at >= this.words.length) return false;
    const active = (generation << 2) | ACTIVE;
    const due = this.dues[at]!;
    if (Atomics.compareExchange(this.words, at, active, (generation << 2) | CANCELLED) !== active) return false;
    return Math.max(0, Math.round(due - wallClock()));
  }

  /** The ms a timer of any thread has left, or false if it is no longer active. */
  read(ref: number): number | false {
    if (!isCellRef(ref)) return false;
    const { at, generation } = this.decode(ref);
    if (at >= this.words.length) return false;
    const active = (generation << 2) | ACTIVE;
    if (Atomics.load(this.words, at) !== active) return false;
    const due = this.dues[at]!;
    // Still the same timer after reading `due` (a cell is reused only with a new generation).
    if (Atomics.load(this.words, at) !== active) return false;
    return Math.max(0, Math.round(due - wallClock()));
  }

  private decode(ref: number): { at: number; generation: number } {
    const n = ref - REF_BASE;
    const region = n % REGIONS;
    const rest = (n - region) / REGIONS;
    const cell = rest % CELLS;
    const generation = (rest - cell) / CELLS;
    return { at: region * CELLS + cell, generation };
  }
}

function isCellRef(ref: unknown): ref is number {
  return typeof ref === 'number' && Number.isInteger(ref) && ref >= REF_BASE && ref < 2 ** 53;
}

/** The FREE word of the generation after `word`'s. */
function nextFree(word: number): number {
  return (((word >>> 2) + 1) % GENERATIONS) << 2;
}
