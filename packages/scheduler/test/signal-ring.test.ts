import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deepCopy } from '@beamjs/runtime';
import { NOT_PLAIN, NO_ROOM, PlainReader, PlainWriter } from '../src/plain-codec.js';
import { SignalRing } from '../src/signal-ring.js';

function roundTrip(value: unknown): unknown {
  const buffer = new SharedArrayBuffer(1 << 16);
  const w = new PlainWriter(buffer, 0, buffer.byteLength);
  w.limit = buffer.byteLength;
  w.value(value);
  const r = new PlainReader(buffer, 0, buffer.byteLength);
  const out = r.value();
  expect(r.pos).toBe(w.pos);
  return out;
}

/** Plain data as messages carry it, with the edge cases of numbers and strings. */
const plain = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(undefined, null, true, false, 0, -0, NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31), 2 ** 53),
    fc.integer(),
    fc.double(),
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('the plain-data codec of the signal rings', () => {
  it('reads back what deepCopy would have made of any plain value (numbers keep -0 and NaN, keys their order)', () => {
    fc.assert(
      fc.property(plain, (value) => {
        const out = roundTrip(value);
        expect(out).toStrictEqual(deepCopy(value));
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) expect(Object.keys(out as object)).toEqual(Object.keys(value));
      }),
    );
  });

  it('keeps what deepCopy keeps: holes, shared references and cycles, an own __proto__ key; a null-prototype object comes out plain', () => {
    const bare = Object.assign(Object.create(null), { a: 1 });
    const shared = { x: 1 };
    const cyclic: { self?: unknown; n: number } = { n: 1 };
    cyclic.self = cyclic;
    const proto = JSON.parse('{"__proto__": {"polluted": true}}');
    // eslint-disable-next-line no-sparse-arrays
    const value = { bare, holes: [1, , 3], pair: [shared, shared], cyclic, proto };
    const out = roundTrip(value) as typeof value;
    expect(out).toStrictEqual(deepCopy(value));
    expect(Object.getPrototypeOf(out.bare)).toBe(Object.prototype);
    expect(1 in out.holes).toBe(false);
    expect(out.pair[0]).toBe(out.pair[1]);
    expect(out.pair[0]).not.toBe(shared);
    expect(out.cyclic.self).toBe(out.cyclic);
    expect(Object.getPrototypeOf(out.proto)).toBe(Object.prototype);
    expect(Object.keys(out.proto)).toEqual(['__proto__']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('refuses what is not plain data (or very deep, or sparse), so that it takes the port path with deepCopy and its errors', () => {
    class Point {
      x = 1;
    }
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100; i++) deep = [deep];
    const sparse: unknown[] = [];
    sparse[100_000] = 1;
    sparse.length = 200_000;
    for (const value of [new Map(), new Date(), new Uint8Array(2), 1n, new Point(), () => 1, Symbol('s'), { deep: [new Set()] }, deep, sparse]) {
      const buffer = new SharedArrayBuffer(1024);
      const w = new PlainWriter(buffer, 0, 1024);
      w.limit = 1024;
      let thrown: unknown;
      try {
        w.value(value);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBe(NOT_PLAIN);
    }
  });

  it('stops with NO_ROOM instead of writing past its limit', () => {
    const buffer = new SharedArrayBuffer(64);
    const bytes = new Uint8Array(buffer);
    const w = new PlainWriter(buffer, 0, 64);
    w.limit = 16;
    bytes.fill(0xee);
    expect(() => w.value('a string longer than sixteen bytes')).toThrow();
    try {
      w.pos = 0;
      w.value({ a: 'a string longer than sixteen bytes' });
    } catch (err) {
      expect(err).toBe(NO_ROOM);
    }
    expect([...bytes.subarray(16)].every((b) => b === 0xee)).toBe(true);
  });
});

/** A producer and a consumer on one ring (as the two threads of a pair see it). */
function pair(capacity: number): { out: SignalRing; in: SignalRing } {
  const buffer = SignalRing.create(capacity);
  return { out: new SignalRing(buffer), in: new SignalRing(buffer) };
}

function write(ring: SignalRing, seq: number, value: unknown): boolean {
  return ring.write(seq, (w) => w.value(value));
}

function readAll(ring: SignalRing, upTo = Infinity): { seq: number; value: unknown }[] {
  const got: { seq: number; value: unknown }[] = [];
  let lastSeq = 0;
  ring.drain(
    (seq) => {
      lastSeq = seq;
      return got.length < upTo;
    },
    (r) => got.push({ seq: lastSeq, value: r.value() }),
  );
  return got;
}

describe('a signal ring (single producer, single consumer, in shared memory)', () => {
  it('hands over every record once and in order, however writes, wrap-arounds and reads interleave', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ write: fc.string({ maxLength: 60 }) }), fc.record({ read: fc.integer({ min: 0, max: 6 }) })), { maxLength: 300 }),
        (ops) => {
          // A ring of 256 bytes holds a handful of records: wrap-around and full happen all the time.
          const ring = pair(256);
          // What does not fit waits, in order, and goes in as soon as there is room.
          const waiting: { seq: number; value: string }[] = [];
          const received: { seq: number; value: unknown }[] = [];
          const pump = (): void => {
            while (waiting.length > 0 && write(ring.out, waiting[0].seq, waiting[0].value)) waiting.shift();
          };
          let seq = 0;
          for (const op of ops) {
            if ('write' in op) waiting.push({ seq: seq++, value: op.write });
            else received.push(...readAll(ring.in, op.read));
            pump();
          }
          for (let guard = 0; waiting.length > 0 || ring.in.pending; guard++) {
            expect(guard).toBeLessThan(1000);
            received.push(...readAll(ring.in));
            pump();
          }
          expect(received).toEqual(ops.flatMap((op) => ('write' in op ? [op.write] : [])).map((value, i) => ({ seq: i, value })));
          // Once drained, the ring takes records again.
          expect(write(ring.out, seq, 'after')).toBe(true);
          expect(readAll(ring.in)).toEqual([{ seq, value: 'after' }]);
        },
      ),
    );
  });

  it('refuses a record when full and takes it again once the reader has made room', () => {
    const ring = pair(256);
    let n = 0;
    while (write(ring.out, n, `message ${n}`)) n++;
    expect(n).toBeGreaterThan(3);
    expect(write(ring.out, n, 'one too many')).toBe(false);
    expect(readAll(ring.in, 2).map((r) => r.value)).toEqual(['message 0', 'message 1']);
    expect(write(ring.out, n, 'fits now')).toBe(true);
    const rest = readAll(ring.in).map((r) => r.value);
    expect(rest[rest.length - 1]).toBe('fits now');
    expect(rest).toHaveLength(n - 2 + 1);
  });

  it('gives room back while it reads a long run of records, not only when the read ends (a writer may be waiting for it)', () => {
    const ring = pair(64 << 10);
    let n = 0;
    while (write(ring.out, n, n)) n++;
    expect(n).toBeGreaterThan(1000);
    const start = ring.out.readAt;
    const seenByWriter: boolean[] = [];
    ring.in.drain(
      () => true,
      (r) => {
        const i = r.value() as number;
        if (i === 500) seenByWriter.push(ring.out.readAt !== start, write(ring.out, n, 'meanwhile'));
      },
    );
    expect(seenByWriter).toEqual([true, true]);
    expect(ring.out.tooBig).toBe(false);
    expect(write(ring.out, n + 1, 'y'.repeat(ring.out.maxRecord))).toBe(false);
    expect(ring.out.tooBig).toBe(true);
  });

  it('refuses a record over maxRecord even when empty (large messages take the port)', () => {
    const ring = pair(1024);
    expect(write(ring.out, 0, 'x'.repeat(ring.out.maxRecord))).toBe(false);
    expect(ring.in.pending).toBe(false);
    expect(write(ring.out, 0, 'x'.repeat(ring.out.maxRecord - 16))).toBe(true);
  });

  it('publishes nothing of a record whose encoding failed half-way (a producer that dies mid-write leaves it the same)', () => {
    const ring = pair(256);
    expect(() => ring.out.write(0, (w) => w.value(['fine', 'fine', new Map()]))).toThrow();
    expect(ring.in.pending).toBe(false);
    expect(write(ring.out, 0, 'next')).toBe(true);
    expect(readAll(ring.in)).toEqual([{ seq: 0, value: 'next' }]);
  });

  it('leaves a record that is not due (its sequence number is ahead) in the ring for a later read', () => {
    const ring = pair(256);
    write(ring.out, 5, 'later');
    let calls = 0;
    expect(ring.in.drain((seq) => seq === 4, () => calls++)).toBe(0);
    expect(calls).toBe(0);
    expect(ring.in.nextSeq()).toBe(5);
    expect(readAll(ring.in)).toEqual([{ seq: 5, value: 'later' }]);
  });

  it('a reader that resumes from the shared head (a new view, as after a crash mid-read) sees exactly the unread records', () => {
    const buffer = SignalRing.create(256);
    const out = new SignalRing(buffer);
    for (let i = 0; i < 4; i++) write(out, i, i);
    expect(readAll(new SignalRing(buffer), 2).map((r) => r.value)).toEqual([0, 1]);
    expect(readAll(new SignalRing(buffer)).map((r) => r.value)).toEqual([2, 3]);
  });
});
