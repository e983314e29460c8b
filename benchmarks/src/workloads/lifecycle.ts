/**
 * Processes that do nothing, for spawn rate and memory per process: one that ends at once,
 * and two kinds that wait forever (a coroutine in receive, an actor between messages).
 */
import { defineActor, defineProcess, type Context } from '@beamjs/runtime';

export const empty = defineProcess(import.meta.url, 'lifecycle.empty', () => undefined);

export const idleCoroutine = defineProcess(import.meta.url, 'lifecycle.idleCoroutine', async (ctx: Context<unknown>) => {
  await ctx.receive();
});

export const idleActor = defineActor(import.meta.url, 'lifecycle.idleActor', {
  init: () => 0,
  handle: (_ctx: Context<unknown>, _msg: unknown, state: number) => state,
});
