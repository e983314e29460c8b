import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StatsBlock } from '../src/stats-block.js';

describe('the heartbeat in the stats block', () => {
  it('names the process a scheduler entered last, whatever the sequence of kinds before it (more kinds than key slots, repeats, long keys, kinds without a definition)', () => {
    const keys = fc.oneof(
      fc.constantFrom('file:///app/a.ts#ping', 'file:///app/a.ts#pong', 'file:///app/b.ts#mall', 'file:///app/b.ts#creature'),
      fc.string({ minLength: 1, maxLength: 40 }).map((k) => `file:///app/gen.ts#${k}`),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 1_000_000 }), keys, fc.boolean()), { minLength: 1, maxLength: 60 }), (entries) => {
        const block = new StatsBlock(StatsBlock.create());
        // A kind is a definition, one object per key, or the key itself for a process without one.
        const definitions = new Map<string, object>();
        const last = new Map<number, { pid: number; key: string }>();
        for (const [node, pid, key, defined] of entries) {
          const kind = defined ? (definitions.get(key) ?? definitions.set(key, { key }).get(key)!) : key;
          block.enter(node, pid, kind, key);
          last.set(node, { pid, key });
          expect(block.entered(node)).toEqual(last.get(node));
        }
      }),
    );
  });
});
