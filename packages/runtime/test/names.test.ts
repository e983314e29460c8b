import { describe, expect, it } from 'vitest';
import { defineProcess, type Context } from '../src/index.js';
import { exitWith, forwarder, idle } from './fixtures/procs.js';
import { quietRuntime } from './helpers.js';

const registersItself = defineProcess(import.meta.url, 'registersItself', async (ctx: Context<string>, name: string) => {
  ctx.register(name);
  ctx.send(name, 'to myself by name');
  await ctx.receive();
  await ctx.receive(() => false);
});

describe('registered names', () => {
  it('register, whereis, send by name, unregister', async () => {
    const { rt, me } = quietRuntime();
    const pid = rt.spawn(forwarder, [me.self]);
    me.register('fwd', pid);
    expect(me.whereis('fwd')).toBe(pid);
    expect(rt.processInfo(pid)?.registeredName).toBe('fwd');
    me.send('fwd', 'hello');
    expect(await me.receive()).toBe('hello');
    me.unregister('fwd');
    expect(me.whereis('fwd')).toBeUndefined();
    expect(rt.processInfo(pid)?.registeredName).toBeUndefined();
    await rt.stop(50);
  });

  it('a process can register itself and be reached by its name', async () => {
    const { rt, me } = quietRuntime();
    const pid = rt.spawn(registersItself, ['self-named']);
    await Promise.resolve();
    expect(me.whereis('self-named')).toBe(pid);
    expect(rt.processInfo(pid)?.mailboxLength).toBe(0);
    await rt.stop(50);
  });

  it('a name dies with its process', async () => {
    const { rt, me } = quietRuntime();
    const pid = rt.spawn(exitWith);
    me.register('short-lived', pid);
    me.send('short-lived', { reason: 'normal' });
    await rt.whenExit(pid);
    expect(me.whereis('short-lived')).toBeUndefined();
    // The name is free again.
    me.register('short-lived', rt.spawn(idle));
    await rt.stop(50);
  });

  it('registering a taken name, a second name, a dead pid or an empty name is an error', async () => {
    const { rt, me } = quietRuntime();
    const a = rt.spawn(idle);
    const b = rt.spawn(idle);
    me.register('one', a);
    expect(() => me.register('one', b)).toThrow(expect.objectContaining({ code: 'ERR_NAME_TAKEN', message: expect.stringMatching(/already registered/) }));
    expect(() => me.register('two', a)).toThrow(expect.objectContaining({ code: 'ERR_NAME_TAKEN' }));
    expect(() => me.register('', b)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_NAME' }));
    const gone = rt.spawn(exitWith);
    me.send(gone, { reason: 'normal' });
    await rt.whenExit(gone);
    expect(() => me.register('ghost', gone)).toThrow(expect.objectContaining({ code: 'ERR_NOPROC' }));
    await rt.stop(50);
  });

  it('spawnWith { name } registers before the process runs; a taken name spawns nothing', async () => {
    const { rt, me } = quietRuntime();
    const pid = me.spawnWith(forwarder, [me.self], { name: 'born-named' });
    me.send('born-named', 1);
    expect(await me.receive()).toBe(1);
    const before = rt.processes().length;
    expect(() => me.spawnWith(idle, [], { name: 'born-named' })).toThrow(expect.objectContaining({ code: 'ERR_NAME_TAKEN' }));
    expect(rt.processes().length).toBe(before);
    expect(rt.processInfo(pid)?.registeredName).toBe('born-named');
    await rt.stop(50);
  });
});
