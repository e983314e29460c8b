/**
 * Long-lived workers (issue 12): a DynamicSupervisor's pool of N = 2 x schedulers workers
 * pulling CPU-bound jobs from a queue server, GenServer workers and coroutine workers, on
 * 1, `cores` and 8 schedulers. What it shows: placement at spawn and balancing spread busy
 * long-lived processes over the cores (2 vs 1), and oversubscription costs little (8 vs 2).
 */
import { expectEqual, timeRuns } from '../harness/measure.js';
import { withVM } from '../harness/runners.js';
import type { Suite, SuiteContext } from '../harness/results.js';
import { PRIMES_BELOW, primeChunks } from '../workloads/primes.js';
import { runPool, runSplit, type WorkerKind } from '../workloads/worker-pool.js';

const MODULES = [new URL('../workloads/worker-pool.ts', import.meta.url)];
const KINDS: [WorkerKind, string][] = [
  ['genserver', 'worker pool (GenServer)'],
  ['coroutine', 'worker pool (coroutine)'],
];
/** The same jobs dealt out in advance, one bound process per scheduler: the ceiling for the pools' ratios. */
const RAW = 'worker pool: jobs dealt out in advance (raw limit)';

export const workerPoolSuite: Suite = {
  name: 'worker-pool',
  workloads: [...KINDS.map(([, name]) => name), RAW],
  async run(ctx: SuiteContext): Promise<void> {
    const kinds = KINDS.filter(([, name]) => ctx.selected(name));
    const raw = ctx.selected(RAW);
    if (kinds.length === 0 && !raw) return;
    const limit = ctx.quick ? 1_000_000 : 2_000_000;
    const jobs = primeChunks(limit, ctx.quick ? 120 : 240);
    const reps = { warmup: ctx.warmup, reps: ctx.reps };
    for (const schedulers of [...new Set([1, ctx.cores, 8])].sort((a, b) => a - b)) {
      const workers = 2 * schedulers;
      await withVM(schedulers, MODULES, async (vm) => {
        for (const [kind, name] of kinds) {
          await ctx.workload(name, `vm-${schedulers}`, async () => {
            const summary = await timeRuns(() => runPool(vm.context, kind, workers, jobs), reps, (r) => expectEqual(name, r, PRIMES_BELOW[limit]));
            const moves = vm.migrations().length;
            ctx.record({
              workload: name,
              runner: `vm-${schedulers}`,
              unit: 'ms',
              better: 'lower',
              baseline: 'vm-1',
              summary,
              note: `${workers} workers (2 x schedulers) under a DynamicSupervisor, ${jobs.length} prime-counting jobs below ${limit.toLocaleString('en-US')} from a queue server; ${moves} moves by the balancer in the last runs`,
            });
          });
        }
        if (!raw || schedulers > ctx.cores) return;
        await ctx.workload(RAW, `vm-${schedulers}`, async () => {
          const summary = await timeRuns(() => runSplit(vm.context, schedulers, jobs), reps, (r) => expectEqual(RAW, r, PRIMES_BELOW[limit]));
          ctx.record({
            workload: RAW,
            runner: `vm-${schedulers}`,
            unit: 'ms',
            better: 'lower',
            baseline: 'vm-1',
            summary,
            note: `the same ${jobs.length} jobs dealt out in advance to one process bound to each scheduler: no queue, no supervisor; the pools' 2-vs-1 ratio cannot beat this one's`,
          });
        });
      });
    }
  },
};
