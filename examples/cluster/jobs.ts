/**
 * A job queue across nodes: the queue on one node, workers on others. Every node loads this
 * module (the same code on every node, as Erlang requires).
 */
import { Supervisor, defineProcess, isDownMessage, type AnyPid, type Context, type DownMessage } from '@beamjs/runtime';
import { countPrimes } from '../primes.js';

export interface Job {
  id: number;
  from: number;
  to: number;
}

export type Done = { done: number; primes: number; worker: AnyPid; node: string };
export type Requeued = { requeued: number; node: string | undefined; reason: unknown };
type QueueMsg = { take: AnyPid } | Done | DownMessage;

/**
 * The queue (global name `jobs`): hands a job to each worker that asks. It monitors its
 * workers: one that crashes, or whose node goes down (`noconnection`), has its job put back
 * at the front, for the next worker that asks. Reports every result and requeue to `report`.
 */
export const queue = defineProcess(import.meta.url, 'queue', async (ctx: Context<QueueMsg>, jobs: Job[], report: AnyPid) => {
  if (!(await ctx.registerGlobal('jobs'))) throw new Error("another queue holds the global name 'jobs'");
  const pending = [...jobs];
  const waiting: AnyPid[] = [];
  const busy = new Map<AnyPid, Job>();
  const watched = new Set<AnyPid>();
  let left = jobs.length;
  while (left > 0) {
    const msg = await ctx.receive();
    if (isDownMessage(msg)) {
      const worker = msg.pid as AnyPid;
      watched.delete(worker);
      const at = waiting.indexOf(worker);
      if (at >= 0) waiting.splice(at, 1);
      const job = busy.get(worker);
      busy.delete(worker);
      if (job) {
        pending.unshift(job);
        ctx.send(report, { requeued: job.id, node: ctx.nodeOf(worker), reason: msg.reason } satisfies Requeued);
      }
    } else if ('take' in msg) {
      if (!watched.has(msg.take)) {
        ctx.monitor(msg.take);
        watched.add(msg.take);
      }
      waiting.push(msg.take);
    } else if (busy.get(msg.worker)?.id === msg.done) {
      busy.delete(msg.worker);
      left--;
      ctx.send(report, msg);
    }
    while (pending.length > 0 && waiting.length > 0) {
      const worker = waiting.shift()!;
      const job = pending.shift()!;
      busy.set(worker, job);
      ctx.send(worker, { job });
    }
  }
  await ctx.unregisterGlobal('jobs');
});

type WorkerMsg = { job: Job } | DownMessage;

/** Asks the queue (wherever it is in the cluster) for a job, does it, reports, asks again. */
export const worker = defineProcess(import.meta.url, 'worker', async (ctx: Context<WorkerMsg>) => {
  for (;;) {
    // From this node's replica of the global names (no request); none while the queue restarts.
    const jobs = await ctx.whereisGlobal('jobs');
    if (jobs === undefined) {
      await ctx.sleep(250);
      continue;
    }
    const ref = ctx.monitor(jobs);
    ctx.send(jobs, { take: ctx.self });
    const msg = await ctx.receive();
    if (isDownMessage(msg)) continue; // the queue is gone: look for the next one
    ctx.demonitor(ref, { flush: true });
    const { id, from, to } = msg.job;
    ctx.send(jobs, { done: id, primes: countPrimes(from, to), worker: ctx.self, node: ctx.node() } satisfies Done);
  }
});

/** `count` workers on this node under a one_for_one supervisor. */
export function startWorkers(ctx: Context<unknown>, count: number): Promise<AnyPid> {
  return Supervisor.start(ctx, Array.from({ length: count }, (_, i) => ({ id: `worker-${i}`, start: { def: worker } })));
}
