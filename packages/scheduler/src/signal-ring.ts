import { NO_ROOM, NOT_PLAIN, PlainReader, PlainWriter } from './plain-codec.js';

/**
 * A single-producer, single-consumer ring of records in a SharedArrayBuffer: the fast path
 * for signals from one scheduler thread to another (one ring per ordered pair; see
 * peer-link.ts for how it is merged with the port).
 *
 * Layout:
 *   control (Int32 x 16, 64 bytes): [HEAD] byte offset of the next record to read (written
 *     only by the consumer); [TAIL] byte offset where the next record will be written
 *     (written only by the producer, after the record is complete)
 *   data (capacity bytes, a multiple of 8): records, each 8-byte aligned:
 *     Int32 size of the body in bytes | Int32 sequence number | body (plain-codec.ts)
 *     a size of WRAP (-1) means "the next record is at offset 0"
 *
 * Empty when HEAD == TAIL; the producer never lets TAIL catch up with HEAD from behind (it
 * keeps at least 8 bytes free), so full and empty are never confused. The producer writes the
 * whole record, then publishes it with one Atomics.store of TAIL; the consumer reads TAIL
 * with Atomics.load, so every byte before the new TAIL is visible to it (JS memory model:
 * the atomic store/load pair orders the plain writes before it). The consumer frees space
 * the same way through HEAD. Nothing is ever locked: a thread that dies or stops for a
 * second leaves the ring valid — a half-written record was never published, a half-read one
 * is read again from HEAD by whoever reads next.
 *
 * Records larger than `maxRecord` are refused (the caller uses the port): a large message
 * costs the same to copy either way, and it would take the room of hundreds of small ones.
 */
const HEAD = 0;
const TAIL = 1;
const CONTROL_BYTES = 64;
const HEADER = 8;
const WRAP = -1;
/** Records read between two stores of HEAD while draining (a power of two). */
const FREE_EVERY = 64;

export const DEFAULT_SIGNAL_RING_BYTES = 256 << 10;

export type Encode = (writer: PlainWriter) => void;

export class SignalRing {
  private readonly control: Int32Array;
  private readonly ints: Int32Array;
  private readonly capacity: number;
  readonly maxRecord: number;
  private readonly writer: PlainWriter;
  private readonly reader: PlainReader;
  /** Producer: the last `write` refused its record for its size (over maxRecord), not for want of room. */
  tooBig = false;
  /** Producer's copy of TAIL (it is the only writer). */
  private tail: number;
  /** Consumer's copy of HEAD (it is the only writer). */
  private head: number;

  static create(capacity = DEFAULT_SIGNAL_RING_BYTES): SharedArrayBuffer {
    if (capacity % 8 !== 0 || capacity < 256) throw new RangeError('a signal ring needs a multiple of 8 bytes, at least 256');
    return new SharedArrayBuffer(CONTROL_BYTES + capacity);
  }

  constructor(readonly buffer: SharedArrayBuffer) {
    this.capacity = buffer.byteLength - CONTROL_BYTES;
    this.control = new Int32Array(buffer, 0, 16);
    this.ints = new Int32Array(buffer, CONTROL_BYTES, this.capacity / 4);
    this.maxRecord = Math.floor(this.capacity / 8);
    this.writer = new PlainWriter(buffer, CONTROL_BYTES, this.capacity);
    this.reader = new PlainReader(buffer, CONTROL_BYTES, this.capacity);
    this.tail = Atomics.load(this.control, TAIL);
    this.head = Atomics.load(this.control, HEAD);
  }

  // ---- producer ---------------------------------------------------------------------------

  /**
   * Writes one record: `encode` writes the body. True once it is published; false if there
   * is no room now (ring full, or a body over maxRecord). `encode` may throw NOT_PLAIN (or
   * any error): nothing is published then, and the error is rethrown.
   */
  write(seq: number, encode: Encode): boolean {
    this.tooBig = false;
    const head = Atomics.load(this.control, HEAD);
    const tail = this.tail;
    if (tail >= head) {
      // Room from the tail to the end; when the head is at 0 the last 8 bytes stay free, or
      // the tail would wrap onto the head and the ring would look empty.
      const end = head === 0 ? this.capacity - 8 : this.capacity;
      if (this.tryAt(tail, end, seq, encode)) return true;
      // Not there: wrap to the start if the room before the head holds it.
      if (head <= HEADER) return false;
      if (!this.tryAt(0, head - 8, seq, encode)) return false;
      this.ints[tail >> 2] = WRAP;
      this.publish();
      return true;
    }
    if (!this.tryAt(tail, head - 8, seq, encode)) return false;
    this.publish();
    return true;
  }

  /** Encodes a record at `at` within [at, end); on success moves the private tail past it (not yet published unless at === tail). */
  private tryAt(at: number, end: number, seq: number, encode: Encode): boolean {
    if (end - at <= HEADER) return false;
    const w = this.writer;
    w.pos = at + HEADER;
    w.limit = Math.min(end, at + HEADER + this.maxRecord);
    try {
      encode(w);
    } catch (err) {
      if (err !== NO_ROOM) throw err;
      if (w.limit === at + HEADER + this.maxRecord) this.tooBig = true;
      return false;
    }
    const size = w.pos - at - HEADER;
    this.ints[at >> 2] = size;
    this.ints[(at >> 2) + 1] = seq;
    let next = (w.pos + 7) & ~7;
    if (next >= this.capacity) next = 0;
    const published = at === this.tail;
    this.tail = next;
    if (published) this.publish();
    return true;
  }

  private publish(): void {
    Atomics.store(this.control, TAIL, this.tail);
  }

  /** Where the consumer reads next (it moves when the consumer frees room). */
  get readAt(): number {
    return Atomics.load(this.control, HEAD);
  }

  /**
   * Producer: sleeps until the consumer's position is no longer `at`, for `ms` at most (the
   * consumer does not notify: the sleep only gives the core away, see PeerLink.waitForRoom).
   * Worker threads only: the main thread may not block.
   */
  sleepWhileReadAt(at: number, ms: number): void {
    Atomics.wait(this.control, HEAD, at, ms);
  }

  /** Producer: whether at most half the ring holds records not yet read. */
  get halfFree(): boolean {
    const head = Atomics.load(this.control, HEAD);
    const used = this.tail >= head ? this.tail - head : this.capacity - (head - this.tail);
    return used <= this.capacity / 2;
  }

  // ---- consumer ---------------------------------------------------------------------------

  /** Whether a record waits (one atomic load). */
  get pending(): boolean {
    return Atomics.load(this.control, TAIL) !== this.head;
  }

  /** Sequence number of the next record, or undefined if there is none. */
  nextSeq(): number | undefined {
    const tail = Atomics.load(this.control, TAIL);
    let head = this.head;
    if (head === tail) return undefined;
    if (this.ints[head >> 2] === WRAP) head = 0;
    return this.ints[(head >> 2) + 1];
  }

  /**
   * Reads records in order. `take(seq)` decides whether the next record may be read now
   * (false stops the reading, the record stays); then `read(reader)` decodes its body.
   * Returns how many records were read.
   */
  drain(take: (seq: number) => boolean, read: (reader: PlainReader) => void): number {
    const tail = Atomics.load(this.control, TAIL);
    let head = this.head;
    let n = 0;
    while (head !== tail) {
      const size = this.ints[head >> 2];
      if (size === WRAP) {
        head = 0;
        continue;
      }
      if (!take(this.ints[(head >> 2) + 1])) break;
      const next = head + HEADER + size;
      this.reader.pos = head + HEADER;
      // Freed before the body is used: the body is decoded into new objects here, now.
      head = (next + 7) & ~7;
      if (head >= this.capacity) head = 0;
      read(this.reader);
      // Room is given back as the reading goes, not only at its end: a writer that found the
      // ring full waits for it (peer-link.ts, "A full ring"), and a full ring takes a while to read.
      if ((++n & (FREE_EVERY - 1)) === 0) {
        this.head = head;
        Atomics.store(this.control, HEAD, head);
      }
    }
    if (head !== this.head) {
      this.head = head;
      Atomics.store(this.control, HEAD, head);
    }
    return n;
  }
}

export { NOT_PLAIN };
