/**
 * Issue 3's transport figures on the VM: a source on one scheduler streams small messages
 * to a sink on another (throughput), and a pinger and a ponger on two schedulers bounce one
 * message (round trips). Each reports the scheduler it ran on, so the harness can check
 * that the messages really crossed threads.
 */
import { defineActor, defineProcess, type Context, type Pid } from '@beamjs/runtime';

export type Item = { seq: number };
export type SinkReport = { t: 'sink'; received: number; inOrder: boolean; scheduler: number };
export type PingReport = { t: 'pinger'; rounds: number; inOrder: boolean; scheduler: number; ponger: number };

export const isSinkReport = (m: unknown): m is SinkReport => typeof m === 'object' && m !== null && (m as SinkReport).t === 'sink';
export const isPingReport = (m: unknown): m is PingReport => typeof m === 'object' && m !== null && (m as PingReport).t === 'pinger';

/** Receives `count` messages, checks they came in order, and reports. */
export const sink = defineProcess(import.meta.url, 'xt.sink', async (ctx: Context<Item>, count: number, report: Pid<SinkReport>) => {
  let inOrder = true;
  for (let i = 0; i < count; i++) {
    const m = await ctx.receive();
    if (m.seq !== i) inOrder = false;
  }
  ctx.send(report, { t: 'sink', received: count, inOrder, scheduler: ctx.schedulerId });
});

interface ActorSinkState {
  count: number;
  received: number;
  inOrder: boolean;
  report: Pid<SinkReport>;
}

/** The same sink as an actor (a callback per message, no coroutine to resume): reports and exits after `count`. */
export const actorSink = defineActor(import.meta.url, 'xt.actorSink', {
  init: (_ctx: Context<Item>, count: number, report: Pid<SinkReport>): ActorSinkState => ({ count, received: 0, inOrder: true, report }),
  handle(ctx: Context<Item>, m: Item, state: ActorSinkState): ActorSinkState {
    if (m.seq !== state.received) state.inOrder = false;
    if (++state.received === state.count) {
      ctx.send(state.report, { t: 'sink', received: state.received, inOrder: state.inOrder, scheduler: ctx.schedulerId });
      return ctx.exit();
    }
    return state;
  },
});

/** Sends `count` messages `{ seq }` to `to`, as fast as it can. */
export const source = defineProcess(import.meta.url, 'xt.source', (ctx: Context<never>, to: Pid<Item>, count: number) => {
  for (let i = 0; i < count; i++) ctx.send(to, { seq: i });
});

type PongMsg = { t: 'ping'; from: Pid<number>; i: number; scheduler: number } | { t: 'stop' };

/** Answers every ping with its number; tells the pinger where it runs through the pings' replies. */
export const ponger = defineProcess(import.meta.url, 'xt.ponger', async (ctx: Context<PongMsg>) => {
  for (;;) {
    const m = await ctx.receive();
    if (m.t === 'stop') return;
    ctx.send(m.from, m.i);
  }
});

/** Makes `rounds` round trips to the ponger, one at a time, then reports. */
export const pinger = defineProcess(
  import.meta.url,
  'xt.pinger',
  async (ctx: Context<number>, pong: Pid<PongMsg>, pongScheduler: number, rounds: number, report: Pid<PingReport>) => {
    let inOrder = true;
    for (let i = 0; i < rounds; i++) {
      ctx.send(pong, { t: 'ping', from: ctx.self, i, scheduler: ctx.schedulerId });
      if ((await ctx.receive()) !== i) inOrder = false;
    }
    ctx.send(pong, { t: 'stop' });
    ctx.send(report, { t: 'pinger', rounds, inOrder, scheduler: ctx.schedulerId, ponger: pongScheduler });
  },
);
