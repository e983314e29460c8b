import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, Task } from '@beamjs/runtime';
import { startVM, type VM, type VMEvent } from '@beamjs/scheduler';
import { addTo, square, streamFromWorker, zero } from './fixtures/task-work.js';

const FIXTURES = new URL('./fixtures/task-work.ts', import.meta.url);

describe('Task and Agent on a 2-scheduler VM', () => {
  let vm: VM;
  const reports: VMEvent[] = [];
  beforeAll(async () => {
    vm = await startVM({ schedulers: 2, modules: [FIXTURES], onReport: (e) => reports.push(e) });
  });
  afterAll(() => vm.stop(200));

  it('Task.asyncStream returns the results in order, with tasks run on more than one scheduler', async () => {
    const items = Array.from({ length: 24 }, (_, n) => ({ n, ms: 15 }));
    const outcomes: { ok: { n: number; square: number; scheduler: number } }[] = [];
    for await (const outcome of Task.asyncStream(vm.context, items, square, { maxConcurrency: 4, timeout: 20_000 })) {
      outcomes.push(outcome as (typeof outcomes)[number]);
    }
    expect(outcomes.map((o) => o.ok.n)).toEqual(items.map((i) => i.n));
    expect(outcomes.map((o) => o.ok.square)).toEqual(items.map((i) => i.n * i.n));
    const schedulers = new Set(outcomes.map((o) => o.ok.scheduler));
    expect(schedulers.size).toBeGreaterThan(1);
    expect(vm.context.processInfo()).toMatchObject({ links: [], monitors: [], mailboxLength: 0 });
  });

  it('Task.async and Task.await work across threads, and a stream runs from inside a scheduler', async () => {
    const tasks = [1, 2, 3].map((n) => Task.async(vm.context, square, { n, ms: 1 }));
    const values = await Task.awaitMany(vm.context, tasks, 20_000);
    expect(values.map((v) => v.square)).toEqual([1, 4, 9]);

    vm.spawn(streamFromWorker, 10, vm.self);
    const report = (await vm.receive((m) => typeof m === 'object' && m !== null && 'outcomes' in m, 20_000)) as { outcomes: { ok: { n: number } }[] };
    expect(report.outcomes.map((o) => o.ok.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('an Agent runs keyed functions on whichever scheduler it lives on', async () => {
    const agent = await Agent.start(vm.context, zero);
    await Agent.update(vm.context, agent, addTo, 5);
    await Agent.update(vm.context, agent, addTo, 2);
    expect(await Agent.get(vm.context, agent)).toBe(7);
    await Agent.stop(vm.context, agent);
    expect(reports.filter((e) => e.type === 'crash')).toEqual([]);
  });
});
