/**
 * Micro-benchmarks with tinybench: one send + receive on one thread, the runtime's deepCopy
 * against structuredClone (what every message costs to copy), and pid lookups.
 */
import { Bench } from 'tinybench';
import { createRuntime, deepCopy } from '@beamjs/runtime';
import { summarize } from '../harness/measure.js';
import type { Suite, SuiteContext } from '../harness/results.js';
import { withVM } from '../harness/runners.js';
import { idleActor } from '../workloads/lifecycle.js';

const SMALL = { t: 'work', id: 42, from: 1234567, payload: [1, 2, 3], ok: true };
const MEDIUM = Array.from({ length: 100 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b'], score: i * 1.5 }));

interface MicroTask {
  workload: string;
  runner: string;
  baseline?: string;
  note: string;
  fn: () => unknown;
}

async function runTasks(ctx: SuiteContext, tasks: MicroTask[]): Promise<void> {
  const bench = new Bench({ time: ctx.quick ? 150 : 600, warmupTime: ctx.quick ? 50 : 200 });
  for (const t of tasks) bench.add(`${t.workload} / ${t.runner}`, t.fn);
  await bench.run();
  tasks.forEach((t, i) => {
    const result = bench.tasks[i].result;
    if (result.state !== 'completed') throw new Error(`${t.workload} / ${t.runner}: ${result.state === 'errored' ? result.error.message : result.state}`);
    ctx.record({
      workload: t.workload,
      runner: t.runner,
      unit: 'ops/s',
      better: 'higher',
      baseline: t.baseline,
      summary: summarize([result.throughput.mean]),
      spread: `±${result.throughput.rme.toFixed(1)}%`,
      note: t.note,
    });
  });
}

export const microSuite: Suite = {
  name: 'micro',
  workloads: ['send+receive', 'copy small message', 'copy 100-object message', 'pid lookup'],
  async run(ctx: SuiteContext): Promise<void> {
    const rt = createRuntime();
    try {
      const me = rt.mailbox<unknown>();
      const target = rt.spawn(idleActor);
      rt.register('bench.target', target);
      const tasks: MicroTask[] = [];
      if (ctx.selected('send+receive')) {
        tasks.push({
          workload: 'send+receive',
          runner: 'thread',
          note: 'a mailbox sends a small object to itself and awaits it (single-thread runtime; tinybench, ops/s mean ± relative margin of error)',
          fn: async () => {
            me.send(me.self, SMALL);
            await me.receive();
          },
        });
      }
      for (const [workload, msg] of [
        ['copy small message', SMALL],
        ['copy 100-object message', MEDIUM],
      ] as const) {
        if (!ctx.selected(workload)) continue;
        const note = `the copy every message gets: the runtime's deepCopy vs structuredClone of ${workload === 'copy small message' ? 'a 5-field object' : 'an array of 100 small objects'}`;
        tasks.push({ workload, runner: 'structuredClone', baseline: 'structuredClone', note, fn: () => structuredClone(msg) });
        tasks.push({ workload, runner: 'deepCopy', baseline: 'structuredClone', note, fn: () => deepCopy(msg) });
      }
      if (ctx.selected('pid lookup')) {
        const note = 'a registered name to its pid (whereis), and is a pid alive';
        tasks.push({ workload: 'pid lookup', runner: 'whereis (runtime)', note, fn: () => me.whereis('bench.target') });
        tasks.push({ workload: 'pid lookup', runner: 'isAlive (runtime)', note, fn: () => me.isAlive(target) });
      }
      // Named after its first task: ctx.workload skips names that --only did not select.
      if (tasks.length > 0) await ctx.workload(tasks[0].workload, 'thread', () => runTasks(ctx, tasks));
    } finally {
      await rt.stop(1000);
    }
    if (ctx.selected('pid lookup')) {
      await withVM(1, [new URL('../workloads/lifecycle.ts', import.meta.url)], async (vm) => {
        const pid = vm.context.spawnWith(idleActor, [], { name: 'bench.target' });
        const note = 'a registered name to its pid (whereis), and is a pid alive';
        await ctx.workload('pid lookup', 'vm', () =>
          runTasks(ctx, [
            { workload: 'pid lookup', runner: 'vm.whereis (shared table)', note, fn: () => vm.whereis('bench.target') },
            { workload: 'pid lookup', runner: 'vm.isAlive (directory)', note, fn: () => vm.isAlive(pid) },
          ]),
        );
      });
    }
  },
};
