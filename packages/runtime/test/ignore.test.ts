import { describe, expect, expectTypeOf, it } from 'vitest';
import { DynamicSupervisor, GenServer, Supervisor, TIMEOUT, type Context, type Pid } from '../src/index.js';
import { picky } from './fixtures/gen-servers.js';
import { quietRuntime } from './helpers.js';

/** The pid of the server whose init just ran (it tells us), within 5 s. */
async function initRan(me: Context<any>): Promise<number> {
  const got = await me.receive((m: any) => m?.note === 'init', 5000);
  if (got === TIMEOUT) throw new Error('init did not run within 5 s');
  return (got as { pid: number }).pid;
}

describe('{ ignore: true } from init (OTP ignore)', () => {
  it('start and startLink resolve with { ignore: true }, not an error; the server is gone and nothing is left in the mailbox', async () => {
    const { rt, me } = quietRuntime();
    me.trapExit(true);
    for (const start of [GenServer.start, GenServer.startLink]) {
      const r = await start(me, picky, [false, me.self as Pid<any>], { name: 'picky' });
      expectTypeOf(r).toEqualTypeOf<GenServer.Server<import('./fixtures/gen-servers.js').Picky> | GenServer.Ignored>();
      expect(r).toEqual({ ignore: true });
      expect(GenServer.isIgnored(r)).toBe(true);
      const pid = await initRan(me);
      expect(me.isAlive(pid)).toBe(false);
      expect(me.whereis('picky')).toBeUndefined();
    }
    // No EXIT (the starter traps exits), DOWN or ack left behind.
    expect(await me.receive(() => true, 50)).toBe(TIMEOUT);
    const running = await GenServer.start(me, picky, [true, me.self as Pid<any>]);
    expect(GenServer.isIgnored(running)).toBe(false);
    me.trapExit(false);
    await rt.stop();
  });

  it('a Supervisor skips an ignored child and keeps its spec with no pid; startChild of one resolves with { ignore: true }', async () => {
    const { rt, me } = quietRuntime();
    const sup = await Supervisor.start(me, [
      { id: 'skipped', start: { def: picky, args: [false, me.self as Pid<any>] } },
      { id: 'runs', start: { def: picky, args: [true, me.self as Pid<any>] } },
    ]);
    const skipped = await initRan(me);
    const runs = await initRan(me);
    expect(me.isAlive(skipped)).toBe(false);
    expect(await Supervisor.whichChildren(me, sup)).toMatchObject([
      { id: 'skipped', pid: undefined },
      { id: 'runs', pid: runs },
    ]);
    const added = await Supervisor.startChild(me, sup, { id: 'later', start: { def: picky, args: [false, me.self as Pid<any>] } });
    expect(added).toEqual({ ignore: true });
    const temp = await Supervisor.startChild(me, sup, { id: 'temp', start: { def: picky, args: [false, me.self as Pid<any>] }, restart: 'temporary' });
    expect(temp).toEqual({ ignore: true });
    // As OTP: a temporary ignored child is not kept.
    expect((await Supervisor.whichChildren(me, sup)).map((c) => [c.id, c.pid])).toEqual([
      ['skipped', undefined],
      ['runs', runs],
      ['later', undefined],
    ]);
    expect(await Supervisor.restartChild(me, sup, 'skipped')).toEqual({ ignore: true });
    await rt.stop();
  });

  it('DynamicSupervisor.startChild of an ignored child resolves with { ignore: true } and keeps nothing', async () => {
    const { rt, me } = quietRuntime();
    const sup = await DynamicSupervisor.start(me);
    const r = await DynamicSupervisor.startChild(me, sup, { start: { def: picky, args: [false, me.self as Pid<any>] } });
    expect(r).toEqual({ ignore: true });
    expect(await DynamicSupervisor.countChildren(me, sup)).toMatchObject({ specs: 0, active: 0 });
    await rt.stop();
  });
});
