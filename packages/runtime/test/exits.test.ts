import { describe, expect, it } from 'vitest';
import { isExitMessage, isCrash, defineProcess, type Context } from '../src/index.js';
import { exitWith, idle, quick, trapper } from './fixtures/procs.js';
import { quietRuntime } from './helpers.js';

describe('exit reasons and exit signals', () => {
  it('a process that returns exits normal; one that throws exits with { error, stack }', async () => {
    const { rt, me } = quietRuntime();
    expect(await rt.whenExit(rt.spawn(quick))).toBe('normal');
    const thrower = defineProcess(import.meta.url, 'thrower', () => {
      throw new TypeError('nope');
    });
    const reason = await rt.whenExit(rt.spawn(thrower));
    expect(isCrash(reason)).toBe(true);
    expect(reason).toMatchObject({ error: 'nope', name: 'TypeError' });
    expect((reason as { stack: string }).stack).toContain('exits.test.ts');
    expect(me.self).toBeTypeOf('number');
    await rt.stop(50);
  });

  it('ctx.exit(reason) ends the process with that reason', async () => {
    const { rt, me } = quietRuntime();
    const pid = rt.spawn(exitWith);
    const exit = rt.whenExit(pid);
    me.send(pid, { reason: { shutdown: 'maintenance' } });
    expect(await exit).toEqual({ shutdown: 'maintenance' });
    await rt.stop(50);
  });

  it('kill cannot be trapped: the process exits killed', async () => {
    const { rt, me } = quietRuntime();
    const partner = rt.spawn(idle);
    const trapping = rt.spawn(trapper, [partner, me.self]);
    await me.receive((m) => m === 'linked');
    const exit = rt.whenExit(trapping);
    me.exit(trapping, 'kill');
    expect(await exit).toBe('killed');
    await rt.stop(50);
  });

  it('a trapped exit signal becomes a message; an untrapped one ends the process; normal is ignored', async () => {
    const { rt, me } = quietRuntime();
    const partner = rt.spawn(idle);
    const trapping = rt.spawn(trapper, [partner, me.self]);
    await me.receive((m) => m === 'linked');
    me.exit(trapping, 'shutdown');
    expect(await me.receive(isExitMessage)).toEqual({ type: 'EXIT', from: me.self, reason: 'shutdown' });
    const plain = rt.spawn(idle);
    me.exit(plain, 'normal');
    expect(rt.isAlive(plain)).toBe(true);
    const exit = rt.whenExit(plain);
    me.exit(plain, 'shutdown');
    expect(await exit).toBe('shutdown');
    await rt.stop(50);
  });

  it('a process can exit itself normally with an exit signal to itself', async () => {
    const { rt } = quietRuntime();
    const selfish = defineProcess(import.meta.url, 'selfish', async (ctx: Context<unknown>) => {
      ctx.exit(ctx.self, 'normal');
      await ctx.receive();
    });
    expect(await rt.whenExit(rt.spawn(selfish))).toBe('normal');
    await rt.stop(50);
  });

  it('the code of a killed process stops at its next step', async () => {
    const { rt, me } = quietRuntime();
    const steps: string[] = [];
    const slow = defineProcess(import.meta.url, 'slow', async (ctx: Context<unknown>) => {
      steps.push('start');
      await new Promise((r) => setTimeout(r, 20));
      steps.push('after await');
      ctx.send(me.self, 'should not arrive');
      steps.push('after send');
    });
    const pid = rt.spawn(slow);
    await Promise.resolve();
    me.exit(pid, 'kill');
    await new Promise((r) => setTimeout(r, 40));
    expect(steps).toEqual(['start', 'after await']);
    expect(await me.receive(0)).toBe(Symbol.for('beamjs.timeout'));
    await rt.stop(50);
  });

  it('stop() gives every process the exit signal shutdown, and kills those that ignore it', async () => {
    const { rt, me } = quietRuntime();
    const watcher = rt.mailbox();
    watcher.trapExit(true);
    const partner = rt.spawn(idle);
    const trapping = rt.spawn(trapper, [partner, watcher.self]);
    await watcher.receive((m) => m === 'linked');
    const exit = rt.whenExit(trapping);
    const stopped = rt.stop(50);
    // The trapping process forwards the shutdown signal it got, then ignores it.
    expect(await watcher.receive((m) => isExitMessage(m) && m.from === trapping)).toMatchObject({ reason: 'shutdown' });
    expect(await exit).toBe('killed');
    await stopped;
    expect(rt.isAlive(me.self)).toBe(false);
    expect(() => me.send(partner, 'x')).toThrow(expect.objectContaining({ code: 'ERR_NOT_ALIVE' }));
    expect(() => rt.spawn(idle)).toThrow(expect.objectContaining({ code: 'ERR_RUNTIME_STOPPED' }));
  });
});
