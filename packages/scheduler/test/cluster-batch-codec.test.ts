import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Signal } from '@beamjs/runtime';
import { RecordWriter, decodeBatch } from '../src/cluster/batch-codec.js';

const pid = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
/** Messages of every shape a process may send: plain data (the fast path) and what only v8 carries. */
const message = fc.oneof(
  fc.jsonValue(),
  fc.record({ n: fc.integer(), s: fc.string(), list: fc.array(fc.double()) }),
  fc.constantFrom(new Map([['k', 1]]), new Date(5), new Uint8Array([1, 2, 3]), 10n, new RangeError('bad'), new Set([1])),
);
const signal: fc.Arbitrary<Signal> = fc.oneof(
  fc.record({ kind: fc.constant('message' as const), to: pid, msg: message }),
  fc.record({ kind: fc.constant('link' as const), to: pid, from: pid }),
  fc.record({ kind: fc.constant('exit' as const), to: pid, from: pid, reason: fc.oneof(fc.constant('normal'), fc.constant(new Error('boom'))), linked: fc.boolean() }),
  fc.record({ kind: fc.constant('down' as const), to: pid, from: pid, ref: fc.nat(), reason: fc.jsonValue() }),
);

describe('the signal batch wire format between nodes', () => {
  it('gives back every signal of a batch, in order, equal to what was sent, plain or not, whatever the batch size, with chunks of records forwarded into it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8191 }), fc.array(fc.tuple(signal, fc.boolean()), { maxLength: 60 }), (from, entries) => {
        // Tiny scratch buffers: every batch makes them grow mid-record.
        const batch = new RecordWriter(from, 16);
        const chunk = new RecordWriter(undefined, 8);
        const none = () => {
          throw new Error('nothing here is unsendable');
        };
        // A run of signals marked `true` goes through a chunk (as a scheduler's) before joining the batch.
        for (const [s, chunked] of entries) {
          if (chunked) chunk.add(s, none, true);
          else {
            if (chunk.size > 0) batch.append(chunk.take());
            batch.add(s, none);
          }
        }
        if (chunk.size > 0) batch.append(chunk.take());
        const got = decodeBatch(batch.take());
        expect(got.from).toBe(from);
        expect(got.signals).toEqual(entries.map(([s]) => s));
        expect(batch.size).toBe(0);
      }),
    );
  });

  it('a message that cannot be cloned at all is the typed error at the sender, and adds nothing', () => {
    const chunk = new RecordWriter();
    chunk.add({ kind: 'message', to: 1, msg: 'before' }, () => {}, true);
    expect(() => chunk.add({ kind: 'message', to: 1, msg: { f: () => 1 } }, () => {}, true)).toThrow(expect.objectContaining({ code: 'ERR_UNCLONEABLE' }));
    const batch = new RecordWriter(5);
    batch.append(chunk.take());
    expect(decodeBatch(batch.take()).signals).toEqual([{ kind: 'message', to: 1, msg: 'before' }]);
  });

  it('drops only a signal that cannot leave the machine (shared memory), naming it, and keeps the others', () => {
    const dropped: Signal[] = [];
    const shared: Signal = { kind: 'message', to: 7, msg: { buf: new SharedArrayBuffer(8) } };
    const writer = new RecordWriter(3);
    for (const s of [{ kind: 'message', to: 1, msg: 'a' } as Signal, shared, { kind: 'message', to: 2, msg: 'b' } as Signal]) writer.add(s, (d) => dropped.push(d));
    const bytes = writer.take();
    expect(dropped).toEqual([shared]);
    expect(decodeBatch(bytes).signals).toEqual([
      { kind: 'message', to: 1, msg: 'a' },
      { kind: 'message', to: 2, msg: 'b' },
    ]);
  });
});
