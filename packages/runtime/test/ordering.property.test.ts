import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deepCopy, defineProcess, type Context, type Pid } from '../src/index.js';
import { quietRuntime } from './helpers.js';

type Numbered = { from: number; seq: number };
const burst = defineProcess(import.meta.url, 'burst', async (ctx: Context<never>, to: Pid<Numbered>, plan: number[]) => {
  // `plan` says how many messages to send before each yield: interleavings vary with it.
  let seq = 0;
  for (const n of plan) {
    for (let i = 0; i < n; i++) ctx.send(to, { from: ctx.self, seq: seq++ });
    await ctx.sleep(0);
  }
});

describe('ordering on one thread', () => {
  it('every receiver sees each sender\'s messages in order, none lost or duplicated, whatever the interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 6 }), async (plans) => {
        const { rt, me } = quietRuntime();
        const senders = plans.map((plan) => me.spawn(burst, me.self as Pid<Numbered>, plan));
        const expected = plans.map((plan) => plan.reduce((a, b) => a + b, 0));
        const total = expected.reduce((a, b) => a + b, 0);
        const last = new Map<number, number>();
        for (let i = 0; i < total; i++) {
          const m = (await me.receive()) as Numbered;
          expect(m.seq).toBe((last.get(m.from) ?? -1) + 1);
          last.set(m.from, m.seq);
        }
        senders.forEach((s, i) => expect((last.get(s) ?? -1) + 1).toBe(expected[i]));
        expect(await me.receive(5)).toBe(Symbol.for('beamjs.timeout'));
        await rt.stop(50);
      }),
      { numRuns: 60 },
    );
  });

  it('deepCopy gives back an equal value for any JSON-like value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(deepCopy(value)).toEqual(value);
      }),
    );
  });
});
