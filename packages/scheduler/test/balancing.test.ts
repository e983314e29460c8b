import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pid } from '@beamjs/runtime';
import type { VM, VMEvent } from '@beamjs/scheduler';
import { busyActor, spin, type BusyMsg } from './fixtures/procs.js';
import { isType, testVM } from './helpers.js';

describe('load balancing', () => {
  let vm: VM;
  let reports: VMEvent[];
  beforeAll(async () => {
    ({ vm, reports } = await testVM({ schedulers: 2, balanceIntervalMs: 20, longScheduleMs: 150 }));
  });
  afterAll(() => vm.stop(200));

  it('moves waiting behaviour processes from a loaded scheduler to an idle one, without passing them back and forth', async () => {
    const actors: Pid<BusyMsg>[] = [];
    for (let i = 0; i < 16; i++) actors.push(vm.spawnOn(0, busyActor, 3));
    for (let round = 0; round < 10; round++) for (const a of actors) vm.send(a, { type: 'work' });
    const where: { schedulers: number[]; handled: number }[] = [];
    for (const a of actors) {
      vm.send(a, { type: 'where', to: vm.self as never });
      where.push((await vm.receive((m) => isType('where')(m) && m.pid === a)) as { schedulers: number[]; handled: number });
    }
    expect(where.every((w) => w.handled === 10)).toBe(true);
    // Some moved to the idle scheduler and did work there.
    expect(where.some((w) => w.schedulers.includes(1))).toBe(true);
    const stats = await vm.stats();
    const moves = stats.reduce((n, s) => n + s.migrationsOut, 0);
    expect(stats[0].migrationsOut).toBeGreaterThan(0);
    // No thrashing: far fewer moves than messages handled.
    expect(moves).toBeLessThan(actors.length * 2);
  });

  it('reports a process that holds its scheduler too long, with its name and pid', async () => {
    const pid = vm.spawn(spin, 300);
    await vm.waitFor(pid);
    // Reports come over each scheduler's own channel, not the one the DOWN took: wait for it.
    const found = () => reports.find((r) => r.type === 'long_schedule' && r.pid === pid);
    for (let i = 0; i < 200 && !found(); i++) await new Promise((r) => setTimeout(r, 10));
    const event = found();
    expect(event).toMatchObject({ type: 'long_schedule', name: 'spin', pid });
    expect((event as { ms: number }).ms).toBeGreaterThanOrEqual(150);
    const stats = await vm.stats();
    expect(stats.reduce((n, s) => n + s.longSchedules, 0)).toBeGreaterThan(0);
  });
});
