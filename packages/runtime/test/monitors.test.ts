import { describe, expect, it } from 'vitest';
import { TIMEOUT, isDownMessage } from '../src/index.js';
import { crasher, exitWith, idle } from './fixtures/procs.js';
import { quietRuntime } from './helpers.js';

describe('monitors', () => {
  it('deliver a DOWN message with the ref and the exit reason', async () => {
    const { rt, me } = quietRuntime();
    const pid = rt.spawn(exitWith);
    const ref = me.monitor(pid);
    me.send(pid, { reason: 'done' });
    expect(await me.receive(isDownMessage)).toEqual({ type: 'DOWN', ref, pid, reason: 'done' });
    await rt.stop(50);
  });

  it('do not kill the watcher when the watched process crashes', async () => {
    const { rt, me } = quietRuntime();
    const pid = rt.spawn(crasher);
    me.monitor(pid);
    me.send(pid, 'x');
    expect(await me.receive(isDownMessage)).toMatchObject({ reason: { error: 'boom: x' } });
    expect(rt.isAlive(me.self)).toBe(true);
    await rt.stop(50);
  });

  it('on a dead process deliver DOWN with noproc at once', async () => {
    const { rt, me } = quietRuntime();
    const pid = rt.spawn(exitWith);
    me.send(pid, { reason: 'normal' });
    await rt.whenExit(pid);
    const ref = me.monitor(pid);
    expect(await me.receive(isDownMessage)).toEqual({ type: 'DOWN', ref, pid, reason: 'noproc' });
    await rt.stop(50);
  });

  it('by registered name watch the process the name maps to; a name nobody holds gets DOWN noproc at once, naming it', async () => {
    const { rt, me } = quietRuntime();
    const pid = rt.spawn(exitWith);
    me.register('watched', pid);
    const ref = me.monitor('watched');
    me.send(pid, { reason: 'done' });
    expect(await me.receive(isDownMessage)).toEqual({ type: 'DOWN', ref, pid, reason: 'done' });

    const none = me.monitor('nobody');
    expect(await me.receive(isDownMessage, 1000)).toEqual({ type: 'DOWN', ref: none, pid: undefined, name: 'nobody', reason: 'noproc' });
    expect(() => me.monitor('')).toThrow(/registered name/);
    await rt.stop(50);
  });

  it('demonitor stops the DOWN message; with flush it also removes one already delivered', async () => {
    const { rt, me } = quietRuntime();
    const a = rt.spawn(exitWith);
    const refA = me.monitor(a);
    me.demonitor(refA);
    me.send(a, { reason: 'gone' });
    await rt.whenExit(a);
    expect(await me.receive(isDownMessage, 10)).toBe(TIMEOUT);
    const b = rt.spawn(exitWith);
    const refB = me.monitor(b);
    me.send(b, { reason: 'gone' });
    await rt.whenExit(b);
    expect(rt.processInfo(me.self)?.mailboxLength).toBe(1);
    me.demonitor(refB, { flush: true });
    expect(rt.processInfo(me.self)?.mailboxLength).toBe(0);
    await rt.stop(50);
  });

  it('spawnMonitor guarantees the DOWN even for a process that dies at once; many monitors are independent', async () => {
    const { rt, me } = quietRuntime();
    const [pid, ref] = me.spawnMonitor(crasher);
    const second = me.monitor(pid);
    me.send(pid, 'now');
    const downs = [await me.receive(isDownMessage), await me.receive(isDownMessage)];
    expect(downs.map((d) => d.ref).sort()).toEqual([ref, second].sort());
    const target = rt.spawn(idle);
    me.monitor(target);
    expect(rt.processInfo(target)?.monitoredBy).toEqual([me.self]);
    await rt.stop(50);
  });
});
