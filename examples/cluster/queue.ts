/**
 * The queue node: `beamjs run examples/cluster/queue.ts --node a --cluster nats://127.0.0.1:4222 [-- jobs bound]`.
 * Splits "primes below `bound`" into `jobs` jobs, hands them to the workers of the other
 * nodes, and adds up the results. `kill -9` a worker node meanwhile: its jobs are done by the
 * others, and the total is still right.
 */
import type { Context } from '@beamjs/runtime';
import { queue, type Done, type Job, type Requeued } from './jobs.js';

export async function main(ctx: Context<Done | Requeued | { type: 'nodeup' | 'nodedown'; node: string }>, args: string[]): Promise<void> {
  const jobs = Number(args[0] ?? 200);
  const bound = Number(args[1] ?? 20_000_000);
  const size = Math.ceil(bound / jobs);
  const list: Job[] = Array.from({ length: jobs }, (_, id) => ({ id, from: id * size, to: Math.min(bound, (id + 1) * size) }));
  ctx.spawnLink(queue, list, ctx.self);
  ctx.monitorNodes();
  console.log(`queue on ${ctx.node()}: ${jobs} jobs (primes below ${bound}); nodes up: ${ctx.nodes().join(', ') || 'none yet'}`);
  const perNode = new Map<string, number>();
  let total = 0;
  for (let done = 0; done < jobs; ) {
    const msg = await ctx.receive();
    if ('done' in msg) {
      done++;
      total += msg.primes;
      perNode.set(msg.node, (perNode.get(msg.node) ?? 0) + 1);
      if (done % Math.max(1, Math.floor(jobs / 10)) === 0) console.log(`${done}/${jobs} done (${[...perNode].map(([n, c]) => `${n}: ${c}`).join(', ')})`);
    } else if ('requeued' in msg) {
      console.log(`job ${msg.requeued} put back: its worker on ${msg.node} went (${JSON.stringify(msg.reason)})`);
    } else {
      console.log(`${msg.type} ${msg.node}`);
    }
  }
  console.log(`${total} primes below ${bound} (jobs per node: ${[...perNode].map(([n, c]) => `${n} ${c}`).join(', ')})`);
}

