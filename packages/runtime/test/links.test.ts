import { describe, expect, it } from 'vitest';
import { isExitMessage } from '../src/index.js';
import { crasher, exitWith, idle, linker, trapper } from './fixtures/procs.js';
import { quietRuntime } from './helpers.js';

describe('links', () => {
  it('a linked process dies with its partner unless it traps exits', async () => {
    const { rt, me } = quietRuntime();
    const partner = rt.spawn(crasher);
    const linked = rt.spawn(linker, [partner, me.self]);
    const trapping = rt.spawn(trapper, [partner, me.self]);
    await me.receive((m) => m === 'linked');
    await me.receive((m) => m === 'linked');
    const linkedExit = rt.whenExit(linked);
    me.send(partner, 'now');
    expect(await linkedExit).toMatchObject({ error: 'boom: now', name: 'Error' });
    const exit = await me.receive(isExitMessage);
    expect(exit).toMatchObject({ type: 'EXIT', from: partner, reason: { error: 'boom: now' } });
    expect(rt.isAlive(trapping)).toBe(true);
    await rt.stop(50);
  });

  it('a normal exit does not kill a linked partner, but a trapping one is told', async () => {
    const { rt, me } = quietRuntime();
    const partner = rt.spawn(exitWith);
    const linked = rt.spawn(linker, [partner, me.self]);
    rt.spawn(trapper, [partner, me.self]);
    await me.receive((m) => m === 'linked');
    await me.receive((m) => m === 'linked');
    me.send(partner, { reason: 'normal' });
    expect(await me.receive(isExitMessage)).toMatchObject({ from: partner, reason: 'normal' });
    expect(rt.isAlive(linked)).toBe(true);
    await rt.stop(50);
  });

  it('links are both ways: the partner dies when the linked process does', async () => {
    const { rt, me } = quietRuntime();
    const a = rt.spawn(exitWith);
    const b = rt.spawn(linker, [a, me.self]);
    await me.receive((m) => m === 'linked');
    const aExit = rt.whenExit(a);
    me.exit(b, 'shutdown');
    expect(await aExit).toBe('shutdown');
    await rt.stop(50);
  });

  it('unlink removes the link: the partner\'s crash no longer reaches it', async () => {
    const { rt, me } = quietRuntime();
    const partner = rt.spawn(crasher);
    me.link(partner);
    me.unlink(partner);
    me.trapExit(true);
    const exit = rt.whenExit(partner);
    me.send(partner, 'x');
    await exit;
    expect(await me.receive(isExitMessage, 20)).toBe(Symbol.for('beamjs.timeout'));
    expect(rt.processInfo(me.self)?.links).toEqual([]);
    await rt.stop(50);
  });

  it('linking to a dead process delivers noproc (as a message when trapping)', async () => {
    const { rt, me } = quietRuntime();
    const gone = rt.spawn(exitWith);
    me.send(gone, { reason: 'normal' });
    await rt.whenExit(gone);
    me.trapExit(true);
    me.link(gone);
    expect(await me.receive(isExitMessage)).toEqual({ type: 'EXIT', from: gone, reason: 'noproc' });
    await rt.stop(50);
  });

  it('link by registered name links to the process the name maps to; a name nobody holds throws ERR_NOPROC naming it', async () => {
    const { rt, me } = quietRuntime();
    me.trapExit(true);
    const partner = rt.spawn(exitWith);
    me.register('partner', partner);
    me.link('partner');
    expect(rt.processInfo(me.self)?.links).toEqual([partner]);
    me.send(partner, { reason: 'broken' });
    expect(await me.receive(isExitMessage, 1000)).toEqual({ type: 'EXIT', from: partner, reason: 'broken' });

    expect(() => me.link('nobody')).toThrow(expect.objectContaining({ code: 'ERR_NOPROC', message: expect.stringContaining('"nobody"') }));
    expect(rt.processInfo(me.self)?.links).toEqual([]);
    await rt.stop(50);
  });

  it('spawnLink links from birth', async () => {
    const { rt, me } = quietRuntime();
    me.trapExit(true);
    const child = me.spawnLink(crasher);
    expect(rt.processInfo(child)?.links).toEqual([me.self]);
    me.send(child, 'bye');
    expect(await me.receive(isExitMessage)).toMatchObject({ from: child, reason: { error: 'boom: bye' } });
    const other = me.spawnLink(idle);
    expect(rt.processInfo(me.self)?.links).toContain(other);
    await rt.stop(50);
  });
});
