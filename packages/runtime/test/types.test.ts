import { describe, expectTypeOf, it } from 'vitest';
import { createRuntime, defineProcess, type Context, type Pid, type Timeout } from '../src/index.js';

type Cmd = { op: 'add'; n: number } | { op: 'stop' };
const calc = defineProcess(import.meta.url, 'calc-types', async (ctx: Context<Cmd>, start: number) => {
  let total = start;
  for (;;) {
    const cmd = await ctx.receive();
    if (cmd.op === 'stop') return total;
    total += cmd.n;
  }
});

describe('types', () => {
  it('a pid only accepts the messages its process takes', async () => {
    const rt = createRuntime();
    const me = rt.mailbox();
    const pid = me.spawn(calc, 0);
    expectTypeOf(pid).toEqualTypeOf<Pid<Cmd>>();
    me.send(pid, { op: 'add', n: 1 });
    // @ts-expect-error: not a Cmd
    me.send(pid, { op: 'mul', n: 2 });
    // @ts-expect-error: spawn arguments are checked too
    me.spawn(calc, 'zero');
    await rt.stop(50);
  });

  it('a receive guard narrows the message type, and a timeout adds TIMEOUT to it', async () => {
    const rt = createRuntime();
    const me = rt.mailbox<Cmd>();
    me.send(me.self, { op: 'add', n: 1 });
    const add = await me.receive((m): m is Extract<Cmd, { op: 'add' }> => m.op === 'add');
    expectTypeOf(add).toEqualTypeOf<Extract<Cmd, { op: 'add' }>>();
    const maybe = await me.receive(0);
    expectTypeOf(maybe).toEqualTypeOf<Cmd | Timeout>();
    await rt.stop(50);
  });
});
