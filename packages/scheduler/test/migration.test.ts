import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VM } from '@beamjs/scheduler';
import { exitWith, mover, refuseImports, request } from './fixtures/procs.js';
import { refusingEcho } from './fixtures/refuses-on-flag.js';
import { isType, testVM } from './helpers.js';

describe('a behaviour process that migrates', () => {
  let vm: VM;
  beforeAll(async () => {
    ({ vm } = await testVM({ schedulers: 2, balanceIntervalMs: 0 }));
  });
  afterAll(() => vm.stop(200));

  it('keeps its name, timers, links and monitors working on its new scheduler', async () => {
    const linked = vm.spawnOn(0, exitWith);
    const watched = vm.spawnOn(0, exitWith);
    const pid = vm.spawnOn(0, mover, 'the-mover', linked, watched, vm.self);
    vm.send(pid, { type: 'arm', ms: 150 });
    expect(await vm.receive(isType('armed'))).toMatchObject({ scheduler: 0 });

    expect(await vm.migrate(pid, 1)).toBe(true);
    expect(vm.schedulerOf(pid)).toBe(1);
    expect(vm.whereis('the-mover')).toBe(pid);
    const info = await vm.processInfo(pid);
    expect(info).toMatchObject({ registeredName: 'the-mover', scheduler: 1, links: [linked], trapExit: true });

    // The timer started on scheduler 0 fires on scheduler 1.
    expect(await vm.receive(isType('mover-saw'))).toMatchObject({ msg: { type: 'tick' }, scheduler: 1 });
    // Its name reaches it there.
    vm.send('the-mover', { type: 'ask', from: vm.self });
    expect(await vm.receive(isType('answer-from-mover'))).toMatchObject({ scheduler: 1 });
    // Its link and its monitor still fire.
    vm.send(linked, { reason: 'link-reason' });
    expect(await vm.receive(isType('mover-saw'))).toMatchObject({ msg: { type: 'EXIT', from: linked, reason: 'link-reason' }, scheduler: 1 });
    vm.send(watched, { reason: 'monitor-reason' });
    expect(await vm.receive(isType('mover-saw'))).toMatchObject({ msg: { type: 'DOWN', pid: watched, reason: 'monitor-reason' }, scheduler: 1 });
    // And it dies on its new scheduler like anywhere: its name goes with it.
    const exited = vm.waitFor(pid);
    vm.context.exit(pid, 'kill');
    expect(await exited).toBe('killed');
    expect(vm.whereis('the-mover')).toBeUndefined();
  });

  it('refuses to move a coroutine that has started', async () => {
    const pid = vm.spawnOn(0, exitWith);
    await new Promise((r) => setTimeout(r, 20));
    expect(await vm.migrate(pid, 1)).toBe(false);
    expect(vm.schedulerOf(pid)).toBe(0);
  });

  it('a process whose module cannot be loaded where it moved exits with that error; the scheduler goes on', async () => {
    vm.spawnOn(1, refuseImports, vm.self);
    expect(await vm.receive(isType('refusing'))).toMatchObject({ scheduler: 1 });
    const pid = vm.spawnOn(0, refusingEcho);
    vm.send(pid, { type: 'echo', to: vm.self });
    expect(await vm.receive(isType('echoed'))).toMatchObject({ scheduler: 0 });
    const exited = vm.waitFor(pid);
    while (!(await vm.migrate(pid, 1))) await new Promise((r) => setTimeout(r, 5));
    const reason = (await exited) as { error: string };
    expect(reason.error).toMatch(/refuses-on-flag\.ts cannot be loaded on this scheduler/);
    // Scheduler 1 is alive and well.
    vm.spawnOn(1, request, 7, vm.self);
    expect(await vm.receive(isType('answer'))).toMatchObject({ id: 7, scheduler: 1 });
  });
});
