/**
 * A worker pool, the way an OTP user writes one: a queue server hands out CPU-bound jobs
 * (prime counting over a range), N long-lived workers under a DynamicSupervisor pull them one
 * at a time and hand back the result. Two kinds of worker: a GenServer whose work runs in an
 * async handleContinue (it calls the queue, computes, continues), and a coroutine with a
 * receive loop. Nothing is one-shot: what the VM has to do is place and balance long-lived
 * busy processes.
 */
import { DynamicSupervisor, GenServer, defineProcess, type Context, type Pid } from '@beamjs/runtime';
import { countPrimes, type Range } from './primes.js';

interface Queue {
  state: { jobs: Range[]; next: number; done: number; sum: number; notify: Pid<PoolDone> };
  args: [jobs: Range[], notify: Pid<PoolDone>];
  calls: { take(): Range | null };
  cast: { type: 'result'; count: number };
}

export type PoolDone = { type: 'pool-done'; sum: number };

export const poolQueue = GenServer.define<Queue>(import.meta.url, 'poolQueue', {
  init: (_ctx, jobs, notify) => ({ ok: { jobs, next: 0, done: 0, sum: 0, notify } }),
  handleCall: {
    take: (_ctx, _req, _from, s) => (s.next < s.jobs.length ? { reply: s.jobs[s.next], state: { ...s, next: s.next + 1 } } : { reply: null, state: s }),
  },
  handleCast: (ctx, msg, s) => {
    const next = { ...s, done: s.done + 1, sum: s.sum + msg.count };
    if (next.done === s.jobs.length) ctx.send(s.notify, { type: 'pool-done', sum: next.sum });
    return { noreply: true, state: next };
  },
});

type QueuePid = Pid<unknown>;
const take = (ctx: Context<any>, queue: QueuePid): Promise<Range | null> => GenServer.call(ctx, queue as never, { type: 'take' } as never) as Promise<Range | null>;
const result = (ctx: Context<any>, queue: QueuePid, count: number): void => GenServer.cast(ctx, queue as never, { type: 'result', count } as never);

interface Worker {
  state: QueuePid;
  args: [queue: QueuePid];
}

export const poolServerWorker = GenServer.define<Worker>(import.meta.url, 'poolServerWorker', {
  init: (_ctx, queue) => ({ ok: queue, continue: 'next' }),
  handleContinue: async (ctx, _arg, queue) => {
    const job = await take(ctx, queue);
    if (job === null) return { noreply: true, state: queue };
    result(ctx, queue, countPrimes(job[0], job[1]));
    return { noreply: true, state: queue, continue: 'next' };
  },
});

export const poolCoroutineWorker = defineProcess(import.meta.url, 'poolCoroutineWorker', async (ctx: Context<unknown>, queue: QueuePid) => {
  for (let job = await take(ctx, queue); job !== null; job = await take(ctx, queue)) result(ctx, queue, countPrimes(job[0], job[1]));
  await ctx.receive(); // stays until its supervisor stops it, like a pool worker
});

export type WorkerKind = 'genserver' | 'coroutine';

/** Runs the whole pool from `ctx` (the VM's main-thread context): the sum of the jobs' results. */
export async function runPool(ctx: Context<any>, kind: WorkerKind, workers: number, jobs: Range[]): Promise<number> {
  const queue = await GenServer.start(ctx, poolQueue, [jobs, ctx.self as Pid<PoolDone>]);
  const sup = await DynamicSupervisor.start(ctx);
  for (let i = 0; i < workers; i++) {
    const def = kind === 'genserver' ? poolServerWorker : poolCoroutineWorker;
    await DynamicSupervisor.startChild(ctx, sup, { start: { def, args: [queue as QueuePid] } as never, restart: 'temporary' });
  }
  const done = (await ctx.receive((m: unknown) => (m as PoolDone)?.type === 'pool-done')) as PoolDone;
  await DynamicSupervisor.stop(ctx, sup);
  await GenServer.stop(ctx, queue);
  return done.sum;
}
