import { describe, expect, it } from 'vitest';
import { defineActor, type Context, type Pid } from '../src/index.js';
import { counter } from './fixtures/procs.js';
import { quietRuntime } from './helpers.js';

type KvMsg = { put: [string, number] } | { get: string; to: Pid<number | undefined> } | { slowPut: [string, number] };
const kv = defineActor(import.meta.url, 'kv', {
  init: async (_ctx: Context<KvMsg>, seed: Record<string, number>) => ({ ...seed }),
  handle: async (ctx: Context<KvMsg>, msg: KvMsg, state: Record<string, number>) => {
    if ('put' in msg) return { ...state, [msg.put[0]]: msg.put[1] };
    if ('slowPut' in msg) {
      await new Promise((r) => setTimeout(r, 10));
      return { ...state, [msg.slowPut[0]]: msg.slowPut[1] };
    }
    ctx.send(msg.to, state[msg.get]);
    return state;
  },
});

describe('behaviour processes (actors)', () => {
  it('handle messages one at a time in order, threading their state', async () => {
    const { rt, me } = quietRuntime();
    const pid = rt.spawn(counter, [10]);
    for (let i = 0; i < 5; i++) me.send(pid, 'inc');
    me.send(pid, { get: me.self });
    expect(await me.receive()).toBe(15);
    await rt.stop(50);
  });

  it('may have async init and handle: the next message waits until the previous one is done', async () => {
    const { rt, me } = quietRuntime();
    const pid = rt.spawn(kv, [{ a: 1 }]);
    me.send(pid, { slowPut: ['b', 2] });
    me.send(pid, { get: 'b', to: me.self });
    me.send(pid, { put: ['a', 3] });
    me.send(pid, { get: 'a', to: me.self });
    expect([await me.receive(), await me.receive()]).toEqual([2, 3]);
    await rt.stop(50);
  });

  it('crash in handle like any process: the exit reason carries the error', async () => {
    const { rt, me } = quietRuntime();
    const fragile = defineActor(import.meta.url, 'fragile', {
      init: (_ctx: Context<number>) => 0,
      handle: (_ctx: Context<number>, n: number) => {
        if (n < 0) throw new Error('negative');
        return n;
      },
    });
    const [pid] = me.spawnMonitor(fragile);
    const exit = rt.whenExit(pid);
    me.send(pid, -1);
    expect(await exit).toMatchObject({ error: 'negative' });
    await rt.stop(50);
  });

  it('detach and attach move an idle actor with its state and mailbox', async () => {
    const { rt, me } = quietRuntime();
    const pid = rt.spawn(counter, [1]);
    await Promise.resolve();
    const moving = rt.detach(pid)!;
    expect(moving).toMatchObject({ pid, state: 1, mailbox: [] });
    expect(rt.isAlive(pid)).toBe(false);
    rt.attach({ ...moving, mailbox: ['inc'] });
    me.send(pid, { get: me.self });
    expect(await me.receive()).toBe(2);
    await rt.stop(50);
  });
});
