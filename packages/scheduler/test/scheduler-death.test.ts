import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VM, VMEvent } from '@beamjs/scheduler';
import { eatMemory, idleForever, request, spin, watch } from './fixtures/procs.js';
import { isType, testVM } from './helpers.js';

describe('a scheduler thread that dies', () => {
  let vm: VM;
  let reports: VMEvent[];
  beforeAll(async () => {
    ({ vm, reports } = await testVM({ schedulers: 2, resourceLimits: { maxOldGenerationSizeMb: 64 } }));
  });
  afterAll(() => vm.stop(200));

  it('takes only its own processes: they exit with a reason that says so, monitors elsewhere fire, and a new scheduler replaces it', async () => {
    const victimNeighbour = vm.spawnOn(0, idleForever);
    const survivor = vm.spawnOn(1, idleForever);
    vm.spawnOn(1, watch, victimNeighbour, vm.self);
    await vm.receive(isType('watching'));
    const hog = vm.spawnOn(0, eatMemory);
    const hogExit = vm.waitFor(hog);

    const seen = (await vm.receive(isType('down-seen'))) as { down: { reason: { schedulerDown: number; cause: string } }; scheduler: number };
    expect(seen.scheduler).toBe(1);
    expect(seen.down.reason.schedulerDown).toBe(0);
    expect(seen.down.reason.cause).toMatch(/memory/i);
    expect(await hogExit).toMatchObject({ schedulerDown: 0 });
    expect(vm.isAlive(victimNeighbour)).toBe(false);
    expect(vm.isAlive(survivor)).toBe(true);
    expect(reports.some((r) => r.type === 'scheduler_down' && r.scheduler === 0)).toBe(true);

    // The VM goes on: the replacement runs processes (this one waits in its inbox until it is up)...
    vm.spawnOn(0, request, 1, vm.self);
    expect(await vm.receive(isType('answer'))).toMatchObject({ id: 1, scheduler: 0 });
    // ...and shares work with the survivor again.
    const results = await vm.map([40, 40, 40, 40, 40, 40], spin, { chunkSize: 1 });
    expect(new Set(results.map((r) => r.scheduler))).toEqual(new Set([0, 1]));
  });
});
