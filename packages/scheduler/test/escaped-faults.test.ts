import { describe, expect, it, vi } from 'vitest';
import { escapingFault, receivesTwice, wakesThenFaults, type EscapingFault } from './fixtures/faults.js';
import { idleForever } from './fixtures/procs.js';
import { FIXTURES, testVM } from './helpers.js';

const FAULTS = new URL('./fixtures/faults.ts', import.meta.url);

/** Resolves with `p`, or with 'hung' after `ms`: a regression fails instead of hanging. */
const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms))]);

const cases: [EscapingFault, unknown][] = [
  ['timer', { error: 'thrown in a raw timer callback' }],
  ['rejection', { error: 'rejected, never handled' }],
  ['detached', { error: 'thrown in a detached async function' }],
  ['exit-in-timer', { exitCode: 7 }],
];

describe('faults that escape a process', () => {
  for (const [how, reason] of cases) {
    it(`a fault escaping as "${how}" ends only its process; its neighbours and its scheduler go on`, async () => {
      const { vm, reports } = await testVM({ schedulers: 2, modules: [FIXTURES, FAULTS] });
      try {
        const neighbour = vm.spawnOn(0, idleForever);
        const faulty = vm.spawnOn(0, escapingFault, how);
        expect(await within(vm.waitFor(faulty), 10_000)).toMatchObject(reason as object);
        expect(vm.isAlive(neighbour)).toBe(true);
        expect(vm.schedulerOf(neighbour)).toBe(0);
        // The crash report travels on its own (a report event), after or before the DOWN.
        if (how !== 'exit-in-timer') {
          await vi.waitFor(() => expect(reports).toContainEqual(expect.objectContaining({ type: 'crash', pid: faulty, reason: expect.objectContaining(reason) })), { timeout: 5000 });
        }
        // The scheduler still runs code: a new process there receives, and ends normally.
        const next = vm.spawnOn(0, idleForever);
        const done = vm.waitFor(next);
        vm.send(next, 'go');
        expect(await within(done, 10_000)).toBe('normal');
      } finally {
        await vm.stop(1000);
      }
    });
  }

  it('a fault is blamed on the process whose code caused it, not on a partner it just woke on the same scheduler', async () => {
    const { vm } = await testVM({ schedulers: 2, modules: [FIXTURES, FAULTS] });
    try {
      const partner = vm.spawnOn(0, receivesTwice);
      const faulty = vm.spawnOn(0, wakesThenFaults, partner);
      expect(await within(vm.waitFor(faulty), 10_000)).toMatchObject({ error: 'thrown after waking a partner' });
      expect(vm.isAlive(partner)).toBe(true);
    } finally {
      await vm.stop(1000);
    }
  });
});
