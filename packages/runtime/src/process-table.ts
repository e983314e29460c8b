import { SLOT_SPACE } from './pid.js';
import type { Proc } from './process.js';

const SLOT_MASK = SLOT_SPACE - 1;

/**
 * The processes of one thread, indexed by their pid's slot. A pid's slot is unique among live
 * processes (the generation tells a stale pid from the slot's current owner), so an array
 * does what a Map would at a fraction of the cost: a Map of 200k pids spends ~250 ns per
 * insert and delete rehashing, which capped the spawn rate.
 *
 * The slot array is as long as the highest slot ever used on this thread (a million after a
 * million spawns), so walking it costs that much however few processes live here now: the
 * live ones are also kept densely in `live` (each knows its index; deletes swap the last one
 * in), and `values()` walks those.
 */
export class ProcessTable {
  /**
   * Filled with `undefined` up to its length and grown by doubling: written out of order (the
   * slots of stolen and migrated processes come from every thread), a plain growing array
   * turns holey and falls into V8's dictionary mode, where one insert cost ~30 us when a
   * scheduler held half a million processes.
   */
  private slots: (Proc | undefined)[] = new Array<Proc | undefined>(1024).fill(undefined);
  private readonly live: Proc[] = [];

  get size(): number {
    return this.live.length;
  }

  get(pid: number): Proc | undefined {
    // `& SLOT_MASK` is `pid % SLOT_SPACE` for any pid below 2^53: 2^22 divides 2^32.
    const proc = this.slots[pid & SLOT_MASK];
    return proc !== undefined && proc.self === pid ? proc : undefined;
  }

  has(pid: number): boolean {
    return this.get(pid) !== undefined;
  }

  set(proc: Proc): void {
    const slot = proc.self & SLOT_MASK;
    if (slot >= this.slots.length) this.grow(slot);
    const before = this.slots[slot];
    if (before === proc) return;
    if (before !== undefined) this.unlist(before);
    this.slots[slot] = proc;
    proc.tableIndex = this.live.length;
    this.live.push(proc);
  }

  delete(pid: number): boolean {
    const slot = pid & SLOT_MASK;
    const proc = this.slots[slot];
    if (proc === undefined || proc.self !== pid) return false;
    this.slots[slot] = undefined;
    this.unlist(proc);
    return true;
  }

  /** The live processes, as they are now: deleting or adding while walking them is safe. */
  values(): IterableIterator<Proc> {
    return this.live.slice().values();
  }

  /** At most `max` of the live processes (a bounded look, for code that runs often). */
  some(max: number): Proc[] {
    return this.live.slice(0, max);
  }

  pids(): number[] {
    return this.live.map((proc) => proc.self);
  }

  private grow(slot: number): void {
    const slots = new Array<Proc | undefined>(Math.max(this.slots.length * 2, slot + 1)).fill(undefined);
    for (let i = 0; i < this.slots.length; i++) slots[i] = this.slots[i];
    this.slots = slots;
  }

  private unlist(proc: Proc): void {
    const last = this.live.pop()!;
    if (last !== proc) {
      this.live[proc.tableIndex] = last;
      last.tableIndex = proc.tableIndex;
    }
    proc.tableIndex = -1;
  }
}
