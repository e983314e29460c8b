import { describe, expect, it } from 'vitest';
import { BeamError, UncloneableError, deepCopy } from '../src/index.js';
import { forwarder, quick } from './fixtures/procs.js';
import { quietRuntime, tick } from './helpers.js';

describe('send', () => {
  it('a send to a { global } name without a cluster throws ERR_NO_CLUSTER saying how to start one', async () => {
    const { rt, me } = quietRuntime();
    expect(() => me.send({ global: 'jobs' }, 1)).toThrow(expect.objectContaining({ code: 'ERR_NO_CLUSTER', message: expect.stringContaining('cluster') }));
    await rt.stop(50);
  });

  it('delivers a deep copy: changing the original after sending does not reach the receiver', async () => {
    const { rt, me } = quietRuntime();
    const fwd = rt.spawn(forwarder, [me.self]);
    const original = { list: [1, 2], nested: { n: 1 } };
    me.send(fwd, original);
    original.list.push(3);
    original.nested.n = 99;
    const got = await me.receive();
    expect(got).toEqual({ list: [1, 2], nested: { n: 1 } });
    expect(got).not.toBe(original);
    await rt.stop(50);
  });

  it('copies Maps, Sets, Dates, typed arrays, Errors and cycles faithfully', async () => {
    const { rt, me } = quietRuntime();
    const fwd = rt.spawn(forwarder, [me.self]);
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const value = { m: new Map([['k', { v: 1 }]]), s: new Set([1, 2]), d: new Date(5), t: new Float64Array([1.5]), e: new RangeError('bad'), big: 10n, cyclic };
    me.send(fwd, value);
    const got = (await me.receive()) as typeof value;
    expect(got.m.get('k')).toEqual({ v: 1 });
    expect(got.s.has(2)).toBe(true);
    expect(got.d.getTime()).toBe(5);
    expect(got.t[0]).toBe(1.5);
    expect(got.e).toBeInstanceOf(RangeError);
    expect(got.big).toBe(10n);
    expect((got.cyclic as { self: unknown }).self).toBe(got.cyclic);
    await rt.stop(50);
  });

  it('throws ERR_UNCLONEABLE at the sender, naming where the bad value is, and delivers nothing', async () => {
    const { rt, me } = quietRuntime();
    const fwd = rt.spawn(forwarder, [me.self]);
    class Secret {
      #key = 1;
      get key() {
        return this.#key;
      }
    }
    const attempts: unknown[] = [{ handler: () => 1 }, { items: [1, 2, Symbol('s')] }, { deep: { obj: new Secret() } }, () => 0];
    const paths = ['msg.handler', 'msg.items[2]', 'msg.deep.obj', 'msg'];
    attempts.forEach((bad, i) => {
      let error: unknown;
      try {
        me.send(fwd, bad);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(UncloneableError);
      expect((error as BeamError).code).toBe('ERR_UNCLONEABLE');
      expect((error as UncloneableError).path).toBe(paths[i]);
      expect((error as Error).message).toMatch(/plain data/);
    });
    expect((() => { try { deepCopy(new Secret()); } catch (e) { return (e as Error).message; } })()).toMatch(/class Secret/);
    // Nothing was delivered: the next message is the first to arrive.
    me.send(fwd, 'ok');
    expect(await me.receive()).toBe('ok');
    expect(rt.processInfo(fwd)?.mailboxLength).toBe(0);
    await rt.stop(50);
  });

  it('to a dead pid is a silent no-op', async () => {
    const { rt, me } = quietRuntime();
    const pid = rt.spawn(quick);
    await rt.whenExit(pid);
    expect(() => me.send(pid, 'anyone?')).not.toThrow();
    expect(rt.isAlive(pid)).toBe(false);
    await rt.stop(50);
  });

  it('to a name nobody registered throws ERR_NOPROC', async () => {
    const { rt, me } = quietRuntime();
    expect(() => me.send('nobody', 1)).toThrow(expect.objectContaining({ code: 'ERR_NOPROC' }));
    await rt.stop(50);
  });

  it('keeps the order of messages from one sender', async () => {
    const { rt, me } = quietRuntime();
    const fwd = rt.spawn(forwarder, [me.self]);
    for (let i = 0; i < 500; i++) me.send(fwd, i);
    const got: unknown[] = [];
    for (let i = 0; i < 500; i++) got.push(await me.receive());
    expect(got).toEqual([...Array(500).keys()]);
    await tick();
    await rt.stop(50);
  });
});
