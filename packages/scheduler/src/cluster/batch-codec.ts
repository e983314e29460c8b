import { deserialize, serialize } from 'node:v8';
import { deepCopy, type Signal } from '@beamjs/runtime';
import { NOT_PLAIN, NO_ROOM, PlainReader, PlainWriter } from '../plain-codec.js';

/**
 * The wire format of a batch of signals between two nodes (one NATS message, or its
 * fragments: frames.ts). `v8.serialize` of the whole batch cost about 1.4 µs a signal to write
 * and 2.9 µs to read (profiled on the remote stream benchmark: most of the main thread's time),
 * so plain data takes the codec the signal rings use between schedulers (plain-codec.ts), and
 * only what it cannot carry (Maps, Dates, typed arrays, errors, class instances...) is
 * v8-serialized, record by record, as before.
 *
 * Layout: float64 sending node's creation, then records, each a tag byte and:
 * - MESSAGE: float64 pid, plain value (the commonest signal builds no wrapper on the wire);
 * - SIGNAL: any other signal as a plain value;
 * - V8: float64 byte length, then `v8.serialize(signal)`.
 */
const MESSAGE = 0;
const SIGNAL = 1;
const V8 = 2;

/** What cannot leave this machine (a SharedArrayBuffer in a message) is reported here and not sent. */
export type Unsendable = (signal: Signal, err: unknown) => void;

/** The warning for a signal that cannot leave this machine: it is dropped, the others go. */
export function unsendable(creation: number, err: unknown): void {
  process.emitWarning(`beamjs: a message for node creation ${creation} held a value that cannot leave this machine (shared memory) and was dropped: ${(err as Error).message}`, { code: 'BEAMJS_REMOTE_UNSERIALIZABLE' });
}

/**
 * Encodes records into a reusable scratch buffer that grows as needed. `add` encodes at once:
 * for a message not copied yet, that encoding is its copy (what the sender changes afterwards
 * does not reach the receiver). `take` hands out a copy of what was written and starts over.
 */
export class RecordWriter {
  private bytes: Uint8Array;
  private writer: PlainWriter;
  private start = 0;

  /** `from`: a whole batch (its sending node's creation first); without it, a chunk of records to be forwarded into a batch. */
  constructor(
    private readonly from?: number,
    initialBytes = 16 * 1024,
  ) {
    this.bytes = new Uint8Array(initialBytes);
    this.writer = writerFor(this.bytes);
    this.reset();
  }

  /** Bytes of records written since the last take. */
  get size(): number {
    return this.writer.pos - this.start;
  }

  /**
   * Adds a signal. `copy`: its message is not a private copy yet, so what the plain codec cannot
   * carry is deep-copied first, which throws the typed error (ERR_UNCLONEABLE, naming where the
   * bad value is) for what cannot be cloned at all, with nothing added.
   */
  add(signal: Signal, unsendable: Unsendable, copy = false): void {
    const start = this.writer.pos;
    let v8: Uint8Array | undefined;
    for (;;) {
      const w = this.writer;
      w.pos = start;
      try {
        if (v8 !== undefined) {
          w.byte(V8);
          w.float64(v8.length);
          this.put(v8);
        } else if (signal.kind === 'message') {
          w.byte(MESSAGE);
          w.float64(signal.to);
          w.value(signal.msg);
        } else {
          w.byte(SIGNAL);
          w.value(signal);
        }
        return;
      } catch (err) {
        if (err === NO_ROOM) {
          this.grow(start);
          continue;
        }
        w.pos = start;
        if (err !== NOT_PLAIN || v8 !== undefined) throw err;
        const copied = copy && signal.kind === 'message' ? { ...signal, msg: deepCopy(signal.msg) } : signal;
        try {
          v8 = serialize(copied);
        } catch (failure) {
          unsendable(signal, failure);
          return;
        }
      }
    }
  }

  /** Appends records encoded by another RecordWriter (a scheduler's chunk). */
  append(records: Uint8Array): void {
    const start = this.writer.pos;
    for (;;) {
      try {
        this.put(records);
        return;
      } catch (err) {
        if (err !== NO_ROOM) throw err;
        this.grow(start);
        this.writer.pos = start;
      }
    }
  }

  /** A copy of everything written (a whole batch, or a chunk), and a fresh start. */
  take(): Uint8Array {
    const out = this.bytes.slice(0, this.writer.pos);
    this.reset();
    return out;
  }

  /** Forgets what was written since the last take. */
  reset(): void {
    this.writer.pos = 0;
    if (this.from !== undefined) this.writer.float64(this.from);
    this.start = this.writer.pos;
  }

  private put(bytes: Uint8Array): void {
    const w = this.writer;
    if (w.pos + bytes.length > w.limit) throw NO_ROOM;
    this.bytes.set(bytes, w.pos);
    w.pos += bytes.length;
  }

  /** Doubles the scratch buffer (at least), keeping what is written up to `keep`. */
  private grow(keep: number): void {
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, keep * 2));
    bigger.set(this.bytes.subarray(0, keep));
    this.bytes = bigger;
    this.writer = writerFor(bigger);
    this.writer.pos = keep;
  }
}

function writerFor(bytes: Uint8Array): PlainWriter {
  const w = new PlainWriter(bytes.buffer, 0, bytes.length);
  w.limit = bytes.length;
  return w;
}

/** Reads a batch written by a RecordWriter with `from`: the sending node's creation, and its signals in order. */
export function decodeBatch(body: Uint8Array): { from: number; signals: Signal[] } {
  const r = new PlainReader(body.buffer, body.byteOffset, body.byteLength);
  const from = r.float64();
  const signals: Signal[] = [];
  while (r.pos < body.byteLength) {
    const tag = r.byte();
    if (tag === MESSAGE) {
      const to = r.float64();
      signals.push({ kind: 'message', to, msg: r.value() });
    } else if (tag === SIGNAL) {
      signals.push(r.value() as Signal);
    } else {
      const length = r.float64();
      signals.push(deserialize(body.subarray(r.pos, r.pos + length)) as Signal);
      r.pos += length;
    }
  }
  return { from, signals };
}
