import { deserialize, serialize } from 'node:v8';
import type { Signal } from '@beamjs/runtime';
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

export class BatchEncoder {
  private bytes: Uint8Array;
  private writer: PlainWriter;

  constructor(initialBytes = 64 * 1024) {
    this.bytes = new Uint8Array(initialBytes);
    this.writer = writerFor(this.bytes);
  }

  /** A fresh copy of the batch's bytes (the scratch buffer is reused for the next one). */
  encode(from: number, signals: readonly Signal[], unsendable: Unsendable): Uint8Array {
    this.writer.pos = 0;
    this.writer.float64(from);
    for (const signal of signals) this.record(signal, unsendable);
    return this.bytes.slice(0, this.writer.pos);
  }

  private record(signal: Signal, unsendable: Unsendable): void {
    const start = this.writer.pos;
    let v8: Uint8Array | undefined;
    for (;;) {
      const w = this.writer;
      w.pos = start;
      try {
        if (v8 !== undefined) {
          w.byte(V8);
          w.float64(v8.length);
          if (w.pos + v8.length > w.limit) throw NO_ROOM;
          this.bytes.set(v8, w.pos);
          w.pos += v8.length;
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
        if (err === NO_ROOM) this.grow(start);
        else if (err === NOT_PLAIN && v8 === undefined) {
          try {
            v8 = serialize(signal);
          } catch (failure) {
            w.pos = start;
            unsendable(signal, failure);
            return;
          }
        } else throw err;
      }
    }
  }

  /** Doubles the scratch buffer, keeping the batch written so far (up to `keep`). */
  private grow(keep: number): void {
    const bigger = new Uint8Array(this.bytes.length * 2);
    bigger.set(this.bytes.subarray(0, keep));
    this.bytes = bigger;
    this.writer = writerFor(bigger);
  }
}

function writerFor(bytes: Uint8Array): PlainWriter {
  const w = new PlainWriter(bytes.buffer, 0, bytes.length);
  w.limit = bytes.length;
  return w;
}

/** Reads a batch written by BatchEncoder: the sending node's creation, and its signals in order. */
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
