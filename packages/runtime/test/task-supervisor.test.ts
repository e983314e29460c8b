import { describe, expect, expectTypeOf, it } from 'vitest';
import { Agent, Supervisor, Task, TaskSupervisor, TIMEOUT, isDownMessage } from '../src/index.js';
import { add, double, failingTask, notify, slowEcho, startAt } from './fixtures/tasks.js';
import { quietRuntime, rejection } from './helpers.js';

describe('Task.Supervisor', () => {
  it('a crashing child does not take the caller down: asyncNolink awaits to ERR_TASK_FAILED, the caller does not trap exits', async () => {
    const { rt, me, reports } = quietRuntime();
    const sup = await TaskSupervisor.startLink(me, { name: 'tasks' });
    const t = await TaskSupervisor.asyncNolink(me, sup, failingTask, 'on purpose');
    expectTypeOf(t).toEqualTypeOf<Task.Task<number>>();
    const err = await rejection(Task.await(me, t));
    expect(err).toMatchObject({ code: 'ERR_TASK_FAILED', reason: { error: 'task failed: on purpose' } });
    expect(rt.isAlive(me.self)).toBe(true);
    expect(rt.processInfo(me.self)?.trapExit).toBe(false);
    const ok = await TaskSupervisor.asyncNolink(me, 'tasks', double, 21);
    expect(await Task.await(me, ok)).toBe(42);
    // The supervisor logged the crash (it had its EXIT before our next request) and does not restart it.
    expect(reports.some((r) => r.type === 'supervisor' && r.context === 'child_terminated')).toBe(true);
    expect(await Supervisor.countChildren(me, sup)).toMatchObject({ active: 0 });
    await rt.stop();
  });

  it('async links the task to the caller, as Task.async: its crash reaches a trapping caller as EXIT and await fails', async () => {
    const { rt, me } = quietRuntime();
    const sup = await TaskSupervisor.startLink(me);
    const t = await TaskSupervisor.async(me, sup, slowEcho, 'hi', 5);
    expect(rt.processInfo(me.self)?.links).toContain(t.pid);
    expect(await Task.await(me, t)).toBe('hi');
    me.trapExit(true);
    const bad = await TaskSupervisor.async(me, sup, failingTask, 'linked');
    const err = await rejection(Task.await(me, bad));
    expect(err.code).toBe('ERR_TASK_FAILED');
    me.trapExit(false);
    await rt.stop();
  });

  it('startChild is fire and forget: nobody is linked, and it runs to the end', async () => {
    const { rt, me } = quietRuntime();
    const sup = await TaskSupervisor.startLink(me);
    const pid = await TaskSupervisor.startChild(me, sup, notify, me.self, 'done');
    expect(rt.processInfo(me.self)?.links).not.toContain(pid);
    expect(await me.receive((m: unknown) => m === 'done', 2000)).toBe('done');
    const crash = await TaskSupervisor.startChild(me, sup, failingTask, 'alone');
    const ref = me.monitor(crash);
    const down = await me.receive((m: unknown) => isDownMessage(m) && m.ref === ref, 2000);
    expect(down).not.toBe(TIMEOUT);
    expect(rt.isAlive(me.self)).toBe(true);
    await rt.stop();
  });

  it('asyncStream runs items under the supervisor; a crashing item is { exit } and the caller goes on', async () => {
    const { rt, me } = quietRuntime();
    const sup = await TaskSupervisor.startLink(me);
    const out: unknown[] = [];
    for await (const r of TaskSupervisor.asyncStream(me, sup, [1, 2, 3], double, { maxConcurrency: 2 })) out.push(r);
    expect(out).toEqual([{ ok: 2 }, { ok: 4 }, { ok: 6 }]);
    const mixed: unknown[] = [];
    for await (const r of TaskSupervisor.asyncStream(me, sup, ['a', 'b'], failingTask)) mixed.push(r);
    expect(mixed).toMatchObject([{ exit: { error: 'task failed: a' } }, { exit: { error: 'task failed: b' } }]);
    expect(rt.isAlive(me.self)).toBe(true);
    await rt.stop();
  });

  it('Agent.childSpec makes an agent a supervised child that is restarted with its initial state', async () => {
    const { rt, me } = quietRuntime();
    const sup = await Supervisor.startLink(me, [Agent.childSpec(startAt, [5], { name: 'five' }), TaskSupervisor.childSpec({ name: 'jobs' })]);
    expect((await Supervisor.whichChildren(me, sup)).map((c) => [c.id, c.type])).toEqual([
      ['five', 'worker'],
      ['jobs', 'supervisor'],
    ]);
    const five = Agent.named<number>('five');
    await Agent.update(me, five, add, 1);
    expect(await Agent.get(me, five)).toBe(6);
    const first = Agent.whereis(me, five)!;
    me.exit(first, 'kill');
    let again = Agent.whereis(me, five);
    for (let i = 0; i < 100 && (again === undefined || again === first); i++) {
      await me.sleep(2);
      again = Agent.whereis(me, five);
    }
    expect(again).not.toBe(first);
    expect(await Agent.get(me, five)).toBe(5);
    await rt.stop();
  });
});
