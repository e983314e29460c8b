import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startVM, type VM } from '@beamjs/scheduler';
import { trafficDriver, type TrafficPlan } from './fixtures/request-reply.js';

const TRAFFIC = new URL('./fixtures/request-reply.ts', import.meta.url);
/** Far above what a run needs even on a loaded machine; a stalled VM fails here instead of hanging. */
const QUIESCENCE_BOUND_MS = 30_000;

/** Runs the plan to quiescence, or fails with what each scheduler was doing when it stalled. */
async function runToQuiescence(vm: VM, plan: TrafficPlan): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const stats = vm.statsNow().map((s) => `scheduler ${s.id}: ${s.sleeping ? 'sleeping' : 'awake'}, run queue ${s.runQueue}, ${s.processes} processes, messages out ${s.messagesOut} in ${s.messagesIn}`);
      reject(new Error(`no quiescence after ${QUIESCENCE_BOUND_MS} ms (a lost message or wake-up):\n${stats.join('\n')}`));
    }, QUIESCENCE_BOUND_MS);
  });
  try {
    return await Promise.race([vm.run(trafficDriver, plan), stalled]);
  } finally {
    clearTimeout(timer);
  }
}

describe('request/reply traffic reaches quiescence', () => {
  it('every request among many processes on 2-4 schedulers is answered, while they are stolen and rebalanced', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 4 }),
        fc.constantFrom(1, 5, 50),
        fc.constantFrom(0, 1, 5),
        fc.array(fc.record({ kind: fc.constantFrom<'a' | 'c'>('a', 'a', 'a', 'c'), requests: fc.integer({ min: 0, max: 200 }) }), { minLength: 2, maxLength: 120 }),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(),
        async (schedulers, balanceIntervalMs, stealAfterMs, participants, window, seed) => {
          const vm = await startVM({ schedulers, modules: [TRAFFIC], balanceIntervalMs, stealAfterMs, onReport: () => {} });
          try {
            const plan: TrafficPlan = { participants, window, seed };
            // Two rounds on the same VM: the second reuses the first one's pid slots.
            for (let round = 0; round < 2; round++) {
              expect(await runToQuiescence(vm, plan)).toBe(participants.reduce((n, p) => n + p.requests, 0));
            }
          } finally {
            await vm.stop();
          }
        },
      ),
      { numRuns: 6 },
    );
  }, 6 * 2 * QUIESCENCE_BOUND_MS);
});
