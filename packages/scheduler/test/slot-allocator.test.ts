import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Directory, SlotAllocator } from '../src/directory.js';
import { reportScheduler } from './fixtures/procs.js';
import { isType, testVM } from './helpers.js';

describe('process slots', () => {
  it('are never handed out twice while in use, and a slot freed on another thread is found again: a spawner whose processes all end elsewhere never runs out', () => {
    const CHUNK = 4;
    const THREADS = 3;
    // Each thread may keep up to 2 chunks free in its own list and 1 chunk reserved: the rest of
    // the directory is what live processes can count on.
    const SLACK = THREADS * 3 * CHUNK;
    const CAPACITY = 64;
    const op = fc.oneof(
      fc.record({ kind: fc.constant('take' as const), on: fc.integer({ min: 0, max: THREADS - 1 }) }),
      fc.record({ kind: fc.constant('free' as const), on: fc.integer({ min: 0, max: THREADS - 1 }), which: fc.nat() }),
    );
    // Spawns happen on some threads only (a main thread, a spawner process); frees on any.
    const spawners = fc.subarray([0, 1, 2], { minLength: 1 });
    fc.assert(
      fc.property(spawners, fc.array(op, { minLength: 100, maxLength: 600, size: 'max' }), (spawning, ops) => {
        const dir = new Directory(Directory.create(CAPACITY));
        const threads = Array.from({ length: THREADS }, () => new SlotAllocator(dir, CHUNK));
        const live: number[] = [];
        for (const o of ops) {
          if (o.kind === 'take') {
            // Slot 0 is never used; keep within what the directory guarantees.
            if (live.length >= CAPACITY - 1 - SLACK) continue;
            const slot = threads[spawning[o.on % spawning.length]].take();
            expect(live).not.toContain(slot);
            expect(slot).toBeGreaterThan(0);
            expect(slot).toBeLessThan(CAPACITY);
            live.push(slot);
          } else if (live.length > 0) {
            const [slot] = live.splice(o.which % live.length, 1);
            threads[o.on].give(slot);
          }
        }
      }),
    );
  });

  it('last through any number of spawns when each process is freed on another thread than the one that made it', () => {
    const dir = new Directory(Directory.create(1 << 16));
    const spawner = new SlotAllocator(dir);
    const runner = new SlotAllocator(dir);
    // A million spawns on one thread, each process ending on another: 16x the directory.
    for (let i = 0; i < 1_000_000; i++) runner.give(spawner.take());
    expect(dir.highWater).toBeLessThan(1 << 16);
  });

  it('on a VM, last through many times maxProcesses spawns whose processes end on other threads than their spawner', async () => {
    // The main thread makes every pid here and runs none of the processes.
    const { vm } = await testVM({ schedulers: 2, maxProcesses: 1 << 15 });
    try {
      const batch = 4000;
      for (let round = 0; round < 40; round++) {
        for (let i = 0; i < batch; i++) vm.spawn(reportScheduler, vm.self);
        for (let i = 0; i < batch; i++) await vm.receive(isType('child-started'), 10_000);
      }
    } finally {
      await vm.stop();
    }
  }, 60_000);
});
