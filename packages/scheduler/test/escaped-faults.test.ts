import { describe, expect, it, vi } from 'vitest';
import { startVM, type FaultAttribution } from '@beamjs/scheduler';
import { escapingFault, receivesTwice, ticker, wakesThenFaults, type EscapingFault } from './fixtures/faults.js';
import { idleForever } from './fixtures/procs.js';
import { FIXTURES, testVM } from './helpers.js';

const FAULTS = new URL('./fixtures/faults.ts', import.meta.url);

/** Resolves with `p`, or with 'hung' after `ms`: a regression fails instead of hanging. */
const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms))]);

/** Every way a fault escapes that both mechanisms follow (VMOptions.faultAttribution). */
const ESCAPES: EscapingFault[] = ['timer', 'interval', 'immediate', 'microtask', 'tick', 'timers-module', 'timers-promises', 'rejection', 'detached'];

for (const faultAttribution of ['promise-hooks', 'async-hooks'] as FaultAttribution[]) {
  describe(`faults that escape a process (faultAttribution: '${faultAttribution}')`, () => {
    it(`a fault escaping through a timer, an interval, an immediate, a microtask, a tick, a promise or a detached async function ends only the process it came from, while others fault beside it; neighbours and schedulers go on`, async () => {
      const { vm, reports } = await testVM({ schedulers: 2, modules: [FIXTURES, FAULTS], faultAttribution });
      try {
        const neighbours = [vm.spawnOn(0, idleForever), vm.spawnOn(1, idleForever)];
        // All at once, on both schedulers: each fault must be blamed on its own process.
        const faulty = ESCAPES.map((how, i) => {
          const pid = vm.spawnOn(i % 2, escapingFault, how);
          return { how, pid, exit: vm.waitFor(pid) };
        });
        for (const { how, exit } of faulty) {
          expect(await within(exit, 10_000), how).toMatchObject({ error: `escaped as ${how}` });
        }
        // The crash report travels on its own (a report event), after or before the DOWN.
        for (const { how, pid } of faulty) {
          await vi.waitFor(() => expect(reports).toContainEqual(expect.objectContaining({ type: 'crash', pid, reason: expect.objectContaining({ error: `escaped as ${how}` }) })), { timeout: 5000 });
        }
        for (const pid of neighbours) expect(vm.isAlive(pid)).toBe(true);
        // The schedulers still run code: a new process on each receives, and ends normally.
        for (const scheduler of [0, 1]) {
          const next = vm.spawnOn(scheduler, idleForever);
          const done = vm.waitFor(next);
          vm.send(next, 'go');
          expect(await within(done, 10_000)).toBe('normal');
        }
      } finally {
        await vm.stop(1000);
      }
    });

    it('process.exit in a timer callback ends only its process, with the exit code as its reason', async () => {
      const { vm } = await testVM({ schedulers: 2, modules: [FIXTURES, FAULTS], faultAttribution });
      try {
        const neighbour = vm.spawnOn(0, idleForever);
        const faulty = vm.spawnOn(0, escapingFault, 'exit-in-timer');
        expect(await within(vm.waitFor(faulty), 10_000)).toEqual({ exitCode: 7 });
        expect(vm.isAlive(neighbour)).toBe(true);
      } finally {
        await vm.stop(1000);
      }
    });

    it('a fault is blamed on the process whose code caused it, not on a partner it just woke on the same scheduler', async () => {
      const { vm } = await testVM({ schedulers: 2, modules: [FIXTURES, FAULTS], faultAttribution });
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
}

describe('a fault in a callback of callback-style I/O (fs.readFile(path, cb))', () => {
  it("with faultAttribution 'async-hooks', ends the process that started the I/O", async () => {
    const { vm } = await testVM({ schedulers: 2, modules: [FIXTURES, FAULTS], faultAttribution: 'async-hooks' });
    try {
      const faulty = vm.spawnOn(0, escapingFault, 'io-callback');
      expect(await within(vm.waitFor(faulty), 10_000)).toMatchObject({ error: 'escaped as io-callback' });
    } finally {
      await vm.stop(1000);
    }
  });

  it("with faultAttribution 'promise-hooks', is logged as nobody's: not blamed on a process that ran just before it, and the scheduler goes on", async () => {
    const { vm, reports } = await testVM({ schedulers: 2, modules: [FIXTURES, FAULTS], faultAttribution: 'promise-hooks' });
    try {
      // Busy beside it: a wrong guess would most likely blame this one.
      const busy = vm.spawnOn(0, ticker);
      const faulty = vm.spawnOn(0, escapingFault, 'io-callback');
      await vi.waitFor(
        () =>
          expect(reports).toContainEqual(
            expect.objectContaining({
              type: 'log',
              level: 'error',
              message: expect.stringContaining('an uncaught exception that no live process on this scheduler can be blamed for'),
              meta: { reason: expect.objectContaining({ error: 'escaped as io-callback' }) },
            }),
          ),
        { timeout: 10_000 },
      );
      expect(vm.isAlive(busy)).toBe(true);
      expect(vm.isAlive(faulty)).toBe(true);
      const done = vm.waitFor(busy);
      vm.send(busy, 'stop');
      expect(await within(done, 10_000)).toBe('normal');
    } finally {
      await vm.stop(1000);
    }
  });
});

it('a faultAttribution the VM does not know is refused before any thread starts, naming the two it takes', async () => {
  await expect(startVM({ schedulers: 1, faultAttribution: 'zones' as FaultAttribution })).rejects.toMatchObject({
    code: 'ERR_INVALID_OPTION',
    message: expect.stringMatching(/faultAttribution must be 'promise-hooks' or 'async-hooks', got zones/),
  });
});
