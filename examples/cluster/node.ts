/**
 * A worker node: `beamjs run examples/cluster/node.ts --node b --cluster nats://127.0.0.1:4222 [-- workers]`.
 * Runs workers (one per core by default) under a supervisor; they take jobs from the queue,
 * wherever it runs. Stop it with Ctrl-C, or `kill -9` it: the queue gives its jobs to others.
 */
import os from 'node:os';
import type { Context } from '@beamjs/runtime';
import { startWorkers } from './jobs.js';

export async function main(ctx: Context<unknown>, args: string[]): Promise<void> {
  const count = Number(args[0] ?? os.availableParallelism());
  await startWorkers(ctx, count);
  console.log(`node ${ctx.node()}: ${count} workers; nodes up: ${ctx.nodes().join(', ') || 'none yet'}`);
  ctx.monitorNodes();
  for (;;) {
    const msg = (await ctx.receive()) as { type?: string; node?: string };
    if (msg.type === 'nodeup' || msg.type === 'nodedown') console.log(`node ${ctx.node()}: ${msg.type} ${msg.node}`);
  }
}
