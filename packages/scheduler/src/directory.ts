import { GENERATION_SPACE, SLOT_SPACE, creationOf, generationOf, makePid, slotOf } from '@beamjs/runtime';

const GENERATION_MASK = GENERATION_SPACE - 1;

/**
 * The pid directory: which thread owns each process, shared by every thread of a VM.
 *
 * Layout (Int32 per field, in one SharedArrayBuffer):
 *   gens[slot]  generation of the slot's current (or last) process; pid = slot + gen * SLOT_SPACE
 *   words[slot] owner (bits 25-31) | JOB (bit 24) | inflight (bits 0-23)
 *   outgoing[slot] signals its process sent to other cluster nodes that the main thread's
 *               gateway has not taken yet (cluster/gateway.ts: a process does not migrate
 *               while it has any, which keeps its remote sends in order)
 *   returned[i] free slots a thread had more of than it reuses, for any thread to take
 *               (SlotAllocator); the first meta[2] entries are in use, meta[3] is their lock
 *   meta[0]     next never-used slot (bumped in chunks by each thread's slot allocator)
 *   meta[1]     this node's creation (cluster/): the top bits of every pid made here; a pid
 *               with other top bits belongs to another node and is never looked up here
 *
 * Invariants, and who writes what:
 * - `gens[slot]` is bumped (Atomics.add) only by the owner when the process exits, so a pid
 *   whose generation differs from `gens[slot]` is dead, everywhere, from that instant.
 * - `inflight` counts signals sent towards the current owner and not yet taken from its inbox.
 *   A sender bumps it with one Atomics.add *before* posting; the same add returns the owner
 *   the signal must go to, so the owner read and the count are one atomic step. The owner
 *   decrements when it takes the signal from its inbox (except for a process that has not
 *   started, see JOB).
 * - Ownership changes only by compareExchange from a word with `inflight == 0` (or, for the
 *   owner handing a process off, exactly the signals it holds itself). So when the owner
 *   changes, no signal is on its way to the old owner: every signal sent after the change
 *   goes to the new owner, every signal sent before is part of what moves. That is what keeps
 *   per-sender FIFO order (invariant 3) across migration and stealing.
 * - JOB marks a spawned process that has not started: its spawn job sits in its owner's job
 *   ring. Signals that reach the owner for it are held there and stay counted, so a thief can
 *   take the job only while nobody has signalled it (then nothing needs forwarding).
 */
export const OWNER_SHIFT = 25;
export const JOB_BIT = 1 << 24;
export const INFLIGHT_MASK = JOB_BIT - 1;
/** Owner id of the main thread's node. */
export const MAIN_NODE = 126;
/** Owner id of a slot that belongs to nobody (free, or its process is dead). */
export const NO_OWNER = 127;

export const ownerOf = (word: number): number => word >>> OWNER_SHIFT;
export const inflightOf = (word: number): number => word & INFLIGHT_MASK;
export const isJob = (word: number): boolean => (word & JOB_BIT) !== 0;
export const makeWord = (owner: number, job: boolean, inflight: number): number =>
  ((owner << OWNER_SHIFT) | (job ? JOB_BIT : 0) | inflight) | 0;

export class Directory {
  readonly gens: Int32Array;
  readonly words: Int32Array;
  readonly outgoing: Int32Array;
  private readonly meta: Int32Array;

  static create(slots = SLOT_SPACE, creation = 0): SharedArrayBuffer {
    const sab = new SharedArrayBuffer(16 * slots + 64);
    const dir = new Directory(sab);
    // Slot 0 is never used, so that no pid is 0.
    Atomics.store(dir.meta, 0, 1);
    Atomics.store(dir.meta, 1, creation);
    dir.words.fill(makeWord(NO_OWNER, false, 0));
    return sab;
  }

  constructor(readonly buffer: SharedArrayBuffer) {
    const slots = (buffer.byteLength - 64) / 16;
    this.gens = new Int32Array(buffer, 0, slots);
    this.words = new Int32Array(buffer, 4 * slots, slots);
    this.outgoing = new Int32Array(buffer, 8 * slots, slots);
    this.returned = new Int32Array(buffer, 12 * slots, slots);
    this.meta = new Int32Array(buffer, 16 * slots, 16);
  }

  private readonly returned: Int32Array;

  /** This node's creation (0 without a cluster). */
  get creation(): number {
    return this.meta[1];
  }

  /** True for a pid of another node (see cluster/): the directory knows nothing about it. */
  isForeign(pid: number): boolean {
    return creationOf(pid) !== this.meta[1];
  }

  /** The pid of `slot`'s current (or last) process. */
  pidOfSlot(slot: number): number {
    return makePid(slot, Atomics.load(this.gens, slot), this.meta[1]);
  }

  get capacity(): number {
    return this.gens.length;
  }

  /** Reserves up to `count` never-used slots (fewer only at the very end); returns the first and one past the last. */
  reserveSlots(count: number): [first: number, end: number] {
    const first = Atomics.add(this.meta, 0, count);
    if (first >= this.capacity) {
      Atomics.sub(this.meta, 0, count);
      throw new RangeError(`beamjs: out of process slots (${this.capacity} live processes at most)`);
    }
    return [first, Math.min(first + count, this.capacity)];
  }

  /**
   * Hands the last `count` slots of `free` (free slots, none in use) to the shared pool, where
   * any thread's allocator finds them. The pool holds only free slots, so it never holds more
   * than the directory has: it cannot overflow. Its lock is taken once per chunk of slots.
   */
  returnSlots(free: number[], count: number): void {
    const from = free.length - count;
    this.lockReturned();
    const top = this.meta[2];
    for (let i = 0; i < count; i++) this.returned[top + i] = free[from + i];
    this.meta[2] = top + count;
    this.unlockReturned();
    free.length = from;
  }

  /** Moves up to `max` slots from the shared pool into `into`; returns how many. */
  takeReturnedSlots(into: number[], max: number): number {
    if (Atomics.load(this.meta, 2) === 0) return 0;
    this.lockReturned();
    const top = this.meta[2];
    const count = Math.min(top, max);
    for (let i = top - count; i < top; i++) into.push(this.returned[i]);
    this.meta[2] = top - count;
    this.unlockReturned();
    return count;
  }

  // A spinlock: held for the copy of one chunk of slots, a few microseconds, once per chunk.
  // Taking it with compareExchange and releasing it with a store makes what was written under
  // it visible to the next holder (both are sequentially consistent).
  private lockReturned(): void {
    while (Atomics.compareExchange(this.meta, 3, 0, 1) !== 0);
  }

  private unlockReturned(): void {
    Atomics.store(this.meta, 3, 0);
  }

  /** One past the highest slot ever handed out. */
  get highWater(): number {
    return Math.min(Atomics.load(this.meta, 0), this.capacity);
  }

  /** A new pid for `slot`, owned by `owner`, as a spawn job (JOB) or a running process. */
  claimSlot(slot: number, owner: number, job: boolean): number {
    const gen = Atomics.load(this.gens, slot);
    // Keep the in-flight count: stale signals to the slot's previous process may still arrive.
    for (;;) {
      const word = Atomics.load(this.words, slot);
      const next = makeWord(owner, job, inflightOf(word));
      if (Atomics.compareExchange(this.words, slot, word, next) === word) break;
    }
    return makePid(slot, gen, this.meta[1]);
  }

  isCurrent(pid: number): boolean {
    // A well-formed pid whose slot this VM does not have names no process: it is dead.
    if (slotOf(pid) >= this.capacity || this.isForeign(pid)) return false;
    return (Atomics.load(this.gens, slotOf(pid)) & GENERATION_MASK) === generationOf(pid);
  }

  /** Owner of a live pid, or NO_OWNER if it is dead. */
  ownerOfPid(pid: number): number {
    if (!this.isCurrent(pid)) return NO_OWNER;
    return ownerOf(Atomics.load(this.words, slotOf(pid)));
  }

  /**
   * Counts one signal towards `pid`'s owner and returns the word as it was (its owner is where
   * the signal must go). Returns undefined, counting nothing, if the pid is dead.
   */
  countSignal(pid: number): number | undefined {
    const slot = slotOf(pid);
    if (slot >= this.capacity || this.isForeign(pid) || (Atomics.load(this.gens, slot) & GENERATION_MASK) !== generationOf(pid)) return undefined;
    const before = Atomics.add(this.words, slot, 1);
    if (ownerOf(before) === NO_OWNER || (Atomics.load(this.gens, slot) & GENERATION_MASK) !== generationOf(pid)) {
      // It died between the two reads: undo, and treat it as dead.
      Atomics.sub(this.words, slot, 1);
      return undefined;
    }
    return before;
  }

  /** The owner took `count` signals for `pid`'s slot from its inbox. */
  uncount(pid: number, count = 1): void {
    Atomics.sub(this.words, slotOf(pid), count);
  }

  /**
   * Moves `pid` from `from` to `to` if exactly `held` signals are counted (the ones the old
   * owner holds and will hand over), atomically. `job` is the JOB flag after the move.
   */
  transfer(pid: number, from: number, fromJob: boolean, held: number, to: number, job: boolean): boolean {
    const slot = slotOf(pid);
    if (!this.isCurrent(pid)) return false;
    const expected = makeWord(from, fromJob, held);
    return Atomics.compareExchange(this.words, slot, expected, makeWord(to, job, 0)) === expected;
  }

  /** The process exited: the pid is dead from now on; the slot keeps its in-flight count. */
  release(pid: number): void {
    const slot = slotOf(pid);
    Atomics.add(this.gens, slot, 1);
    for (;;) {
      const word = Atomics.load(this.words, slot);
      const next = makeWord(NO_OWNER, false, inflightOf(word));
      if (Atomics.compareExchange(this.words, slot, word, next) === word) return;
    }
  }

  /** Marks a started process as started (clears JOB), subtracting the signals held for it. */
  started(pid: number, held: number): void {
    const slot = slotOf(pid);
    for (;;) {
      const word = Atomics.load(this.words, slot);
      const next = (word & ~JOB_BIT) - held;
      if (Atomics.compareExchange(this.words, slot, word, next) === word) return;
    }
  }

  wordOf(pid: number): number {
    return Atomics.load(this.words, slotOf(pid));
  }
}

/**
 * Each thread hands out pids from its own free list, refilled in chunks, so allocation needs
 * no shared lock. A slot freed on any thread goes to that thread's list. A process often ends
 * on another thread than the one that made its pid (a stolen job, a spawn from the main
 * thread, a migration): a thread whose list grows past two chunks returns one chunk to the
 * directory's shared pool, and a thread that runs out takes from that pool before it reserves
 * never-used slots. Without that, a spawner whose processes all end elsewhere used up every
 * slot of the VM after `maxProcesses` spawns, however few lived at once.
 */
export class SlotAllocator {
  private readonly free: number[] = [];
  private next = 0;
  private end = 0;

  constructor(
    private readonly dir: Directory,
    private readonly chunk = 4096,
  ) {}

  take(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.next < this.end) return this.next++;
    if (this.dir.takeReturnedSlots(this.free, this.chunk) > 0) return this.free.pop()!;
    [this.next, this.end] = this.dir.reserveSlots(this.chunk);
    return this.next++;
  }

  give(slot: number): void {
    this.free.push(slot);
    if (this.free.length >= 2 * this.chunk) this.dir.returnSlots(this.free, this.chunk);
  }
}
