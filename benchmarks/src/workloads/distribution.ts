/**
 * Remote messaging between two cluster nodes: the processes of the distribution suite.
 * Both nodes load this module (the same code on every node, as Erlang requires).
 */
import { defineProcess, type AnyPid, type Context, type Pid } from '@beamjs/runtime';

/** Answers every `{ from, n }` with `n`. */
export const ponger = defineProcess(import.meta.url, 'ponger', async (ctx: Context<{ from: Pid<number>; n: number }>) => {
  for (;;) {
    const { from, n } = await ctx.receive();
    ctx.send(from, n);
  }
});

/** `rounds` round trips with `ponger`, one at a time; tells `done` when finished. */
export const pinger = defineProcess(import.meta.url, 'pinger', async (ctx: Context<number>, ponger: AnyPid, rounds: number, done: AnyPid) => {
  for (let n = 0; n < rounds; n++) {
    ctx.send(ponger, { from: ctx.self, n });
    if ((await ctx.receive()) !== n) throw new Error('ping-pong out of order');
  }
  ctx.send(done, rounds);
});

/** Counts `{ n }` messages; tells `done` once `count` arrived (in order, or it fails). */
export const sink = defineProcess(import.meta.url, 'sink', async (ctx: Context<{ n: number }>, count: number, done: AnyPid) => {
  for (let i = 0; i < count; i++) if ((await ctx.receive()).n !== i) throw new Error('stream out of order');
  ctx.send(done, count);
});

/** Sends `count` messages `{ n }` to `to`, yielding now and then so the scheduler's batches go out. */
export const source = defineProcess(import.meta.url, 'source', async (ctx: Context<never>, to: Pid<{ n: number }>, count: number) => {
  for (let n = 0; n < count; n++) {
    ctx.send(to, { n });
    if ((n & 1023) === 1023) await ctx.sleep(0);
  }
});
