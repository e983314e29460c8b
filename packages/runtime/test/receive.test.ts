import { describe, expect, it } from 'vitest';
import { TIMEOUT, defineProcess, type Context, type Pid } from '../src/index.js';
import { quietRuntime } from './helpers.js';

type Tagged = { tag: 'a' | 'b'; n: number };
const isB = (m: Tagged): m is Tagged & { tag: 'b' } => m.tag === 'b';

/** Takes the first 'b' message, then everything else in order, and reports the order. */
const selective = defineProcess(import.meta.url, 'selective', async (ctx: Context<Tagged>, count: number, to: Pid<number[]>) => {
  const order: number[] = [];
  order.push((await ctx.receive(isB)).n);
  for (let i = 1; i < count; i++) order.push((await ctx.receive()).n);
  ctx.send(to, order);
});

describe('receive', () => {
  it('takes the first message that matches and leaves the others in order', async () => {
    const { rt, me } = quietRuntime();
    const pid = rt.spawn(selective, [5, me.self]);
    for (const [tag, n] of [['a', 1], ['a', 2], ['b', 3], ['a', 4], ['b', 5]] as const) me.send(pid, { tag, n });
    expect(await me.receive()).toEqual([3, 1, 2, 4, 5]);
    await rt.stop(50);
  });

  it('waits for a matching message that arrives later', async () => {
    const { rt, me } = quietRuntime();
    const pid = rt.spawn(selective, [3, me.self]);
    me.send(pid, { tag: 'a', n: 1 });
    me.send(pid, { tag: 'a', n: 2 });
    setTimeout(() => me.send(pid, { tag: 'b', n: 3 }), 5);
    expect(await me.receive()).toEqual([3, 1, 2]);
    await rt.stop(50);
  });

  it('with a timeout resolves to TIMEOUT when nothing matches in time, and 0 polls', async () => {
    const { rt, me } = quietRuntime();
    expect(await me.receive(20)).toBe(TIMEOUT);
    expect(await me.receive(0)).toBe(TIMEOUT);
    me.send(me.self, 'here');
    expect(await me.receive(0)).toBe('here');
    me.send(me.self, 'x');
    expect(await me.receive((m) => m === 'y', 10)).toBe(TIMEOUT);
    expect(await me.receive(Infinity)).toBe('x');
    await rt.stop(50);
  });

  it('rejects a negative, NaN or non-numeric timeout with ERR_INVALID_TIMEOUT', async () => {
    const { rt, me } = quietRuntime();
    for (const bad of [-1, NaN, '10', null]) {
      expect(() => me.receive(() => true, bad as number)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_TIMEOUT' }));
    }
    expect(() => me.receive(-5)).toThrow(/Infinity to wait forever/);
    expect(() => me.receive('soon' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    await rt.stop(50);
  });

  it('a match function that throws crashes the receiver, not the sender', async () => {
    const { rt, me, reports } = quietRuntime();
    const picky = defineProcess(import.meta.url, 'picky', async (ctx: Context<unknown>) => {
      await ctx.receive(() => {
        throw new Error('bad matcher');
      });
    });
    const pid = rt.spawn(picky);
    const exit = rt.whenExit(pid);
    await Promise.resolve();
    expect(() => me.send(pid, 'hi')).not.toThrow();
    expect(await exit).toMatchObject({ error: 'bad matcher' });
    // One crash, the receiver's (a loaded machine may add a long_schedule report: not a crash).
    expect(reports.filter((r) => r.type === 'crash')).toEqual([expect.objectContaining({ pid, reason: expect.objectContaining({ error: 'bad matcher' }) })]);
    await rt.stop(50);
  });

  it('sleep suspends a process while its mailbox keeps filling', async () => {
    const { rt, me } = quietRuntime();
    const sleeper = defineProcess(import.meta.url, 'sleeper', async (ctx: Context<string>, to: Pid<string[]>) => {
      await ctx.sleep(20);
      ctx.send(to, [await ctx.receive(), await ctx.receive()]);
    });
    const pid = rt.spawn(sleeper, [me.self]);
    me.send(pid, 'one');
    me.send(pid, 'two');
    expect(await me.receive()).toEqual(['one', 'two']);
    await rt.stop(50);
  });
});
