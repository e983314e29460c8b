import { describe, expect, it } from 'vitest';
import { TIMEOUT, defineProcess, type Context, type Pid } from '../src/index.js';
import { quietRuntime } from './helpers.js';

const armsTimers = defineProcess(import.meta.url, 'armsTimers', async (ctx: Context<string>, to: Pid<string>) => {
  ctx.sendAfter(to, 'from a dead process', 30);
  ctx.sendAfter(ctx.self, 'tick', 1000);
  ctx.send(to, 'armed');
  await ctx.receive((m) => m === 'die');
});

describe('timers', () => {
  it('sendAfter delivers later; cancelTimer returns the time left, then false', async () => {
    const { rt, me } = quietRuntime();
    const ref = me.sendAfter(me.self, 'late', 20);
    expect(await me.receive(0)).toBe(TIMEOUT);
    expect(await me.receive()).toBe('late');
    expect(me.cancelTimer(ref)).toBe(false);
    const long = me.sendAfter(me.self, 'never', 10_000);
    const left = me.cancelTimer(long);
    expect(left).toBeGreaterThan(9000);
    expect(left).toBeLessThanOrEqual(10_000);
    expect(me.cancelTimer(long)).toBe(false);
    expect(await me.receive(30)).toBe(TIMEOUT);
    await rt.stop(50);
  });

  it('a timer is tied to its destination: it fires after its setter exits, and dies with the process it is for', async () => {
    const { rt, me } = quietRuntime();
    const pid = rt.spawn(armsTimers, [me.self]);
    expect(await me.receive()).toBe('armed');
    expect(rt.timers.size).toBe(2);
    me.send(pid, 'die');
    await rt.whenExit(pid);
    // The timer to itself went with it; the one to `me` is still set, and fires.
    expect(rt.timers.size).toBe(1);
    expect(await me.receive(2000)).toBe('from a dead process');
    expect(rt.timers.size).toBe(0);
    await rt.stop(50);
  });

  it('readTimer tells the time left without cancelling; both say false once it fired', async () => {
    const { rt, me } = quietRuntime();
    const ref = me.sendAfter(me.self, 'soon', 40);
    const left = me.readTimer(ref);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(40);
    expect(await me.receive(2000)).toBe('soon');
    expect(me.readTimer(ref)).toBe(false);
    expect(me.cancelTimer(ref)).toBe(false);
    expect(me.readTimer(12345)).toBe(false);
    await rt.stop(50);
  });

  it('a receive timeout is cleaned up when its process is killed', async () => {
    const { rt, me } = quietRuntime();
    const waits = defineProcess(import.meta.url, 'waits', async (ctx: Context<unknown>) => {
      await ctx.receive(10_000);
    });
    const pid = rt.spawn(waits);
    await Promise.resolve();
    me.exit(pid, 'kill');
    await rt.whenExit(pid);
    await rt.stop(50);
    // Nothing keeps the event loop busy: vitest would time out on a leaked 10 s timer otherwise.
  });

  it('rejects a bad delay with ERR_INVALID_TIMEOUT', async () => {
    const { rt, me } = quietRuntime();
    expect(() => me.sendAfter(me.self, 'x', -1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_TIMEOUT' }));
    expect(() => me.sendAfter(me.self, () => 1, 5)).toThrow(expect.objectContaining({ code: 'ERR_UNCLONEABLE' }));
    await rt.stop(50);
  });
});
