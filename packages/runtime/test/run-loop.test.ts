import { describe, expect, it } from 'vitest';
import { defineActor, defineProcess, type Context, type Pid } from '../src/index.js';
import { quietRuntime } from './helpers.js';

type Ball = { ball: Pid<Ball | 'stop'>; left: number };

/** Plays ping-pong with whoever sends it the ball, until the rally is over. */
const player = defineProcess(import.meta.url, 'run-loop.player', async (ctx: Context<Ball | 'stop'>, done: Pid<'over'>) => {
  for (;;) {
    const m = await ctx.receive();
    if (m === 'stop') return;
    if (m.left === 0) ctx.send(done, 'over');
    else ctx.send(m.ball, { ball: ctx.self, left: m.left - 1 });
  }
});

/** An actor whose async callback messages itself: between two steps its loop is idle for a moment. */
const selfFeeder = defineActor(import.meta.url, 'run-loop.selfFeeder', {
  init: () => 0,
  handle: async (ctx: Context<'again' | 'stop'>, msg: 'again' | 'stop', n: number) => {
    if (msg === 'stop') return ctx.exit();
    await Promise.resolve();
    ctx.send(ctx.self, 'again');
    return n + 1;
  },
});

const quickProcess = defineProcess(import.meta.url, 'run-loop.quick', (ctx: Context<never>, to: Pid<string>) => ctx.send(to, 'quick ran'));

describe('the run loop', () => {
  it('two processes messaging each other without end still let timers and I/O run (the loop breathes)', async () => {
    const { rt, me } = quietRuntime();
    const a = me.spawn(player, me.self);
    const b = me.spawn(player, me.self);
    me.send(a, { ball: b, left: Number.MAX_SAFE_INTEGER });
    // A host timer and a process's own timer both fire while the rally goes on.
    const hostTimer = await new Promise<string>((resolve) => setTimeout(() => resolve('fired'), 20));
    expect(hostTimer).toBe('fired');
    me.sendAfter(me.self, 'tick', 10);
    expect(await me.receive((m) => m === 'tick', 2000)).toBe('tick');
    expect(rt.processInfo(a)!.messagesHandled + rt.processInfo(b)!.messagesHandled).toBeGreaterThan(100);
    await rt.stop(50);
  });

  it('an actor that feeds itself from an async callback still lets timers run', async () => {
    const { rt, me } = quietRuntime();
    const feeder = me.spawn(selfFeeder);
    me.send(feeder, 'again');
    // Each step ends with the loop idle for a moment while the callback's promise settles;
    // that must not count as the event loop having had its turn.
    expect(await new Promise<string>((resolve) => setTimeout(() => resolve('fired'), 20))).toBe('fired');
    expect(rt.processInfo(feeder)!.messagesHandled).toBeGreaterThan(10);
    me.send(feeder, 'stop');
    await rt.stop(50);
  });

  it('a process made runnable during a rally gets its turn before the rally ends', async () => {
    const { rt, me } = quietRuntime();
    const a = me.spawn(player, me.self);
    const b = me.spawn(player, me.self);
    me.send(a, { ball: b, left: 1_000_000 });
    const watcher = me.spawn(quickProcess, me.self);
    expect(await me.receive((m) => m === 'quick ran' || m === 'over')).toBe('quick ran');
    expect(rt.isAlive(watcher)).toBe(false);
    await rt.stop(50);
  });

  it('a long rally hands the thread back: the reporter blames nobody for holding it', async () => {
    const { rt, me, reports } = quietRuntime();
    const a = me.spawn(player, me.self);
    const b = me.spawn(player, me.self);
    me.send(a, { ball: b, left: 300_000 });
    expect(await me.receive((m) => m === 'over')).toBe('over');
    expect(reports.filter((r) => r.type === 'long_schedule')).toEqual([]);
    await rt.stop(50);
  });
});
