import { describe, expect, it } from 'vitest';
import { DynamicSupervisor, ExitError, GenServer, Supervisor, TIMEOUT, type Context, type Pid, type RuntimeEvent } from '../src/index.js';
import { broken, failNextStarts, stubborn, worker, type Note, type Worker } from './fixtures/supervised.js';
import { quietRuntime, rejection } from './helpers.js';

async function note(me: Context<any>, ev: Note['ev'], id?: string): Promise<Note> {
  const got = await me.receive((m: unknown) => (m as Note)?.ev === ev && (id === undefined || (m as Note).id === id), 5000);
  if (got === TIMEOUT) throw new Error(`no '${ev}' note${id ? ` from ${id}` : ''} within 5 s`);
  return got as Note;
}


const child = (id: string, me: Context<any>, restart: 'permanent' | 'transient' | 'temporary' = 'permanent') => ({
  id,
  start: { def: worker, args: [id, me.self as Pid<Note>] as [string, Pid<Note>] },
  restart,
});
const crash = (me: Context<any>, pid: Pid<any>) => GenServer.cast(me, pid as GenServer.Server<Worker>, { type: 'crash' });
const exitWith = (me: Context<any>, pid: Pid<any>, reason: unknown) => GenServer.cast(me, pid as GenServer.Server<Worker>, { type: 'exit', reason });
const downOf = (me: Context<any>, ref: number) => me.receive((m: any) => m?.type === 'DOWN' && m.ref === ref, 5000);
const supervisorReports = (reports: RuntimeEvent[]) => reports.filter((r) => r.type === 'supervisor');

describe('DynamicSupervisor', () => {
  it('starts with no children; startChild returns the pid of a running child', async () => {
    const { rt, me } = quietRuntime();
    const sup = await DynamicSupervisor.start(me);
    expect(await DynamicSupervisor.countChildren(me, sup)).toEqual({ specs: 0, active: 0, supervisors: 0, workers: 0 });
    const a = await DynamicSupervisor.startChild(me, sup, child('a', me));
    const b = await DynamicSupervisor.startChild(me, sup, { start: { def: worker, args: ['b', me.self as Pid<Note>] } });
    expect(await GenServer.call(me, a as GenServer.Server<Worker>, { type: 'ping' })).toBe('pong from a');
    expect(await DynamicSupervisor.whichChildren(me, sup)).toEqual([
      { id: 'a', pid: a, type: 'worker', restart: 'permanent' },
      // Without an id, a child is known by its definition's name.
      { id: 'worker', pid: b, type: 'worker', restart: 'permanent' },
    ]);
    expect(await DynamicSupervisor.countChildren(me, sup)).toEqual({ specs: 2, active: 2, supervisors: 0, workers: 2 });
    await rt.stop();
  });

  it('refuses a child past maxChildren with ERR_MAX_CHILDREN, and has room again once one is terminated', async () => {
    const { rt, me } = quietRuntime();
    const sup = await DynamicSupervisor.start(me, { maxChildren: 2 });
    const a = await DynamicSupervisor.startChild(me, sup, child('a', me));
    await DynamicSupervisor.startChild(me, sup, child('b', me));
    const full = await rejection(DynamicSupervisor.startChild(me, sup, child('c', me)));
    expect(full).toBeInstanceOf(ExitError);
    expect(full).toMatchObject({ code: 'ERR_MAX_CHILDREN', reason: 'max_children' });
    expect(full.message).toContain('maximum of 2');
    await DynamicSupervisor.terminateChild(me, sup, a);
    expect(me.isAlive(a)).toBe(false);
    const c = await DynamicSupervisor.startChild(me, sup, child('c', me));
    expect((await DynamicSupervisor.whichChildren(me, sup)).map((x) => x.pid)).toEqual([expect.any(Number), c]);
    await rt.stop();
  });

  it('a crashed child is restarted with a new pid; its siblings keep theirs', async () => {
    const { rt, me, reports } = quietRuntime();
    const sup = await DynamicSupervisor.start(me);
    const a = await DynamicSupervisor.startChild(me, sup, child('a', me));
    const b = await DynamicSupervisor.startChild(me, sup, child('b', me));
    await note(me, 'up', 'a');
    crash(me, a);
    await note(me, 'down', 'a');
    const again = (await note(me, 'up', 'a')) as { pid: number };
    expect(again.pid).not.toBe(a);
    expect((await DynamicSupervisor.whichChildren(me, sup)).map((x) => x.pid)).toEqual([again.pid, b]);
    expect(supervisorReports(reports)).toMatchObject([{ context: 'child_terminated', child: { id: 'a', pid: a } }]);
    await rt.stop();
  });

  it('restart types: temporary children are never restarted, transient ones only after a crash; both are forgotten when not restarted', async () => {
    const { rt, me } = quietRuntime();
    const sup = await DynamicSupervisor.start(me);
    const tmp = await DynamicSupervisor.startChild(me, sup, child('tmp', me, 'temporary'));
    const tr = await DynamicSupervisor.startChild(me, sup, child('tr', me, 'transient'));
    await note(me, 'up', 'tmp');
    await note(me, 'up', 'tr');
    crash(me, tr);
    const tr2 = ((await note(me, 'up', 'tr')) as { pid: number }).pid;
    expect(tr2).not.toBe(tr);
    crash(me, tmp);
    exitWith(me, tr2, 'normal');
    await note(me, 'down', 'tmp');
    await note(me, 'down', 'tr');
    await note(me, 'down', 'tr');
    expect(await DynamicSupervisor.whichChildren(me, sup)).toEqual([]);
    expect(await me.receive((m: unknown) => (m as Note)?.ev === 'up', 50)).toBe(TIMEOUT);
    await rt.stop();
  });

  it('a child whose restart keeps failing can still be terminated by the pid it had', async () => {
    const { rt, me, reports } = quietRuntime();
    const sup = await DynamicSupervisor.start(me, { intensity: 1_000_000, period: 1000 });
    const a = await DynamicSupervisor.startChild(me, sup, child('a', me));
    failNextStarts('a', Number.MAX_SAFE_INTEGER);
    try {
      crash(me, a);
      // Its first restart failed: the supervisor now retries, one attempt per message.
      while (!supervisorReports(reports).some((r) => r.context === 'start_error')) await new Promise((r) => setImmediate(r));
      expect((await DynamicSupervisor.whichChildren(me, sup))[0]?.pid).toBe('restarting');
      await DynamicSupervisor.terminateChild(me, sup, a);
      expect(await DynamicSupervisor.countChildren(me, sup)).toEqual({ specs: 0, active: 0, supervisors: 0, workers: 0 });
    } finally {
      failNextStarts('a', 0);
    }
    await rt.stop();
  });

  it('terminateChild of a pid that is not its child fails with ERR_SUPERVISOR not_found', async () => {
    const { rt, me } = quietRuntime();
    const sup = await DynamicSupervisor.start(me);
    expect(await rejection(DynamicSupervisor.terminateChild(me, sup, me.self))).toMatchObject({ code: 'ERR_SUPERVISOR', reason: 'not_found' });
    await rt.stop();
  });

  it('a child that fails to start is not kept, and the error carries its reason', async () => {
    const { rt, me } = quietRuntime();
    const sup = await DynamicSupervisor.start(me, { maxChildren: 1 });
    const err = await rejection(DynamicSupervisor.startChild(me, sup, { id: 'bad', start: { def: broken, args: ['no luck'] } }));
    expect(err).toMatchObject({ code: 'ERR_INIT_FAILED', reason: { error: 'no luck' } });
    expect(await DynamicSupervisor.countChildren(me, sup)).toMatchObject({ specs: 0 });
    await rt.stop();
  });

  it('stopping it stops every child, killing one that ignores shutdown after its shutdown time', async () => {
    const { rt, me } = quietRuntime();
    const sup = await DynamicSupervisor.start(me, { name: 'pool' });
    const a = await DynamicSupervisor.startChild(me, sup, child('a', me));
    const s = await DynamicSupervisor.startChild(me, 'pool', { id: 's', start: { def: stubborn, args: ['s', me.self as Pid<Note>] }, shutdown: 30 });
    const refA = me.monitor(a);
    const refS = me.monitor(s);
    await DynamicSupervisor.stop(me, 'pool');
    expect(await downOf(me, refA)).toMatchObject({ reason: 'shutdown' });
    expect(await downOf(me, refS)).toMatchObject({ reason: 'killed' });
    expect(me.whereis('pool')).toBeUndefined();
    await rt.stop();
  });

  it('more restarts than the intensity: it exits with shutdown and its parent sees it', async () => {
    const { rt, me, reports } = quietRuntime();
    me.trapExit(true);
    const sup = await DynamicSupervisor.startLink(me, { intensity: 0 });
    const a = await DynamicSupervisor.startChild(me, sup, child('a', me));
    const b = await DynamicSupervisor.startChild(me, sup, child('b', me));
    const refB = me.monitor(b);
    crash(me, a);
    expect(await me.receive((m: any) => m?.type === 'EXIT' && m.from === sup, 5000)).toMatchObject({ reason: 'shutdown' });
    expect(await downOf(me, refB)).toMatchObject({ reason: 'shutdown' });
    expect(supervisorReports(reports).at(-1)).toMatchObject({ context: 'shutdown', reason: 'reached_max_restart_intensity' });
    me.trapExit(false);
    await rt.stop();
  });

  it('runs under a Supervisor (childSpec) and is restarted empty when it dies', async () => {
    const { rt, me } = quietRuntime();
    const top = await Supervisor.start(me, [DynamicSupervisor.childSpec('pool', { name: 'pool', maxChildren: 3 })]);
    const [info] = await Supervisor.whichChildren(me, top);
    expect(info).toMatchObject({ id: 'pool', type: 'supervisor', restart: 'permanent' });
    await DynamicSupervisor.startChild(me, 'pool', child('w', me));
    await note(me, 'up', 'w');
    me.exit(info!.pid as Pid<any>, 'kill');
    expect(await note(me, 'down', 'w')).toMatchObject({ reason: 'killed' });
    while (me.whereis('pool') === undefined || me.whereis('pool') === info!.pid) await me.sleep(1);
    expect(await DynamicSupervisor.countChildren(me, 'pool')).toMatchObject({ specs: 0 });
    await rt.stop();
  });

  it('rejects bad options', async () => {
    const { rt, me } = quietRuntime();
    await expect(DynamicSupervisor.start(me, { maxChildren: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(DynamicSupervisor.start(me, { period: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await rt.stop();
  });
});
