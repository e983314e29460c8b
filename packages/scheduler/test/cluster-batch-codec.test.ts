import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Signal } from '@beamjs/runtime';
import { BatchEncoder, decodeBatch } from '../src/cluster/batch-codec.js';

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
  it('gives back every signal of a batch, in order, equal to what was sent, plain or not, whatever the batch size', () => {
    // A tiny scratch buffer: every batch makes it grow mid-record.
    const encoder = new BatchEncoder(16);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8191 }), fc.array(signal, { maxLength: 60 }), (from, signals) => {
        const bytes = encoder.encode(from, signals, () => {
          throw new Error('nothing here is unsendable');
        });
        const got = decodeBatch(bytes);
        expect(got.from).toBe(from);
        expect(got.signals).toEqual(signals);
      }),
    );
  });

  it('drops only a signal that cannot leave the machine (shared memory), naming it, and keeps the others', () => {
    const dropped: Signal[] = [];
    const shared: Signal = { kind: 'message', to: 7, msg: { buf: new SharedArrayBuffer(8) } };
    const bytes = new BatchEncoder().encode(3, [{ kind: 'message', to: 1, msg: 'a' }, shared, { kind: 'message', to: 2, msg: 'b' }], (s) => dropped.push(s));
    expect(dropped).toEqual([shared]);
    expect(decodeBatch(bytes).signals).toEqual([
      { kind: 'message', to: 1, msg: 'a' },
      { kind: 'message', to: 2, msg: 'b' },
    ]);
  });
});
