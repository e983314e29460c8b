import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deepCopy } from '@beamjs/runtime';
import { PeerLink } from '../src/peer-link.js';
import type { PeerBatch } from '../src/protocol.js';
import { SignalRing } from '../src/signal-ring.js';

/** Two ends of one link, as two schedulers hold them, with small rings; `got` is what the reader applied, in order. */
function linkPair(ringBytes: number) {
  const { port1, port2 } = new MessageChannel();
  const ab = SignalRing.create(ringBytes);
  const ba = SignalRing.create(ringBytes);
  const got: unknown[] = [];
  const dropped: unknown[] = [];
  const ignore = { message: () => {}, envelope: () => {} };
  // How often the writer woke its reader to wait for room in a full ring.
  const waits = { count: 0 };
  const writer = new PeerLink(2, port1, ab, ba, ignore, (_peer, entry) => dropped.push(entry), { wake: () => waits.count++, beats: () => 0 });
  const reader = new PeerLink(1, port2, ba, ab, { message: (_pid, msg) => got.push(msg), envelope: (e) => got.push(e) }, () => {});
  const read = (): void => {
    for (let q = receiveMessageOnPort(port2 as MessagePort); q !== undefined; q = receiveMessageOnPort(port2 as MessagePort)) reader.onPortBatch(q.message as PeerBatch);
    reader.drain();
  };
  const close = (): void => {
    port1.close();
    port2.close();
  };
  return { writer, reader, read, got, dropped, waits, close };
}

/** Sends as a NodeHost does: encoded (ring or chunk), else deep-copied into the port batch. */
function send(writer: PeerLink, msg: unknown): 'ring' | 'batch' | 'port' {
  const sent = writer.sendMessage(7, msg);
  if (sent !== undefined) return sent;
  writer.queue({ kind: 'message', to: 7, msg: deepCopy(msg) });
  return 'port';
}

const message = fc.oneof(
  fc.record({ seq: fc.nat(), text: fc.string({ maxLength: 40 }) }),
  fc.constant('map'),
  fc.constant('large'),
  fc.constant('huge'),
);

describe('a link between two schedulers (ring, overflow chunks, port)', () => {
  it('delivers every message once and in order when the ring is full, chunks and port batches mix, and the reader reads now and then', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.record({ msg: message }), fc.constant('flush' as const), fc.constant('read' as const)), { maxLength: 120 }), (ops) => {
        const link = linkPair(512);
        try {
          const expected: unknown[] = [];
          let i = 0;
          for (const op of ops) {
            if (op === 'flush') link.writer.flush();
            else if (op === 'read') link.read();
            else {
              // Plain (ring or chunk), not plain (port), over the ring's maxRecord (chunk), over a chunk (port).
              const m = op.msg === 'map' ? new Map([[i, 'x']]) : op.msg === 'large' ? { i, big: 'y'.repeat(20_000) } : op.msg === 'huge' ? { i, big: 'z'.repeat(70_000) } : { ...op.msg, i };
              i++;
              send(link.writer, m);
              expected.push(m);
            }
          }
          link.writer.flush();
          link.read();
          expect(link.got).toEqual(expected);
        } finally {
          link.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('puts plain messages the full ring has no room for into chunks that move with the port batch, and goes back to the ring once it is read', () => {
    const link = linkPair(1024);
    try {
      const ways: string[] = [];
      for (let i = 0; i < 200; i++) ways.push(send(link.writer, { i }));
      // The ring took the first; its reader never came, so the writer waited (once: the link then
      // overflows until the ring is half read), then chunked the rest.
      expect(ways[0]).toBe('ring');
      expect(link.waits.count).toBe(1);
      expect(ways.slice(-100).every((w) => w === 'batch')).toBe(true);
      link.writer.flush();
      link.read();
      expect(link.got).toEqual(Array.from({ length: 200 }, (_, i) => ({ i })));
      // Read: the ring is empty again, and takes the next message.
      expect(send(link.writer, { i: 200 })).toBe('ring');
      // A message over a 64 KB chunk, or not plain data, still goes by the port.
      expect(send(link.writer, { big: 'z'.repeat(70_000) })).toBe('port');
      expect(send(link.writer, new Map())).toBe('port');
    } finally {
      link.close();
    }
  });

  it('posts a batch that cannot be posted whole entry by entry: its chunks arrive, only the entry that cannot be cloned is dropped', () => {
    const link = linkPair(256);
    try {
      for (let i = 0; i < 20; i++) send(link.writer, { i });
      // A function cannot be cloned: the whole batch is refused, then posted entry by entry.
      link.writer.queue({ kind: 'message', to: 7, msg: () => 'not cloneable' });
      for (let i = 20; i < 40; i++) send(link.writer, { i });
      link.writer.flush();
      link.read();
      expect(link.got).toEqual(Array.from({ length: 40 }, (_, i) => ({ i })));
      expect(link.dropped).toHaveLength(1);
    } finally {
      link.close();
    }
  });

  it('sends a message over the ring\'s maxRecord into a chunk at once, without waiting for room', () => {
    const link = linkPair(1024);
    try {
      expect(send(link.writer, { big: 'y'.repeat(20_000) })).toBe('batch');
      expect(link.waits.count).toBe(0);
      link.writer.flush();
      link.read();
      expect(link.got).toEqual([{ big: 'y'.repeat(20_000) }]);
    } finally {
      link.close();
    }
  });
});
