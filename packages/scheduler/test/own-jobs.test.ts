import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pid } from '@beamjs/runtime';
import type { VM } from '@beamjs/scheduler';
import { rallyActor, reportScheduler, spawnAndMonitor, type RallyMsg } from './fixtures/procs.js';
import { isType, testVM } from './helpers.js';

describe('a scheduler that never runs out of work', () => {
  let vm: VM;
  beforeAll(async () => {
    // No stealing, no balancing: scheduler 0's jobs can only be started by scheduler 0.
    ({ vm } = await testVM({ schedulers: 2, balanceIntervalMs: 0, stealing: false }));
  });
  afterAll(() => vm.stop());

  it('still starts the processes spawned on it, when no other scheduler may take them', async () => {
    // A rally of two actors keeps scheduler 0's run queue from ever emptying.
    const a = vm.spawnOn(0, rallyActor) as Pid<RallyMsg>;
    const b = vm.spawnOn(0, rallyActor) as Pid<RallyMsg>;
    vm.send(a, { type: 'ball', partner: b });
    // A child spawned there waits in scheduler 0's job ring: scheduler 0 must make room for it
    // although its run queue is never empty.
    vm.spawnOn(0, spawnAndMonitor, vm.self);
    const started = (await vm.receive(isType('child-started'), 5000)) as { scheduler: number } | symbol;
    expect(started).toMatchObject({ scheduler: 0 });
    vm.send(a, { type: 'stop' });
    vm.send(b, { type: 'stop' });
  });

  it('starts what the main thread spawns, though no scheduler may take jobs from another', async () => {
    // The main thread runs no processes: its jobs are everyone's, stealing or not. Nothing is
    // sent to these before they start, so nothing but a scheduler taking them starts them.
    for (let i = 0; i < 4; i++) vm.spawn(reportScheduler, vm.self);
    const ran = [];
    for (let i = 0; i < 4; i++) ran.push(await vm.receive(isType('child-started'), 5000));
    expect(ran.every((r) => typeof r === 'object')).toBe(true);
  });
});
