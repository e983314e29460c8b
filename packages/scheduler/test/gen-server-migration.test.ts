import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenServer } from '@beamjs/runtime';
import { startVM, type VM, type VMEvent } from '@beamjs/scheduler';
import { counter } from '../../../test/fixtures/library.js';

/**
 * vm.migrate moves a process only between two messages with no signal on its way to it; right
 * after a call, the caller's demonitor may still be in flight, so try again for a moment.
 */
async function migrate(vm: VM, pid: number, to: number): Promise<boolean> {
  for (let tries = 0; tries < 100; tries++) {
    if (await vm.migrate(pid, to)) return true;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return false;
}

describe('a GenServer that migrates', () => {
  let vm: VM;
  const reports: VMEvent[] = [];
  beforeAll(async () => {
    // No periodic balancing: only vm.migrate moves the server. No `modules` either: the
    // scheduler it moves to may not have imported its module yet, and does so on arrival.
    vm = await startVM({ schedulers: 2, balanceIntervalMs: 0, onReport: (e) => reports.push(e) });
  });
  afterAll(() => vm.stop(200));

  it('keeps its state across vm.migrate between two calls, and answers from the other scheduler', async () => {
    const server = await GenServer.start(vm.context, counter, [10]);
    expect(await vm.call(server, { type: 'add', by: 5 })).toBe(15);
    const before = vm.schedulerOf(server)!;
    expect([0, 1]).toContain(before);
    expect(await vm.call(server, { type: 'where' })).toBe(before);

    const other = 1 - before;
    expect(await migrate(vm, server, other)).toBe(true);
    expect(vm.schedulerOf(server)).toBe(other);

    expect(await vm.call(server, { type: 'get' })).toBe(15);
    expect(await vm.call(server, { type: 'where' })).toBe(other);
    expect(await vm.call(server, { type: 'add', by: 1 })).toBe(16);

    // And back again, after a cast.
    vm.cast(server, { type: 'reset' });
    expect(await vm.call(server, { type: 'get' })).toBe(0);
    expect(await migrate(vm, server, before)).toBe(true);
    expect(vm.schedulerOf(server)).toBe(before);
    expect(await vm.call(server, { type: 'add', by: 2 })).toBe(2);
    expect(await vm.call(server, { type: 'where' })).toBe(before);

    await GenServer.stop(vm.context, server);
    expect(vm.isAlive(server)).toBe(false);
    expect(reports.filter((r) => r.type !== 'long_schedule')).toEqual([]);
  });
});
