/**
 * Moving an ArrayBuffer to another thread: `vm.runWith(job, [buffer], { transfer: [buffer] })`
 * against a raw `postMessage` with the same transfer list to a worker that answers with the
 * size. A transfer hands the memory over: its cost should not grow with the size. A plain
 * `vm.run` (a copy) is shown beside it.
 */
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { expectEqual, summarize, type Summary } from '../harness/measure.js';
import { withVM } from '../harness/runners.js';
import type { Suite, SuiteContext } from '../harness/results.js';
import { byteLengthJob } from '../workloads/bytes.js';

const MODULES = [new URL('../workloads/bytes.ts', import.meta.url)];
const RAW_WORKER = `require('node:worker_threads').parentPort.on('message', (b) => require('node:worker_threads').parentPort.postMessage(b.byteLength));`;

const sizesMb = (quick: boolean): number[] => (quick ? [1, 64] : [1, 16, 256]);
/** Copying is shown up to this size only: beyond, it takes seconds and says nothing new. */
const COPY_UP_TO_MB = 16;

/** Times `run(buffer)` with a fresh buffer each time, allocated (and zeroed) before the clock starts. */
async function timeWithFreshBuffer(bytes: number, options: { warmup: number; reps: number }, run: (buffer: ArrayBuffer) => Promise<number>): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < options.warmup + options.reps; i++) {
    const buffer = new ArrayBuffer(bytes);
    const start = performance.now();
    const size = await run(buffer);
    const ms = performance.now() - start;
    expectEqual(`transfer of ${bytes} bytes`, size, bytes);
    if (i >= options.warmup) samples.push(ms);
  }
  return summarize(samples);
}

export const transferSuite: Suite = {
  name: 'transfer',
  workloads: ['transfer 1 MB', 'transfer 16 MB', 'transfer 64 MB', 'transfer 256 MB'],
  async run(ctx: SuiteContext): Promise<void> {
    const sizes = sizesMb(ctx.quick).filter((mb) => ctx.selected(`transfer ${mb} MB`));
    if (sizes.length === 0) return;
    const reps = { warmup: ctx.warmup, reps: ctx.reps };
    const worker = new Worker(RAW_WORKER, { eval: true });
    try {
      for (const mb of sizes) {
        const bytes = mb << 20;
        const workload = `transfer ${mb} MB`;
        const note = `one ${mb} MB ArrayBuffer to another thread and its size back`;
        await ctx.workload(workload, 'raw postMessage', async () => {
          const summary = await timeWithFreshBuffer(bytes, reps, async (buffer) => {
            worker.postMessage(buffer, [buffer]);
            const [size] = await once(worker, 'message');
            return size as number;
          });
          ctx.record({ workload, runner: 'raw postMessage', unit: 'ms', better: 'lower', summary, note: `${note} (transfer list)` });
        });
      }
    } finally {
      await worker.terminate();
    }
    await withVM(1, MODULES, async (vm) => {
      for (const mb of sizes) {
        const bytes = mb << 20;
        const workload = `transfer ${mb} MB`;
        const note = `one ${mb} MB ArrayBuffer to a job and its size back`;
        await ctx.workload(workload, 'vm-1 transfer', async () => {
          const summary = await timeWithFreshBuffer(bytes, reps, (buffer) => vm.runWith(byteLengthJob, [buffer], { transfer: [buffer] }));
          ctx.record({ workload, runner: 'vm-1 transfer', unit: 'ms', better: 'lower', baseline: 'raw postMessage', summary, note: `${note} (runWith transfer)` });
        });
        if (mb > COPY_UP_TO_MB) continue;
        await ctx.workload(workload, 'vm-1 copy', async () => {
          const summary = await timeWithFreshBuffer(bytes, reps, (buffer) => vm.run(byteLengthJob, buffer));
          ctx.record({ workload, runner: 'vm-1 copy', unit: 'ms', better: 'lower', baseline: 'raw postMessage', summary, note: `${note} (vm.run, copied)` });
        });
      }
    });
  },
};
