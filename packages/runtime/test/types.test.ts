import { describe, expect, expectTypeOf, it } from 'vitest';
import { GenServer, createRuntime, defineProcess, type Context, type Pid, type Timeout } from '../src/index.js';
import { stack } from './fixtures/gen-servers.js';

type Cmd = { op: 'add'; n: number } | { op: 'stop' };
const calc = defineProcess(import.meta.url, 'calc-types', async (ctx: Context<Cmd>, start: number) => {
  let total = start;
  for (;;) {
    const cmd = await ctx.receive();
    if (cmd.op === 'stop') return total;
    total += cmd.n;
  }
});

/** A server typed with everything but `calls`: it takes any request. */
interface Tally {
  state: number;
  args: [start: number];
  cast: 'inc';
  info: 'tick';
}
const tally = GenServer.define<Tally>(import.meta.url, 'tally-types', {
  init: (_ctx, start) => ({ ok: start }),
  handleCall: (_ctx, request, _from, state) => ({ reply: { got: request, state }, state }),
});

describe('types', () => {
  it('a GenServer typed without calls takes any request in GenServer.call; one with calls still checks them', async () => {
    const rt = createRuntime();
    const me = rt.mailbox();
    const server = await GenServer.start(me, tally, [7]);
    const reply = await GenServer.call(me, server, { anything: ['at', 'all'] });
    expectTypeOf(reply).toEqualTypeOf<unknown>();
    expect(reply).toEqual({ got: { anything: ['at', 'all'] }, state: 7 });
    expect(await GenServer.call(me, GenServer.named<Tally>('nobody-yet'), 'x').catch((e: { code: string }) => e.code)).toBe('ERR_NOPROC');
    // A Server<any>, a plain pid and a plain name still take any request.
    expect(await GenServer.call(me, server as GenServer.Server<any>, 'x')).toEqual({ got: 'x', state: 7 });
    expect(await GenServer.call(me, server as Pid<unknown>, 1)).toEqual({ got: 1, state: 7 });

    const typed = await GenServer.start(me, stack, [['a'], me.self as Pid<any>]);
    // Type-checked only, never run.
    // @ts-expect-error: a server with calls takes only its own requests
    const notAStackRequest = () => GenServer.call(me, typed, { anything: 1 });
    void notAStackRequest;
    expectTypeOf(await GenServer.call(me, typed, { type: 'pop' })).toEqualTypeOf<string | undefined>();
    await rt.stop(50);
  });

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
