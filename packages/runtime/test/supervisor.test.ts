import { describe, expect, it } from 'vitest';
import {
  ExitError,
  GenServer,
  Supervisor,
  TIMEOUT,
  isExitMessage,
  type ChildSpec,
  type Context,
  type Pid,
  type RuntimeEvent,
} from '../src/index.js';
import { broken, failNextStarts, pair, plain, stubborn, worker, type Note } from './fixtures/supervised.js';
import { quietRuntime, rejection } from './helpers.js';

/** The next note matching, or a failed test after a generous 5 s. */
async function note(me: Context<any>, ev: Note['ev'], id?: string): Promise<Note> {
  const got = await me.receive((m: unknown) => (m as Note)?.ev === ev && (id === undefined || (m as Note).id === id), 5000);
  if (got === TIMEOUT) throw new Error(`no '${ev}' note${id ? ` from ${id}` : ''} within 5 s`);
  return got as Note;
}

/** `count` notes of kind `ev`, in arrival order, as ids. */
async function notes(me: Context<any>, ev: Note['ev'], count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await note(me, ev)).id);
  return ids;
}


const spec = (id: string, me: Context<any>, extra: Partial<ChildSpec> = {}): ChildSpec => ({
  id,
  start: { def: worker, args: [id, me.self as Pid<Note>] },
  ...extra,
});

const crash = (me: Context<any>, pid: Pid<any>) => GenServer.cast(me, pid as GenServer.Server<import('./fixtures/supervised.js').Worker>, { type: 'crash' });
const exitWith = (me: Context<any>, pid: Pid<any>, reason: unknown) =>
  GenServer.cast(me, pid as GenServer.Server<import('./fixtures/supervised.js').Worker>, { type: 'exit', reason });

const supervisorReports = (reports: RuntimeEvent[]) => reports.filter((r) => r.type === 'supervisor');

describe('Supervisor', () => {
  it('starts its children in order and lists them with whichChildren and countChildren', async () => {
    const { rt, me } = quietRuntime();
    const sup = await Supervisor.start(me, [spec('a', me), spec('b', me, { restart: 'transient' }), Supervisor.childSpec('inner', [])]);
    expect(await notes(me, 'up', 2)).toEqual(['a', 'b']);
    const children = await Supervisor.whichChildren(me, sup);
    expect(children.map(({ id, type, restart }) => ({ id, type, restart }))).toEqual([
      { id: 'a', type: 'worker', restart: 'permanent' },
      { id: 'b', type: 'worker', restart: 'transient' },
      { id: 'inner', type: 'supervisor', restart: 'permanent' },
    ]);
    expect(children.every((c) => typeof c.pid === 'number' && me.isAlive(c.pid))).toBe(true);
    expect(await Supervisor.countChildren(me, sup)).toEqual({ specs: 3, active: 3, supervisors: 1, workers: 2 });
    await rt.stop();
  });

  it('a permanent child that crashes is restarted with a new pid', async () => {
    const { rt, me, reports } = quietRuntime();
    const sup = await Supervisor.start(me, [spec('a', me)]);
    const first = (await note(me, 'up', 'a')) as { pid: Pid<any> };
    crash(me, first.pid);
    const second = (await note(me, 'up', 'a')) as { pid: Pid<any> };
    expect(second.pid).not.toBe(first.pid);
    expect(me.isAlive(first.pid)).toBe(false);
    expect((await Supervisor.whichChildren(me, sup))[0]!.pid).toBe(second.pid);
    // The crash is reported once, as the supervisor's child_terminated report.
    expect(supervisorReports(reports)).toMatchObject([{ context: 'child_terminated', child: { id: 'a', pid: first.pid }, reason: { error: 'a crashed' } }]);
    await rt.stop();
  });

  it('a permanent child that exits normally is restarted too, without a report', async () => {
    const { rt, me, reports } = quietRuntime();
    await Supervisor.start(me, [spec('a', me)]);
    const first = (await note(me, 'up', 'a')) as { pid: Pid<any> };
    exitWith(me, first.pid, 'normal');
    const second = (await note(me, 'up', 'a')) as { pid: Pid<any> };
    expect(second.pid).not.toBe(first.pid);
    expect(supervisorReports(reports)).toEqual([]);
    await rt.stop();
  });

  it('a transient child is restarted after a crash, not after a normal or shutdown exit', async () => {
    const { rt, me } = quietRuntime();
    const sup = await Supervisor.start(me, [spec('t', me, { restart: 'transient' }), spec('u', me, { restart: 'transient' })]);
    const t1 = (await note(me, 'up', 't')) as { pid: Pid<any> };
    const u1 = (await note(me, 'up', 'u')) as { pid: Pid<any> };
    crash(me, t1.pid);
    const t2 = (await note(me, 'up', 't')) as { pid: Pid<any> };
    expect(t2.pid).not.toBe(t1.pid);
    exitWith(me, t2.pid, 'normal');
    exitWith(me, u1.pid, { shutdown: 'done' });
    await note(me, 'down', 't');
    await note(me, 'down', 'u');
    // Both specs stay, terminated.
    expect(await Supervisor.whichChildren(me, sup)).toMatchObject([
      { id: 't', pid: undefined },
      { id: 'u', pid: undefined },
    ]);
    expect(await Supervisor.countChildren(me, sup)).toMatchObject({ specs: 2, active: 0 });
    await rt.stop();
  });

  it('a temporary child is never restarted, and is removed from the children when it exits', async () => {
    const { rt, me, reports } = quietRuntime();
    const sup = await Supervisor.start(me, [spec('tmp', me, { restart: 'temporary' }), spec('keep', me)]);
    const tmp = (await note(me, 'up', 'tmp')) as { pid: Pid<any> };
    await note(me, 'up', 'keep');
    crash(me, tmp.pid);
    await note(me, 'down', 'tmp');
    expect((await Supervisor.whichChildren(me, sup)).map((c) => c.id)).toEqual(['keep']);
    expect(await me.receive((m: unknown) => (m as Note)?.ev === 'up', 50)).toBe(TIMEOUT);
    expect(supervisorReports(reports)).toMatchObject([{ context: 'child_terminated', child: { id: 'tmp' } }]);
    await rt.stop();
  });

  it('restarts a plain process child (spawned and linked, no init handshake)', async () => {
    const { rt, me } = quietRuntime();
    await Supervisor.start(me, [{ id: 'p', start: { def: plain, args: ['p', me.self as Pid<Note>] } }]);
    const first = (await note(me, 'up', 'p')) as { pid: Pid<any> };
    me.send(first.pid as Pid<{ exit: unknown }>, { exit: 'boom' });
    const second = (await note(me, 'up', 'p')) as { pid: Pid<any> };
    expect(second.pid).not.toBe(first.pid);
    await rt.stop();
  });

  it('one_for_all: a crash stops the other children in reverse start order, then restarts all in order', async () => {
    const { rt, me } = quietRuntime();
    const sup = await Supervisor.start(me, [spec('a', me), spec('b', me), spec('c', me)], { strategy: 'one_for_all' });
    const before = await Supervisor.whichChildren(me, sup);
    await notes(me, 'up', 3);
    crash(me, before[1]!.pid as Pid<any>);
    // b's own terminate (its crash), then c and a stopped by the supervisor.
    expect(await notes(me, 'down', 3)).toEqual(['b', 'c', 'a']);
    expect(await notes(me, 'up', 3)).toEqual(['a', 'b', 'c']);
    const after = await Supervisor.whichChildren(me, sup);
    after.forEach((c, i) => expect(c.pid).not.toBe(before[i]!.pid));
    await rt.stop();
  });

  it('rest_for_one: a crash restarts the child and those started after it, not those before', async () => {
    const { rt, me } = quietRuntime();
    const sup = await Supervisor.start(me, [spec('a', me), spec('b', me), spec('c', me), spec('d', me)], { strategy: 'rest_for_one' });
    await notes(me, 'up', 4);
    const before = await Supervisor.whichChildren(me, sup);
    crash(me, before[1]!.pid as Pid<any>);
    expect(await notes(me, 'down', 3)).toEqual(['b', 'd', 'c']);
    expect(await notes(me, 'up', 3)).toEqual(['b', 'c', 'd']);
    const after = await Supervisor.whichChildren(me, sup);
    expect(after[0]!.pid).toBe(before[0]!.pid);
    for (const i of [1, 2, 3]) expect(after[i]!.pid).not.toBe(before[i]!.pid);
    await rt.stop();
  });

  it('one_for_all drops temporary siblings it had to stop', async () => {
    const { rt, me } = quietRuntime();
    const sup = await Supervisor.start(me, [spec('a', me), spec('tmp', me, { restart: 'temporary' })], { strategy: 'one_for_all' });
    const a = (await note(me, 'up', 'a')) as { pid: Pid<any> };
    await note(me, 'up', 'tmp');
    crash(me, a.pid);
    await note(me, 'up', 'a');
    expect((await Supervisor.whichChildren(me, sup)).map((c) => c.id)).toEqual(['a']);
    await rt.stop();
  });

  it('more restarts than the intensity within the period: the supervisor stops its children and exits with shutdown, and its parent sees it', async () => {
    const { rt, me, reports } = quietRuntime();
    me.trapExit(true);
    const sup = await Supervisor.startLink(me, [spec('a', me), spec('b', me)], { intensity: 1, period: 60_000 });
    await notes(me, 'up', 2);
    crash(me, (await Supervisor.whichChildren(me, sup))[0]!.pid as Pid<any>);
    await note(me, 'up', 'a');
    // The second restart within the period is one too many.
    crash(me, (await Supervisor.whichChildren(me, sup))[0]!.pid as Pid<any>);
    const exit = await me.receive((m) => isExitMessage(m) && m.from === sup, 5000);
    expect(exit).toMatchObject({ type: 'EXIT', from: sup, reason: 'shutdown' });
    expect(me.isAlive(sup)).toBe(false);
    // a's second crash, then b stopped by the supervisor as it gave up.
    expect(await notes(me, 'down', 3)).toEqual(['a', 'a', 'b']);
    expect(supervisorReports(reports).map((r) => r.type === 'supervisor' && [r.context, r.child.id, r.reason])).toEqual([
      ['child_terminated', 'a', expect.objectContaining({ error: 'a crashed' })],
      ['child_terminated', 'a', expect.objectContaining({ error: 'a crashed' })],
      ['shutdown', 'a', 'reached_max_restart_intensity'],
    ]);
    me.trapExit(false);
    await rt.stop();
  });

  it('restarts older than the period do not count toward the intensity', async () => {
    const { rt, me } = quietRuntime();
    const sup = await Supervisor.start(me, [spec('a', me)], { intensity: 1, period: 30 });
    let pid = ((await note(me, 'up', 'a')) as { pid: Pid<any> }).pid;
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 60));
      crash(me, pid);
      pid = ((await note(me, 'up', 'a')) as { pid: Pid<any> }).pid;
    }
    expect(me.isAlive(sup)).toBe(true);
    await rt.stop();
  });

  it('a child that fails to start: the started ones are stopped in reverse and start fails with ERR_SUPERVISOR naming the child', async () => {
    const { rt, me, reports } = quietRuntime();
    const err = await rejection(
      Supervisor.start(me, [spec('a', me), spec('b', me), { id: 'bad', start: { def: broken, args: ['no database'] } }, spec('never', me)]),
    );
    expect(err).toBeInstanceOf(ExitError);
    expect(err.code).toBe('ERR_SUPERVISOR');
    expect(err.message).toContain('"bad"');
    expect(err.message).toContain('no database');
    expect(err.reason).toMatchObject({ shutdown: { failedToStartChild: 'bad', reason: { error: 'no database' } } });
    expect(await notes(me, 'up', 2)).toEqual(['a', 'b']);
    expect(await notes(me, 'down', 2)).toEqual(['b', 'a']);
    expect(await me.receive((m: unknown) => (m as Note)?.id === 'never', 50)).toBe(TIMEOUT);
    expect(supervisorReports(reports)).toMatchObject([{ context: 'start_error', child: { id: 'bad' } }]);
    // The caller is fine, and no process is left over but its own mailbox.
    expect(rt.processes()).toEqual([me.self]);
    await rt.stop();
  });

  it('rejects bad specs and options before starting anything', async () => {
    const { rt, me } = quietRuntime();
    await expect(Supervisor.start(me, [spec('a', me), spec('a', me)])).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining('"a"') });
    await expect(Supervisor.start(me, [{ id: 'x', start: { def: (() => 1) as never } }])).rejects.toMatchObject({ code: 'ERR_NOT_A_DEFINITION' });
    await expect(Supervisor.start(me, [spec('a', me, { restart: 'sometimes' as never })])).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(Supervisor.start(me, [spec('a', me, { shutdown: -1 })])).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(Supervisor.start(me, [], { strategy: 'all_for_one' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(Supervisor.start(me, [], { intensity: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    expect(rt.processes()).toEqual([me.self]);
    await rt.stop();
  });

  it('stops its children in reverse start order when it stops', async () => {
    const { rt, me } = quietRuntime();
    const sup = await Supervisor.start(me, [spec('a', me), spec('b', me), spec('c', me)], { name: 'top' });
    await notes(me, 'up', 3);
    expect(me.whereis('top')).toBe(sup);
    await Supervisor.stop(me, 'top');
    expect(await notes(me, 'down', 3)).toEqual(['c', 'b', 'a']);
    expect(me.isAlive(sup)).toBe(false);
    await rt.stop();
  });

  it('a linked supervisor whose parent exits stops its children and exits with the same reason', async () => {
    const { rt, me } = quietRuntime();
    const parent = rt.mailbox();
    const sup = await Supervisor.startLink(parent, [spec('a', me), spec('b', me)]);
    await notes(me, 'up', 2);
    const ref = me.monitor(sup);
    parent.exit('shutdown');
    expect(await notes(me, 'down', 2)).toEqual(['b', 'a']);
    expect(await me.receive((m: any) => m?.type === 'DOWN' && m.ref === ref, 5000)).toMatchObject({ reason: 'shutdown' });
    await rt.stop();
  });

  it('shutdown timeout: a child that ignores the shutdown signal is killed once its shutdown time has passed', async () => {
    const { rt, me } = quietRuntime();
    const sup = await Supervisor.start(me, [{ id: 's', start: { def: stubborn, args: ['s', me.self as Pid<Note>] }, shutdown: 30 }]);
    const s = (await note(me, 'up', 's')) as { pid: Pid<any> };
    const ref = me.monitor(s.pid);
    await Supervisor.terminateChild(me, sup, 's');
    expect(await me.receive((m: any) => m?.type === 'DOWN' && m.ref === ref, 5000)).toMatchObject({ reason: 'killed' });
    await rt.stop();
  });

  it('a child that had to be killed after its shutdown timeout is reported as a shutdown_error', async () => {
    const { rt, me, reports } = quietRuntime();
    const sup = await Supervisor.start(me, [{ id: 's', start: { def: stubborn, args: ['s', me.self as Pid<Note>] }, shutdown: 20 }]);
    const s = (await note(me, 'up', 's')) as { pid: Pid<any> };
    await Supervisor.terminateChild(me, sup, 's');
    expect(reports).toContainEqual(
      expect.objectContaining({ type: 'supervisor', context: 'shutdown_error', child: { id: 's', pid: s.pid }, reason: 'killed' }),
    );
    await rt.stop();
  });

  it('shutdown with a timeout lets a trapping child run its terminate and exit with shutdown', async () => {
    const { rt, me } = quietRuntime();
    const sup = await Supervisor.start(me, [spec('a', me, { shutdown: 5000 })]);
    const a = (await note(me, 'up', 'a')) as { pid: Pid<any> };
    const ref = me.monitor(a.pid);
    await Supervisor.terminateChild(me, sup, 'a');
    expect(await note(me, 'down', 'a')).toMatchObject({ reason: 'shutdown' });
    expect(await me.receive((m: any) => m?.type === 'DOWN' && m.ref === ref, 5000)).toMatchObject({ reason: 'shutdown' });
    await rt.stop();
  });

  it('brutal_kill kills the child at once: its terminate does not run', async () => {
    const { rt, me } = quietRuntime();
    const sup = await Supervisor.start(me, [spec('a', me, { shutdown: 'brutal_kill' })]);
    const a = (await note(me, 'up', 'a')) as { pid: Pid<any> };
    const ref = me.monitor(a.pid);
    await Supervisor.terminateChild(me, sup, 'a');
    expect(await me.receive((m: any) => m?.type === 'DOWN' && m.ref === ref, 5000)).toMatchObject({ reason: 'killed' });
    expect(await me.receive((m: unknown) => (m as Note)?.ev === 'down', 50)).toBe(TIMEOUT);
    await rt.stop();
  });

  it('terminateChild, restartChild and deleteChild manage a child by id, with typed errors', async () => {
    const { rt, me } = quietRuntime();
    const sup = await Supervisor.start(me, [spec('a', me), spec('b', me)]);
    const a1 = (await note(me, 'up', 'a')) as { pid: Pid<any> };
    await note(me, 'up', 'b');

    const running = await rejection(Supervisor.restartChild(me, sup, 'a'));
    expect(running).toMatchObject({ code: 'ERR_SUPERVISOR', reason: 'running' });
    expect(await rejection(Supervisor.deleteChild(me, sup, 'a'))).toMatchObject({ code: 'ERR_SUPERVISOR', reason: 'running' });
    for (const op of [Supervisor.terminateChild, Supervisor.restartChild, Supervisor.deleteChild]) {
      const err = await rejection(op(me, sup, 'zzz'));
      expect(err).toBeInstanceOf(ExitError);
      expect(err).toMatchObject({ code: 'ERR_SUPERVISOR', reason: 'not_found' });
      expect(err.message).toContain('"zzz"');
    }

    await Supervisor.terminateChild(me, sup, 'a');
    expect(me.isAlive(a1.pid)).toBe(false);
    expect((await Supervisor.whichChildren(me, sup))[0]).toMatchObject({ id: 'a', pid: undefined });
    // A terminated child is not restarted by the supervisor.
    expect(await me.receive((m: unknown) => (m as Note)?.ev === 'up', 50)).toBe(TIMEOUT);

    const a2 = await Supervisor.restartChild(me, sup, 'a');
    expect(a2).not.toBe(a1.pid);
    expect(await GenServer.call(me, a2 as GenServer.Server<import('./fixtures/supervised.js').Worker>, { type: 'ping' })).toBe('pong from a');

    await Supervisor.terminateChild(me, sup, 'a');
    await Supervisor.deleteChild(me, sup, 'a');
    expect((await Supervisor.whichChildren(me, sup)).map((c) => c.id)).toEqual(['b']);
    await rt.stop();
  });

  it('getChildSpec gives the spec of a child with its defaults filled in, usable with startChild again; an unknown id is not_found, named', async () => {
    const { rt, me } = quietRuntime();
    const sup = await Supervisor.start(me, [spec('a', me, { restart: 'transient', shutdown: 'brutal_kill' })]);
    await note(me, 'up', 'a');
    const got = await Supervisor.getChildSpec(me, sup, 'a');
    expect(got).toEqual({ id: 'a', start: { def: worker, args: ['a', me.self], name: undefined }, restart: 'transient', shutdown: 'brutal_kill', type: 'worker' });

    const err = await rejection(Supervisor.getChildSpec(me, sup, 'zzz'));
    expect(err).toBeInstanceOf(ExitError);
    expect(err).toMatchObject({ code: 'ERR_SUPERVISOR', reason: 'not_found' });
    expect(err.message).toContain('"zzz"');
    await expect(Supervisor.getChildSpec(me, sup, '' as string)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });

    await Supervisor.startChild(me, sup, { ...got, id: 'a2', start: { ...got.start, args: ['a2', me.self] } });
    await note(me, 'up', 'a2');
    expect(await Supervisor.getChildSpec(me, sup, 'a2')).toMatchObject({ id: 'a2', restart: 'transient', shutdown: 'brutal_kill' });
    await rt.stop();
  });

  it('startChild adds a child at the end, refuses a taken id, and does not keep a child that failed to start', async () => {
    const { rt, me } = quietRuntime();
    const sup = await Supervisor.start(me, [spec('a', me)]);
    const c = await Supervisor.startChild(me, sup, spec('c', me));
    expect(((await note(me, 'up', 'c')) as { pid: number }).pid).toBe(c);
    expect((await Supervisor.whichChildren(me, sup)).map((x) => x.id)).toEqual(['a', 'c']);

    expect(await rejection(Supervisor.startChild(me, sup, spec('c', me)))).toMatchObject({ code: 'ERR_SUPERVISOR', reason: { already_started: c } });
    await Supervisor.terminateChild(me, sup, 'c');
    expect(await rejection(Supervisor.startChild(me, sup, spec('c', me)))).toMatchObject({ code: 'ERR_SUPERVISOR', reason: 'already_present' });

    const failed = await rejection(Supervisor.startChild(me, sup, { id: 'bad', start: { def: broken, args: ['nope'] } }));
    expect(failed).toMatchObject({ code: 'ERR_INIT_FAILED', reason: { error: 'nope' } });
    expect(failed.message).toContain('"bad"');
    expect((await Supervisor.whichChildren(me, sup)).map((x) => x.id)).toEqual(['a', 'c']);
    await rt.stop();
  });

  it('a restart that fails is retried (each try counts toward the intensity) until the child starts', async () => {
    const { rt, me, reports } = quietRuntime();
    const sup = await Supervisor.start(me, [spec('flaky', me)], { intensity: 5 });
    const first = (await note(me, 'up', 'flaky')) as { pid: Pid<any> };
    failNextStarts('flaky', 2);
    crash(me, first.pid);
    const back = (await note(me, 'up', 'flaky')) as { pid: Pid<any> };
    expect((await Supervisor.whichChildren(me, sup))[0]!.pid).toBe(back.pid);
    expect(supervisorReports(reports).map((r) => r.type === 'supervisor' && r.context)).toEqual(['child_terminated', 'start_error', 'start_error']);
    await rt.stop();
  });

  it('a restart that keeps failing ends in the supervisor giving up', async () => {
    const { rt, me, reports } = quietRuntime();
    const sup = await Supervisor.start(me, [spec('flaky2', me)], { intensity: 2 });
    const first = (await note(me, 'up', 'flaky2')) as { pid: Pid<any> };
    const ref = me.monitor(sup);
    failNextStarts('flaky2', 100);
    crash(me, first.pid);
    expect(await me.receive((m: any) => m?.type === 'DOWN' && m.ref === ref, 5000)).toMatchObject({ reason: 'shutdown' });
    expect(supervisorReports(reports).at(-1)).toMatchObject({ context: 'shutdown', reason: 'reached_max_restart_intensity' });
    failNextStarts('flaky2', 0);
    await rt.stop();
  });

  it('nested supervisors: the inner one restarts its children; when it gives up, the outer one restarts it', async () => {
    const { rt, me } = quietRuntime();
    const outer = await Supervisor.start(me, [
      spec('top', me),
      Supervisor.childSpec('inner', [spec('x', me), spec('y', me)], { intensity: 0 }),
    ]);
    await notes(me, 'up', 3);
    const [, innerInfo] = await Supervisor.whichChildren(me, outer);
    expect(innerInfo).toMatchObject({ id: 'inner', type: 'supervisor' });
    const inner1 = innerInfo!.pid as Pid<any>;
    const innerChildren = await Supervisor.whichChildren(me, inner1);
    expect(innerChildren.map((c) => c.id)).toEqual(['x', 'y']);

    // intensity 0: the inner supervisor gives up at the first crash, stopping y...
    crash(me, innerChildren[0]!.pid as Pid<any>);
    expect(await notes(me, 'down', 2)).toEqual(['x', 'y']);
    // ...and the outer one restarts it, with fresh children.
    expect(await notes(me, 'up', 2)).toEqual(['x', 'y']);
    const inner2 = (await Supervisor.whichChildren(me, outer))[1]!.pid;
    expect(inner2).not.toBe(inner1);
    expect(me.isAlive(inner1)).toBe(false);

    // Stopping the outer one stops the whole tree, deepest last-started first.
    await Supervisor.stop(me, outer);
    expect(await notes(me, 'down', 3)).toEqual(['y', 'x', 'top']);
    await rt.stop();
  });

  it('a supervisor module (Supervisor.define) computes its children in init and runs as a child', async () => {
    const { rt, me } = quietRuntime();
    const outer = await Supervisor.start(me, [{ id: 'pair', start: { def: pair, args: [me.self as Pid<Note>, 'p'] }, type: 'supervisor' }]);
    expect(await notes(me, 'up', 2)).toEqual(['p1', 'p2']);
    const inner = (await Supervisor.whichChildren(me, outer))[0]!.pid as Pid<any>;
    const kids = await Supervisor.whichChildren(me, inner);
    crash(me, kids[0]!.pid as Pid<any>);
    // one_for_all, from the module's options.
    expect(await notes(me, 'up', 2)).toEqual(['p1', 'p2']);
    await rt.stop();
  });
});
