/**
 * A worker pool, the way an OTP user writes one: a queue server hands out CPU-bound jobs
 * (prime counting over a range), N long-lived workers under a DynamicSupervisor pull them and
 * hand back the result. Two kinds of worker: a GenServer (handleInfo) and a coroutine with a
 * receive loop. Nothing is one-shot: what the VM has to do is place and balance long-lived
 * busy processes.
 */
import { DynamicSupervisor, GenServer, defineProcess, type Context, type Pid } from '@beamjs/runtime';
import { countPrimes, type Range } from './primes.js';

interface Queue {
  state: { jobs: Range[]; next: number; done: number; sum: number; notify: Pid<PoolDone> };
  args: [jobs: Range[], notify: Pid<PoolDone>];
  cast: { type: 'want'; from: Pid<JobMsg> } | { type: 'result'; count: number };
}

export type PoolDone = { type: 'pool-done'; sum: number };
/** What a worker gets from the queue: a job, or `null` once they are all out. */
export type JobMsg = { type: 'job'; job: Range | null };

/**
 * Workers pull with a demand of two (as GenStage consumers do): each asks for its next job
 * before it computes the one in hand, so a queue answering from a busy scheduler (between two
 * of its own workers' jobs) never leaves a worker waiting.
 */
const DEMAND = 2;

export const poolQueue = GenServer.define<Queue>(import.meta.url, 'poolQueue', {
  init: (_ctx, jobs, notify) => ({ ok: { jobs, next: 0, done: 0, sum: 0, notify } }),
  handleCast: (ctx, msg, s) => {
    if (msg.type === 'want') {
      const job = s.next < s.jobs.length ? s.jobs[s.next] : null;
      ctx.send(msg.from, { type: 'job', job });
      return { noreply: true, state: job ? { ...s, next: s.next + 1 } : s };
    }
    const next = { ...s, done: s.done + 1, sum: s.sum + msg.count };
    if (next.done === s.jobs.length) ctx.send(s.notify, { type: 'pool-done', sum: next.sum });
    return { noreply: true, state: next };
  },
});

type QueuePid = Pid<unknown>;
const want = (ctx: Context<any>, queue: QueuePid): void => GenServer.cast(ctx, queue as never, { type: 'want', from: ctx.self } as never);
const result = (ctx: Context<any>, queue: QueuePid, count: number): void => GenServer.cast(ctx, queue as never, { type: 'result', count } as never);

interface Worker {
  state: QueuePid;
  args: [queue: QueuePid];
  info: JobMsg;
}

export const poolServerWorker = GenServer.define<Worker>(import.meta.url, 'poolServerWorker', {
  init: (ctx, queue) => {
    for (let i = 0; i < DEMAND; i++) want(ctx, queue);
    return { ok: queue };
  },
  handleInfo: (ctx, msg, queue) => {
    if (msg.job === null) return { noreply: true, state: queue };
    want(ctx, queue);
    result(ctx, queue, countPrimes(msg.job[0], msg.job[1]));
    return { noreply: true, state: queue };
  },
});

export const poolCoroutineWorker = defineProcess(import.meta.url, 'poolCoroutineWorker', async (ctx: Context<JobMsg>, queue: QueuePid) => {
  for (let i = 0; i < DEMAND; i++) want(ctx, queue);
  for (;;) {
    const { job } = await ctx.receive();
    if (job === null) break;
    want(ctx, queue);
    result(ctx, queue, countPrimes(job[0], job[1]));
  }
  await ctx.receive(); // stays until its supervisor stops it, like a pool worker
});

/**
 * The raw limit the pool is measured against: the same jobs dealt out in advance, one process
 * bound to each scheduler, no queue and no supervisor. What is left between this and the pool
 * is the cost of pulling jobs (and of starting the workers); what is left between this and 2x
 * is the machine's (two hardware threads that share a core, memory bandwidth).
 */
export const splitWorker = defineProcess(import.meta.url, 'poolSplitWorker', (ctx: Context<never>, jobs: Range[], to: Pid<PoolDone>) => {
  let sum = 0;
  for (const [from, below] of jobs) sum += countPrimes(from, below);
  ctx.send(to, { type: 'pool-done', sum });
});

/** Runs the jobs dealt out in advance over `schedulers` bound processes: the sum of their results. */
export async function runSplit(ctx: Context<any>, schedulers: number, jobs: Range[]): Promise<number> {
  for (let i = 0; i < schedulers; i++) {
    ctx.spawnWith(splitWorker, [jobs.filter((_, k) => k % schedulers === i), ctx.self as Pid<PoolDone>], { scheduler: i });
  }
  let sum = 0;
  for (let i = 0; i < schedulers; i++) sum += ((await ctx.receive((m: unknown) => (m as PoolDone)?.type === 'pool-done')) as PoolDone).sum;
  return sum;
}

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
