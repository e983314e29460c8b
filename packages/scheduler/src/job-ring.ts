/**
 * A scheduler's stealable spawn jobs, in shared memory: the answer to invariant 6. A thread
 * stuck in a long synchronous process cannot answer anyone, so the work queued behind it
 * must be takeable without it: other threads claim these cells with compare-and-swap.
 *
 * One producer (the owning thread) and many consumers (the owner itself and thieves).
 *
 * Layout of the SharedArrayBuffer:
 *   control (Int32 x 16): [TAIL] next index to write (written only by the producer, after the
 *                         cell is complete); [SCAN] a hint: no READY cell below it (any
 *                         consumer may raise it); [GROUP_PLACE] where the group last
 *                         started goes, and how many more members follow it there (see
 *                         "Groups" below)
 *   cells (CELLS x 40 bytes): Int32 state, offset, length, index (bytes 0-15); Float64 pid (bytes 16-23);
 *                             Float64 publication time, epoch ms (bytes 24-31); Int32 group (bytes 32-35)
 *   arena (ARENA bytes): the serialized jobs, written circularly by the producer
 *
 * A cell goes EMPTY -> READY (producer, after writing arena bytes and fields) -> CLAIMED (the
 * one consumer whose CAS won; it may put it back to READY if it cannot take the job after
 * all) -> DONE (the consumer copied the bytes out) -> EMPTY (producer reclaims it, and the
 * arena bytes behind it, strictly in index order). Indices grow forever (Int32, compared by
 * signed difference, so they may wrap); the cell is `index & (CELLS - 1)`.
 *
 * A consumer reads TAIL, then SCAN, without a lock: by the time it reads SCAN, others may have
 * published more and raised SCAN past the TAIL it read, and SCAN may lag more than CELLS
 * behind TAIL (the owner takes its own jobs back by index, without moving SCAN). So a scan
 * covers `window()`: at most CELLS indices, none below TAIL - CELLS (those cells hold newer
 * jobs), and nothing when SCAN is ahead of the TAIL it read. A cell records the index it was
 * published at, so a consumer whose view is stale never takes a newer job under an old index.
 *
 * Groups. The jobs one step of a process spawns share a group: a pair spawned together talks,
 * and runs best on one thread. The owner and a thief may each claim a member of a pair at
 * once. Whoever of the two starts a member first places the group, with one compare-and-swap
 * on GROUP_PLACE, packed as (group key << 10) | (follow << 8) | node; the other sends the
 * member it claimed there instead of starting it (see `placeGroup`). A thief places a group
 * only once the directory has given it the job it claimed, so a placement it makes is one it
 * keeps: before, a thief that lost its job to a message after marking the group drew the
 * partner to itself and left the job with the owner, and the pair ran apart. Only the last
 * group placed is remembered: a step's pair is started within microseconds, and a key that
 * matches an older group by chance only moves a process, never loses one.
 */
const TAIL = 0;
const SCAN = 1;
const GROUP_PLACE = 2;
const EMPTY = 0;
const READY = 1;
const CLAIMED = 2;
const DONE = 3;
const CELL_BYTES = 40;
/** Int32 and Float64 indices of a cell's fields. */
const INTS = CELL_BYTES / 4;
const FLOATS = CELL_BYTES / 8;

/** A group's 22-bit key in GROUP_PLACE (never 0, which no group has). */
function groupKey(group: number): number {
  return group & 0x3fffff || 1;
}

/** Milliseconds since the epoch, comparable across threads (each has its own `performance.timeOrigin`). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export interface RingSizes {
  cells: number;
  arenaBytes: number;
}

export const DEFAULT_RING: RingSizes = { cells: 4096, arenaBytes: 4 << 20 };

/** The bytes of a job its producer takes back: it has the job itself, it needs no copy. */
const EMPTY_BYTES = new Uint8Array(0);

export interface ClaimedJob {
  index: number;
  pid: number;
  /** The group it was published in (0: none). */
  group: number;
  /** When it was published, epoch ms. */
  publishedAt: number;
  bytes: Uint8Array;
}

export class JobRing {
  private readonly control: Int32Array;
  private readonly cells: Int32Array;
  private readonly pids: Float64Array;
  private readonly arena: Uint8Array;
  private readonly mask: number;
  /** Producer-only state: oldest index not yet reclaimed, and where the arena's free space starts. */
  private reclaimIndex = 0;
  private arenaWrite = 0;

  static create(sizes: RingSizes = DEFAULT_RING): SharedArrayBuffer {
    if ((sizes.cells & (sizes.cells - 1)) !== 0) throw new RangeError('ring cells must be a power of two');
    return new SharedArrayBuffer(64 + sizes.cells * CELL_BYTES + sizes.arenaBytes);
  }

  constructor(readonly buffer: SharedArrayBuffer, sizes: RingSizes = DEFAULT_RING) {
    this.control = new Int32Array(buffer, 0, 16);
    this.cells = new Int32Array(buffer, 64, sizes.cells * INTS);
    this.pids = new Float64Array(buffer, 64, sizes.cells * FLOATS);
    this.arena = new Uint8Array(buffer, 64 + sizes.cells * CELL_BYTES, sizes.arenaBytes);
    this.mask = sizes.cells - 1;
  }

  /** Jobs published and not yet claimed (an estimate: it may change while you look). */
  get ready(): number {
    let n = 0;
    const [from, count] = this.window();
    for (let k = 0, i = from; k < count; k++, i = (i + 1) | 0) {
      if (Atomics.load(this.cells, (i & this.mask) * INTS) === READY) n++;
    }
    return n;
  }

  /**
   * The indices worth a look, as [first, count]: from SCAN (or TAIL - CELLS, if SCAN lags
   * further behind) up to TAIL, read in that order; count is 0 when SCAN is ahead of the TAIL
   * read (everything up to it is taken) and never more than CELLS, whatever the interleaving.
   */
  private window(): [number, number] {
    const tail = Atomics.load(this.control, TAIL);
    const scan = Atomics.load(this.control, SCAN);
    const behind = (tail - scan) | 0;
    if (behind <= 0) return [tail, 0];
    const cells = this.mask + 1;
    return behind > cells ? [(tail - cells) | 0, cells] : [scan, behind];
  }

  /** Producer: publishes a job of `group` (0: none). Undefined if the ring or the arena is full (the job stays local). */
  publish(pid: number, bytes: Uint8Array, group = 0): number | undefined {
    this.reclaim();
    const tail = Atomics.load(this.control, TAIL);
    if (((tail - this.reclaimIndex) | 0) > this.mask) return undefined;
    const offset = this.allocate(bytes.length, tail);
    if (offset === undefined) return undefined;
    this.arena.set(bytes, offset);
    const cell = (tail & this.mask) * INTS;
    this.cells[cell + 1] = offset;
    this.cells[cell + 2] = bytes.length;
    this.cells[cell + 3] = tail;
    this.cells[cell + 8] = group;
    this.pids[(tail & this.mask) * FLOATS + 2] = pid;
    this.pids[(tail & this.mask) * FLOATS + 3] = epochNow();
    Atomics.store(this.cells, cell, READY);
    // The tail store publishes the cell: a consumer that sees the new tail sees its fields.
    Atomics.store(this.control, TAIL, (tail + 1) | 0);
    return tail;
  }

  /** Arena bytes for a new job, after the live ones; undefined if they do not fit. */
  private allocate(length: number, tail: number): number | undefined {
    const size = this.arena.length;
    if (length > size / 4) return undefined;
    const live = (tail - this.reclaimIndex) | 0;
    if (live === 0) {
      this.arenaWrite = length;
      return 0;
    }
    const oldest = this.cells[(this.reclaimIndex & this.mask) * INTS + 1];
    let start = this.arenaWrite;
    if (start >= oldest) {
      // Free space is [start, size) and then [0, oldest).
      if (start + length <= size) {
        this.arenaWrite = start + length;
        return start;
      }
      start = 0;
    }
    if (start + length < oldest) {
      this.arenaWrite = start + length;
      return start;
    }
    return undefined;
  }

  /** Producer: frees the cells (and arena bytes) of jobs taken, oldest first. */
  private reclaim(): void {
    const tail = Atomics.load(this.control, TAIL);
    while (((tail - this.reclaimIndex) | 0) > 0) {
      const cell = (this.reclaimIndex & this.mask) * INTS;
      if (Atomics.load(this.cells, cell) !== DONE) break;
      Atomics.store(this.cells, cell, EMPTY);
      this.reclaimIndex = (this.reclaimIndex + 1) | 0;
    }
  }

  /** READY jobs of `group` that `accept(pid)` would take (an estimate: it may change while you look). */
  readyInGroup(group: number, accept: (pid: number) => boolean): number {
    let n = 0;
    const [from, count] = this.window();
    for (let k = 0, i = from; k < count; k++, i = (i + 1) | 0) {
      const cell = (i & this.mask) * INTS;
      if (Atomics.load(this.cells, cell) === READY && this.cells[cell + 8] === group && accept(this.pids[(i & this.mask) * FLOATS + 2])) n++;
    }
    return n;
  }

  /**
   * The owner starts a member of `group` it claimed: returns where it goes. Another node, if
   * a thief placed the group there with followers left (one is counted off); else here, and
   * the group is placed here, so a thief holding its partner sends it here too.
   */
  placeOwn(group: number, owner: number): number {
    if (group === 0) return owner;
    const key = groupKey(group);
    for (;;) {
      const place = Atomics.load(this.control, GROUP_PLACE);
      if (place >>> 10 === key) {
        const node = place & 0xff;
        if (node === owner || ((place >>> 8) & 3) === 0) return owner;
        if (Atomics.compareExchange(this.control, GROUP_PLACE, place, place - 0x100) === place) return node;
      } else if (Atomics.compareExchange(this.control, GROUP_PLACE, place, (key << 10) | owner) === place) {
        return owner;
      }
    }
  }

  /**
   * A thief that holds a member of `group` (the directory gave it the job) places the group
   * on `node`, with `follow` more members of it to follow it there when the owner claims
   * them; returns where the group goes. Already placed, the group stays where it is, unless
   * `overOwner` and it was placed with its owner (`owner`): the owner's hold has expired.
   */
  placeGroup(group: number, node: number, follow: number, owner: number, overOwner: boolean): number {
    if (group === 0) return node;
    const key = groupKey(group);
    for (;;) {
      const place = Atomics.load(this.control, GROUP_PLACE);
      if (place >>> 10 === key && !(overOwner && (place & 0xff) === owner)) return place & 0xff;
      if (Atomics.compareExchange(this.control, GROUP_PLACE, place, (key << 10) | (Math.min(follow, 3) << 8) | node) === place) return node;
    }
  }

  /** The node `group` was last placed on, if it is the group placed last. */
  placeOf(group: number): number | undefined {
    const place = Atomics.load(this.control, GROUP_PLACE);
    return group !== 0 && place >>> 10 === groupKey(group) ? place & 0xff : undefined;
  }

  /**
   * Claims the oldest READY job that `accept(pid, publishedAt, group)` agrees to take. The
   * caller must then either `finish` it (bytes copied) or `unclaim` it.
   */
  claim(accept: (pid: number, publishedAt: number, group: number) => boolean): ClaimedJob | undefined {
    const [from, count] = this.window();
    let allTaken = true;
    for (let k = 0, i = from; k < count; k++, i = (i + 1) | 0) {
      const cell = (i & this.mask) * INTS;
      const state = Atomics.load(this.cells, cell);
      if (state !== READY) {
        // Only DONE/EMPTY cells are passed for good: a CLAIMED one may come back to READY.
        if (state === CLAIMED) allTaken = false;
        else if (allTaken) this.raiseScan(i + 1);
        continue;
      }
      allTaken = false;
      const pid = this.pids[(i & this.mask) * FLOATS + 2];
      if (!accept(pid, this.pids[(i & this.mask) * FLOATS + 3], this.cells[cell + 8])) continue;
      if (Atomics.compareExchange(this.cells, cell, READY, CLAIMED) !== READY) continue;
      // Re-read under the claim: the producer may have reused the cell since we looked.
      const claimedPid = this.pids[(i & this.mask) * FLOATS + 2];
      if (claimedPid !== pid || this.cells[cell + 3] !== i) {
        Atomics.store(this.cells, cell, READY);
        continue;
      }
      const offset = this.cells[cell + 1];
      const length = this.cells[cell + 2];
      const publishedAt = this.pids[(i & this.mask) * FLOATS + 3];
      return { index: i, pid, group: this.cells[cell + 8], publishedAt, bytes: this.arena.slice(offset, offset + length) };
    }
    return undefined;
  }

  /** Claims the job published at `index`, if it is still there and still READY (the producer taking its own job back). */
  claimAt(index: number, pid: number): ClaimedJob | undefined {
    const at = index & this.mask;
    const cell = at * INTS;
    if (this.pids[at * FLOATS + 2] !== pid || this.cells[cell + 3] !== index) return undefined;
    if (Atomics.compareExchange(this.cells, cell, READY, CLAIMED) !== READY) return undefined;
    // Only the producer reuses cells, and it is the caller: the cell still holds this job.
    return { index, pid, group: this.cells[cell + 8], publishedAt: this.pids[at * FLOATS + 3], bytes: EMPTY_BYTES };
  }

  /** The consumer has its copy: the cell may be reclaimed. */
  finish(job: ClaimedJob): void {
    Atomics.store(this.cells, (job.index & this.mask) * INTS, DONE);
  }

  /** The consumer could not take the job after all: it goes back to READY for others. */
  unclaim(job: ClaimedJob): void {
    Atomics.store(this.cells, (job.index & this.mask) * INTS, READY);
    // The scan hint may have passed this cell while it was claimed: lower it again.
    for (;;) {
      const scan = Atomics.load(this.control, SCAN);
      if (((job.index - scan) | 0) >= 0) return;
      if (Atomics.compareExchange(this.control, SCAN, scan, job.index) === scan) return;
    }
  }

  private raiseScan(to: number): void {
    const now = Atomics.load(this.control, SCAN);
    if (((to - now) | 0) > 0) Atomics.compareExchange(this.control, SCAN, now, to | 0);
  }
}
