// What a piscina user expects of a worker pool, and the traps issue 13 found: a timeout that
// counts queue time, an intended hard cancel reported as an error, no backpressure, no way to
// see a dead thread or how busy the pool is.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startVM, type SchedulerDown, type VM } from '@beamjs/scheduler';
import { add, block, sleepy, square, stubborn } from './fixtures/library.js';
import { eatMemory } from '../packages/scheduler/test/fixtures/procs.js';
import { markRan } from './fixtures/slow-module.js';

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Occupies both schedulers with synchronous jobs of `ms`; resolves once both run. */
async function occupyBoth(vm: VM, ms: number): Promise<Promise<number>[]> {
  const started = new SharedArrayBuffer(8);
  const jobs = [vm.run(block, ms, started, 0), vm.run(block, ms, started, 1)];
  const flags = new Int32Array(started);
  await until(() => Atomics.load(flags, 0) === 1 && Atomics.load(flags, 1) === 1);
  return jobs;
}

describe('jobs as a piscina user expects them', () => {
  let vm: VM;
  beforeAll(async () => {
    vm = await startVM({ schedulers: 2, maxQueue: 3, onReport: () => {} });
  });
  afterAll(() => vm.stop(500));

  it("a job's timeout counts from when it starts running, not while it waits in the queue", async () => {
    const blockers = await occupyBoth(vm, 2500);
    // Queued behind 2.5 s of work on every scheduler, then runs for a few ms: within its 1.5 s.
    const queued = vm.runWith(sleepy, [5, 'ran'], { timeout: 1500 });
    expect(await queued).toBe('ran');
    await Promise.all(blockers);
    // A job that runs past its timeout still times out.
    await expect(vm.runWith(sleepy, [60_000, 'never'], { timeout: 100 })).rejects.toMatchObject({ code: 'ERR_JOB_TIMEOUT' });
  });

  it('vm.queueSize counts jobs that wait for a scheduler, and maxQueue turns one more away with ERR_QUEUE_FULL', async () => {
    expect(vm.queueSize).toBe(0);
    const blockers = await occupyBoth(vm, 1500);
    const queued = [vm.run(add, 1, 1), vm.run(add, 2, 2), vm.run(add, 3, 3)];
    expect(vm.queueSize).toBe(3);
    const error = await vm.run(add, 4, 4).catch((e: { code?: string; message: string }) => e);
    expect(error).toMatchObject({ code: 'ERR_QUEUE_FULL', message: expect.stringMatching(/3 jobs wait.*maxQueue: 3.*raise maxQueue/) });
    // vm.map holds back by itself (its concurrency): it is not turned away.
    const mapped = vm.map([1, 2, 3, 4, 5, 6], square);
    expect(await Promise.all(queued)).toEqual([2, 4, 6]);
    expect(await mapped).toEqual([1, 4, 9, 16, 25, 36]);
    await Promise.all(blockers);
    expect(vm.queueSize).toBe(0);
  });

  it('vm.utilization is the share of scheduler time spent running, from 0 to 1', async () => {
    await Promise.all(await occupyBoth(vm, 300));
    await until(() => vm.utilization > 0);
    expect(vm.utilization).toBeLessThanOrEqual(1);
  });
});

describe('scheduler threads that end', () => {
  it("a hard cancel is reported as intended, not as an error: 'schedulerDown' names the job, no 'error', nothing logged as an error", async () => {
    const errorLog = vi.spyOn(console, 'error').mockImplementation(() => {});
    // The default reporter, which prints. The fixture module is loaded up front: the job must be
    // in its endless loop when the hard cancel comes, not still loading (a job cancelled while
    // it loads just never runs: the next test).
    const vm = await startVM({ schedulers: 2, modules: [new URL('./fixtures/library.ts', import.meta.url)] });
    try {
      const downs: SchedulerDown[] = [];
      const errors: Error[] = [];
      vm.on('schedulerDown', (event) => downs.push(event));
      vm.on('error', (err) => errors.push(err));
      const state = new SharedArrayBuffer(4);
      const job = vm.runWith(stubborn, [state, 20_000], { timeout: 200, hardCancelAfterMs: 50 });
      await expect(job).rejects.toMatchObject({ code: 'ERR_JOB_TIMEOUT' });
      await until(() => downs.length >= 1, 30_000);
      expect(downs[0]).toMatchObject({ type: 'scheduler_down', hardCancelled: expect.any(Number), replaced: true });
      expect(errors).toEqual([]);
      expect(errorLog).not.toHaveBeenCalled();
      expect(await vm.run(add, 2, 3)).toBe(5); // the replacement works
    } finally {
      errorLog.mockRestore();
      await vm.stop(200);
    }
  });

  it('a job cancelled while its module loads never runs: its function is not called for a process that is gone', async () => {
    const vm = await startVM({ schedulers: 2, onReport: () => {} });
    try {
      const flag = new SharedArrayBuffer(4);
      await expect(vm.runWith(markRan, [flag], { timeout: 50 })).rejects.toMatchObject({ code: 'ERR_JOB_TIMEOUT' });
      await new Promise((resolve) => setTimeout(resolve, 1500)); // the module has loaded by now
      expect(Atomics.load(new Int32Array(flag), 0)).toBe(0);
      expect(await vm.run(markRan, new SharedArrayBuffer(4))).toBe('ran');
    } finally {
      await vm.stop();
    }
  });

  it("a scheduler that dies unintended emits 'error' (ERR_SCHEDULER_DOWN) and 'schedulerDown' to whoever listens", async () => {
    const vm = await startVM({ schedulers: 2, resourceLimits: { maxOldGenerationSizeMb: 64 }, onReport: () => {} });
    try {
      const errors: (Error & { code?: string; scheduler?: number })[] = [];
      const downs: SchedulerDown[] = [];
      vm.on('error', (err) => errors.push(err));
      vm.on('schedulerDown', (event) => downs.push(event));
      const hog = vm.spawnOn(0, eatMemory);
      await vm.waitFor(hog);
      await until(() => errors.length === 1 && downs.length === 1);
      expect(errors[0]).toMatchObject({ code: 'ERR_SCHEDULER_DOWN', scheduler: 0, message: expect.stringMatching(/scheduler 0 died/) });
      expect(downs[0]).toMatchObject({ scheduler: 0, replaced: true });
      expect(downs[0].hardCancelled).toBeUndefined();
    } finally {
      await vm.stop(200);
    }
  });
});
