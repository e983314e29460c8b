import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VM } from '@beamjs/scheduler';
import { idleForever, spin } from './fixtures/procs.js';
import { testVM } from './helpers.js';

describe('an idle VM', () => {
  let vm: VM;
  beforeAll(async () => {
    ({ vm } = await testVM({ schedulers: 2 }));
  });
  afterAll(() => vm.stop(200));

  it('sleeps: its threads use almost no CPU while processes wait for messages', async () => {
    for (let i = 0; i < 100; i++) vm.spawn(idleForever);
    await vm.run(spin, 1);
    await new Promise((r) => setTimeout(r, 100));
    // process.cpuUsage counts every thread of the process: the schedulers included.
    const before = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 1000));
    const used = process.cpuUsage(before);
    const ms = (used.user + used.system) / 1000;
    // Generous: a spinning scheduler would burn ~1000 ms here.
    expect(ms).toBeLessThan(150);
    expect(vm.statsNow().every((s) => s.sleeping)).toBe(true);
  });

  it('wakes a sleeping scheduler when work arrives', async () => {
    expect(vm.statsNow().every((s) => s.sleeping)).toBe(true);
    const results = await Promise.all([vm.run(spin, 20), vm.run(spin, 20)]);
    expect(results).toHaveLength(2);
  });
});
