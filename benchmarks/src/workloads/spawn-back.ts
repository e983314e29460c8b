/**
 * Spawn as a CLI script sees it: `main` spawns `count` processes that each send one message
 * back, then receives them all (the Erlang twin is `beam_bench:run(spawn, ...)`).
 */
import { defineProcess, type Context, type Pid } from '@beamjs/runtime';

export const replier = defineProcess(import.meta.url, 'spawnBack.replier', (ctx: Context<never>, to: Pid<number>) => {
  ctx.send(to, 1);
});

export const spawnBack = defineProcess(import.meta.url, 'spawnBack', async (ctx: Context<number>, count: number) => {
  for (let i = 0; i < count; i++) ctx.spawn(replier, ctx.self);
  let got = 0;
  while (got < count) got += await ctx.receive();
  return got;
});
