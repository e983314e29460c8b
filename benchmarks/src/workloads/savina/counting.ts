/**
 * Savina counting: one producer sends `messages` increments to a counter actor, then asks
 * for the total; measures mailbox throughput from one sender to one receiver.
 */
import { defineActor, defineProcess, type Context, type Pid } from '@beamjs/runtime';

export interface CountingParams {
  messages: number;
}

type CounterMsg = { t: 'inc' } | { t: 'get'; from: Pid<number> };

const counter = defineActor(import.meta.url, 'savina.counter', {
  init: () => 0,
  handle(ctx: Context<CounterMsg>, msg: CounterMsg, count: number): number {
    if (msg.t === 'inc') return count + 1;
    ctx.send(msg.from, count);
    return ctx.exit();
  },
});

/** Returns the counter's total: `messages`. */
export const counting = defineProcess(import.meta.url, 'savina.counting', async (ctx: Context<number>, params: CountingParams) => {
  const pid = ctx.spawn(counter);
  const inc: CounterMsg = { t: 'inc' };
  for (let i = 0; i < params.messages; i++) ctx.send(pid, inc);
  ctx.send(pid, { t: 'get', from: ctx.self });
  return ctx.receive();
});
