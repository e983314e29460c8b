/**
 * CPU-bound pool jobs: the same functions on one plain thread, as VM jobs (`vm.map`) with
 * 1..8 schedulers, and as piscina tasks with one thread per core. Also the small-task
 * throughput: trivial jobs, where only the cost per job shows.
 */
import { expectEqual, timeRuns, toRate } from '../harness/measure.js';
import { withPiscina, withVM, type Pool } from '../harness/runners.js';
import type { Suite, SuiteContext } from '../harness/results.js';
import type { VM } from '@beamjs/scheduler';
import { PRIMES_BELOW, countPrimes, primeChunks, primesInRange } from '../workloads/primes.js';
import { QUEENS_SOLUTIONS, countQueens, queensFrom, queensPrefixes } from '../workloads/nqueens.js';
import { computeBand, imageChecksum, mandelbrotBand, mandelbrotBands, newImage, type MandelbrotImage } from '../workloads/mandelbrot.js';
import { expectedIncrementSum, incrementJob } from '../workloads/trivial.js';

const MODULES = ['primes', 'nqueens', 'mandelbrot', 'trivial'].map((m) => new URL(`../workloads/${m}.ts`, import.meta.url));

/** One CPU-bound workload: its jobs, and how each runner computes the answer from them. */
interface CpuWorkload {
  name: string;
  note: string;
  thread(): number | Promise<number>;
  vm(vm: VM): Promise<number>;
  pool(pool: Pool): Promise<number>;
  /** The known answer (computed on this thread for Mandelbrot). */
  expected(): number;
}

const sum = (xs: readonly unknown[]): number => xs.reduce<number>((a, b) => a + (b as number), 0);

function workloads(quick: boolean): CpuWorkload[] {
  const limit = quick ? 1_000_000 : 5_000_000;
  const ranges = primeChunks(limit, 64);
  const queens = (n: number, name: string): CpuWorkload => {
    const jobs = queensPrefixes(n, 2);
    return {
      name,
      note: `N=${n}, ${jobs.length} jobs (placements of the first 2 rows)`,
      thread: () => sum(jobs.map(([m, c]) => countQueens(m, c))),
      vm: async (vm) => sum(await vm.map(jobs, queensFrom)),
      pool: async (pool) => sum(await Promise.all(jobs.map((j) => pool.run('queens', j)))),
      expected: () => QUEENS_SOLUTIONS[n],
    };
  };
  const image: MandelbrotImage = quick ? { width: 800, height: 600, maxIter: 500 } : { width: 1200, height: 900, maxIter: 1000 };
  const buffer = newImage(image);
  const bands = mandelbrotBands(buffer, image, 8);
  const pixels = new Int32Array(buffer);
  /** Clears the image, runs, and checks that what the jobs wrote to shared memory adds up to what they returned. */
  const mandel = async (compute: () => Promise<number> | number): Promise<number> => {
    pixels.fill(0);
    const returned = await compute();
    expectEqual('mandelbrot image checksum', imageChecksum(buffer), returned);
    return returned;
  };
  let mandelExpected: number | undefined;
  return [
    {
      name: 'primes',
      note: `primes below ${limit.toLocaleString('en-US')} by trial division, 64 chunks`,
      thread: () => sum(ranges.map(([a, b]) => countPrimes(a, b))),
      vm: async (vm) => sum(await vm.map(ranges, primesInRange)),
      pool: async (pool) => sum(await Promise.all(ranges.map((r) => pool.run('primes', r)))),
      expected: () => PRIMES_BELOW[limit],
    },
    queens(12, 'nqueens'),
    queens(quick ? 13 : 14, 'nqueens-large'),
    {
      name: 'mandelbrot',
      note: `${image.width}x${image.height}, ${image.maxIter} iterations, ${bands.length} bands of 8 rows written into one SharedArrayBuffer`,
      thread: () => mandel(() => sum(bands.map((b) => computeBand(b)))),
      vm: (vm) => mandel(async () => sum(await vm.map(bands, mandelbrotBand))),
      pool: (pool) => mandel(async () => sum(await Promise.all(bands.map((b) => pool.run('mandelbrot', b))))),
      expected: () => (mandelExpected ??= sum(bands.map((b) => computeBand(b)))),
    },
  ];
}

export const cpuSuite: Suite = {
  name: 'cpu',
  workloads: ['primes', 'nqueens', 'nqueens-large', 'mandelbrot', 'small-tasks'],
  async run(ctx: SuiteContext): Promise<void> {
    const list = workloads(ctx.quick).filter((w) => ctx.selected(w.name));
    const smallTasks = ctx.quick ? 20_000 : 100_000;
    const wantSmall = ctx.selected('small-tasks');
    const reps = { warmup: ctx.warmup, reps: ctx.reps };

    for (const w of list) {
      await ctx.workload(w.name, 'thread', async () => {
        const summary = await timeRuns(w.thread, reps, (r) => expectEqual(w.name, r, w.expected()));
        ctx.record({ workload: w.name, runner: 'thread', unit: 'ms', better: 'lower', baseline: 'thread', summary, note: w.note });
      });
    }

    const counts = [...new Set([1, ctx.cores, ...ctx.sweep])].sort((a, b) => a - b);
    for (const schedulers of counts) {
      if (list.length === 0 && !(wantSmall && schedulers === ctx.cores)) continue;
      await withVM(schedulers, MODULES, async (vm) => {
        for (const w of list) {
          await ctx.workload(w.name, `vm-${schedulers}`, async () => {
            const summary = await timeRuns(() => w.vm(vm), reps, (r) => expectEqual(w.name, r, w.expected()));
            ctx.record({ workload: w.name, runner: `vm-${schedulers}`, unit: 'ms', better: 'lower', baseline: 'thread', summary, note: w.note });
          });
        }
        if (wantSmall && schedulers === ctx.cores) {
          await ctx.workload('small-tasks', `vm-${schedulers}`, async () => {
            const items = Array.from({ length: smallTasks }, (_, i) => i);
            const times = await timeRuns(() => vm.map(items, incrementJob), reps, (r) => expectEqual('small-tasks', sum(r), expectedIncrementSum(smallTasks)));
            ctx.record({
              workload: 'small-tasks',
              runner: `vm-${schedulers}`,
              unit: 'jobs/s',
              better: 'higher',
              summary: toRate(times, smallTasks),
              note: `${smallTasks.toLocaleString('en-US')} trivial jobs (x + 1) through vm.map`,
            });
          });
        }
      });
    }

    if (list.length === 0 && !wantSmall) return;
    await withPiscina(ctx.cores, async (pool) => {
      const runner = `piscina-${ctx.cores}`;
      for (const w of list) {
        await ctx.workload(w.name, runner, async () => {
          const summary = await timeRuns(() => w.pool(pool), reps, (r) => expectEqual(w.name, r, w.expected()));
          ctx.record({ workload: w.name, runner, unit: 'ms', better: 'lower', baseline: 'thread', summary, note: w.note });
        });
      }
      if (wantSmall) {
        await ctx.workload('small-tasks', runner, async () => {
          const run = async () => sum(await Promise.all(Array.from({ length: smallTasks }, (_, i) => pool.run('increment', i))));
          // A pool's per-task cost does not need warm-up runs of 100,000 tasks: one short batch warms the threads.
          await Promise.all(Array.from({ length: 1000 }, (_, i) => pool.run('increment', i)));
          const times = await timeRuns(run, { warmup: 0, reps: ctx.reps }, (r) => expectEqual('small-tasks', r, expectedIncrementSum(smallTasks)));
          ctx.record({
            workload: 'small-tasks',
            runner,
            unit: 'jobs/s',
            better: 'higher',
            summary: toRate(times, smallTasks),
            note: `${smallTasks.toLocaleString('en-US')} trivial tasks, one pool.run each`,
          });
        });
      }
    });
  },
};
