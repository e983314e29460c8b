import { describe, expect, expectTypeOf, it } from 'vitest';
import { ExitError, Task, isDownMessage, type Context, type Pid, type ProcessDefinition } from '../src/index.js';
import {
  announce,
  awaitsFailure,
  double,
  failingTask,
  gated,
  gauge,
  measured,
  napThenEcho,
  notify,
  quitter,
  slowEcho,
  stubborn,
  type GateNote,
  type GaugeState,
} from './fixtures/tasks.js';
import { quietRuntime, rejection } from './helpers.js';


async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

describe('Task', () => {
  it('await returns what the task definition returned, typed', async () => {
    const { rt, me } = quietRuntime();
    const task = Task.async(me, double, 21);
    expectTypeOf(task).toEqualTypeOf<Task.Task<number>>();
    expect(task).toEqual({ pid: expect.any(Number), ref: expect.any(Number), owner: me.self, alias: { $alias: expect.any(Number), pid: me.self } });
    const value = await Task.await(me, task);
    expectTypeOf(value).toEqualTypeOf<number>();
    expect(value).toBe(42);
    // An async body's promise is awaited by the task.
    const echoed = await Task.await(me, Task.async(me, slowEcho, 'hi', 5));
    expectTypeOf(echoed).toEqualTypeOf<string>();
    expect(echoed).toBe('hi');
    // Nothing is left behind: no link, no monitor, no message.
    expect(rt.processInfo(me.self)).toMatchObject({ links: [], monitors: [], mailboxLength: 0 });
    await rt.stop(50);
  });

  it('a task is plain data that survives a deep copy, and runs a definition, never a closure', async () => {
    const { rt, me } = quietRuntime();
    const task = Task.async(me, double, 1);
    expect(structuredClone(task)).toEqual(task);
    const closure = (_ctx: Context<never>, n: number) => n;
    expect(() => Task.async(me, closure as unknown as ProcessDefinition<never, [number], number>, 1)).toThrow(
      expect.objectContaining({ code: 'ERR_NOT_A_DEFINITION', message: expect.stringContaining("defineProcess(import.meta.url, 'closure', closure)") }),
    );
    // @ts-expect-error: a plain function is not a definition
    expect(() => Task.async(me, closure, 1)).toThrow(expect.objectContaining({ code: 'ERR_NOT_A_DEFINITION' }));
    void (() => {
      // @ts-expect-error: the definition takes a number
      Task.async(me, double, 'one');
    });
    await Task.await(me, task);
    await rt.stop(50);
  });

  it('await gives up with ERR_TASK_TIMEOUT and leaves the task running, to be awaited again or shut down', async () => {
    const { rt, me } = quietRuntime();
    const task = Task.async(me, slowEcho, 'late', 10_000);
    const err = await rejection(Task.await(me, task, 20));
    expect(err).toBeInstanceOf(ExitError);
    expect(err).toMatchObject({ code: 'ERR_TASK_TIMEOUT', reason: 'timeout' });
    expect(rt.isAlive(task.pid)).toBe(true);
    expect(await Task.yield(me, task, 0)).toBeUndefined();
    expect(await Task.shutdown(me, task)).toBeUndefined();
    expect(rt.isAlive(task.pid)).toBe(false);
    expect(rt.processInfo(me.self)).toMatchObject({ links: [], monitors: [], mailboxLength: 0 });
    await rt.stop(50);
  });

  it('a task crash reaches an awaiting process that traps exits as ERR_TASK_FAILED with the reason', async () => {
    const { rt, me } = quietRuntime();
    me.trapExit(true);
    const task = Task.async(me, failingTask, 'on purpose');
    const err = await rejection(Task.await(me, task));
    expect(err).toBeInstanceOf(ExitError);
    expect(err.code).toBe('ERR_TASK_FAILED');
    expect(err.reason).toMatchObject({ error: 'task failed: on purpose' });
    // The task's DOWN and EXIT messages were consumed with it.
    expect(rt.processInfo(me.self)).toMatchObject({ links: [], monitors: [], mailboxLength: 0 });
    await rt.stop(50);
  });

  it('a task crash takes down an awaiting process that does not trap exits, with the same reason', async () => {
    const { rt, me } = quietRuntime();
    const caller = me.spawn(awaitsFailure, me.self);
    const ref = me.monitor(caller);
    const down = await me.receive(isDownMessage);
    expect(down.ref).toBe(ref);
    expect(down.reason).toMatchObject({ error: 'task failed: unwatched' });
    // It never got past the await, neither with a value nor with an error.
    expect(await me.receive(0)).toBe(Symbol.for('beamjs.timeout'));
    await rt.stop(50);
  });

  it('a task that exits normal without a result fails its await', async () => {
    const { rt, me } = quietRuntime();
    const err = await rejection(Task.await(me, Task.async(me, quitter)));
    expect(err).toMatchObject({ code: 'ERR_TASK_FAILED', reason: 'normal' });
    await rt.stop(50);
  });

  it('only the owner may await a task', async () => {
    const { rt, me } = quietRuntime();
    const other = rt.mailbox();
    const task = Task.async(me, double, 2);
    const err = await rejection(Task.await(other, task));
    expect(err.code).toBe('ERR_INVALID_ARGUMENT');
    expect(err.message).toContain('only the process that started a task receives its result');
    await expect(Task.yield(other, task)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(Task.shutdown(other, task)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    // The owner still gets it.
    expect(await Task.await(me, task)).toBe(4);
    await rt.stop(50);
  });

  it('yield returns { ok } for a result, undefined while the task runs, { exit } for a crash seen while trapping', async () => {
    const { rt, me } = quietRuntime();
    const slow = Task.async(me, slowEcho, 'eventually', 30);
    expect(await Task.yield(me, slow, 0)).toBeUndefined();
    expect(await Task.yield(me, slow, 5_000)).toEqual({ ok: 'eventually' });
    const quick = await Task.yield(me, Task.async(me, double, 5));
    expectTypeOf(quick).toEqualTypeOf<Task.TaskOutcome<number> | undefined>();
    expect(quick).toEqual({ ok: 10 });
    me.trapExit(true);
    const crashed = await Task.yield(me, Task.async(me, failingTask, 'yielded'));
    expect(crashed).toEqual({ exit: expect.objectContaining({ error: 'task failed: yielded' }) });
    expect(rt.processInfo(me.self)).toMatchObject({ links: [], monitors: [], mailboxLength: 0 });
    await rt.stop(50);
  });

  it('shutdown returns the result of a task that finished meanwhile', async () => {
    const { rt, me } = quietRuntime();
    const task = Task.async(me, announce, me.self, 7);
    expect(await me.receive((m) => (m as { about?: string }).about === 'to-return')).toEqual({ about: 'to-return', value: 7 });
    expect(await Task.shutdown(me, task)).toEqual({ ok: 7 });
    expect(rt.processInfo(me.self)).toMatchObject({ links: [], monitors: [], mailboxLength: 0 });
    await rt.stop(50);
  });

  it('shutdown stops a running task and returns undefined; brutal_kill kills it; a task that ignores shutdown is killed after the timeout', async () => {
    const { rt, me } = quietRuntime();
    const running = Task.async(me, slowEcho, 'never', 10_000);
    expect(await Task.shutdown(me, running)).toBeUndefined();
    expect(rt.isAlive(running.pid)).toBe(false);

    const brutal = Task.async(me, slowEcho, 'never', 10_000);
    expect(await Task.shutdown(me, brutal, 'brutal_kill')).toBeUndefined();
    expect(rt.isAlive(brutal.pid)).toBe(false);

    const obs = rt.mailbox();
    const stubbornTask = Task.async(me, stubborn, obs.self);
    await obs.receive();
    expect(await Task.shutdown(me, stubbornTask, 20)).toBeUndefined();
    expect(rt.isAlive(stubbornTask.pid)).toBe(false);
    // The caller was not taken down by any of them.
    expect(rt.isAlive(me.self)).toBe(true);
    await rt.stop(50);
  });

  it('shutdown of a task that had crashed returns { exit: reason }', async () => {
    const { rt, me } = quietRuntime();
    me.trapExit(true);
    const task = Task.async(me, failingTask, 'before shutdown');
    // Wait until it is gone: its EXIT arrives (we trap exits).
    await me.receive((m) => (m as { type?: string }).type === 'EXIT');
    expect(await Task.shutdown(me, task)).toEqual({ exit: expect.objectContaining({ error: 'task failed: before shutdown' }) });
    await rt.stop(50);
  });

  it('start runs a definition fire-and-forget, unlinked', async () => {
    const { rt, me } = quietRuntime();
    const pid = Task.start(me, notify, me.self as Pid<string>, 'hello');
    expect(typeof pid).toBe('number');
    expect(await me.receive()).toBe('hello');
    expect(rt.processInfo(me.self)?.links).toEqual([]);
    await rt.stop(50);
  });

  it('awaitMany and yieldMany collect several tasks in order', async () => {
    const { rt, me } = quietRuntime();
    const tasks = [3, 1, 2].map((n) => Task.async(me, double, n));
    expect(await Task.awaitMany(me, tasks)).toEqual([6, 2, 4]);
    const mixed = [Task.async(me, slowEcho, 'a', 1), Task.async(me, slowEcho, 'b', 10_000)];
    expect(await Task.yieldMany(me, mixed, 50)).toEqual([{ ok: 'a' }, undefined]);
    await Task.shutdown(me, mixed[1]!, 'brutal_kill');
    await rt.stop(50);
  });
});

describe('Task.asyncStream', () => {
  it('yields { ok } outcomes in the order of the items by default, whatever order the tasks finish in', async () => {
    const { rt, me } = quietRuntime();
    const obs = rt.mailbox<GateNote>();
    const items = [0, 1, 2].map((n) => ({ n, observer: obs.self }));
    const stream = Task.asyncStream(me, items, gated, { maxConcurrency: 3 });
    const it = stream[Symbol.asyncIterator]();
    const first = it.next();
    const started = new Map<number, Pid<'go'>>();
    for (let i = 0; i < 3; i++) {
      const note = await obs.receive();
      started.set(note.started, note.pid);
    }
    // Finish them backwards: nothing comes out until item 0 is done.
    obs.send(started.get(2)!, 'go');
    obs.send(started.get(1)!, 'go');
    obs.send(started.get(0)!, 'go');
    const outcomes = [(await first).value, (await it.next()).value, (await it.next()).value];
    expect(outcomes).toEqual([{ ok: 0 }, { ok: 1 }, { ok: 2 }]);
    expect((await it.next()).done).toBe(true);
    await rt.stop(50);
  });

  it('with ordered: false yields each outcome as its task finishes', async () => {
    const { rt, me } = quietRuntime();
    const obs = rt.mailbox<GateNote>();
    const items = [0, 1, 2].map((n) => ({ n, observer: obs.self }));
    const it = Task.asyncStream(me, items, gated, { ordered: false, maxConcurrency: 3 })[Symbol.asyncIterator]();
    const pending = it.next();
    const started = new Map<number, Pid<'go'>>();
    for (let i = 0; i < 3; i++) {
      const note = await obs.receive();
      started.set(note.started, note.pid);
    }
    const seen: unknown[] = [];
    obs.send(started.get(2)!, 'go');
    seen.push((await pending).value);
    obs.send(started.get(0)!, 'go');
    seen.push((await it.next()).value);
    obs.send(started.get(1)!, 'go');
    seen.push((await it.next()).value);
    expect(seen).toEqual([{ ok: 2 }, { ok: 0 }, { ok: 1 }]);
    expect((await it.next()).done).toBe(true);
    await rt.stop(50);
  });

  it('never has more than maxConcurrency tasks in flight', async () => {
    const { rt, me } = quietRuntime();
    const counter = me.spawn(gauge);
    const items = Array.from({ length: 20 }, (_, n) => ({ n, ms: n % 3, gauge: counter }));
    const outcomes = await collect(Task.asyncStream(me, items, measured, { maxConcurrency: 3 }));
    expect(outcomes).toEqual(items.map(({ n }) => ({ ok: n * n })));
    me.send(counter, { get: me.self as Pid<GaugeState> });
    const stats = (await me.receive()) as GaugeState;
    expect(stats).toEqual({ now: 0, max: 3, total: 20 });
    await rt.stop(50);
  });

  it('takes an async iterable, pulling items only as slots free up', async () => {
    const { rt, me } = quietRuntime();
    let pulled = 0;
    async function* numbers() {
      for (let n = 1; n <= 5; n++) {
        pulled++;
        yield { n, ms: 0 };
      }
    }
    const it = Task.asyncStream(me, numbers(), napThenEcho, { maxConcurrency: 2 })[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual({ ok: 1 });
    // One yielded, one in flight, at most one more pulled to refill.
    expect(pulled).toBeLessThanOrEqual(3);
    const rest: unknown[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
    expect(rest).toEqual([{ ok: 2 }, { ok: 3 }, { ok: 4 }, { ok: 5 }]);
    expect(pulled).toBe(5);
    await rt.stop(50);
  });

  it('a crashing task yields { exit: reason } to a caller that traps exits, and the stream goes on', async () => {
    const { rt, me } = quietRuntime();
    me.trapExit(true);
    const outcomes = await collect(Task.asyncStream(me, [1, -2, 3].map((n) => ({ n, ms: 0 })), napThenEcho));
    expect(outcomes).toEqual([{ ok: 1 }, { exit: expect.objectContaining({ error: 'negative: -2' }) }, { ok: 3 }]);
    expect(rt.processInfo(me.self)).toMatchObject({ links: [], monitors: [], mailboxLength: 0 });
    await rt.stop(50);
  });

  it("onTimeout 'kill_task' kills a task past its timeout and yields { exit: 'timeout' } in its place", async () => {
    const { rt, me } = quietRuntime();
    const items = [
      { n: 1, ms: 0 },
      { n: 2, ms: 10_000 },
      { n: 3, ms: 0 },
    ];
    const outcomes = await collect(Task.asyncStream(me, items, napThenEcho, { timeout: 50, onTimeout: 'kill_task' }));
    expect(outcomes).toEqual([{ ok: 1 }, { exit: 'timeout' }, { ok: 3 }]);
    expect(rt.processInfo(me.self)).toMatchObject({ links: [], monitors: [], mailboxLength: 0 });
    expect(rt.snapshot().processes).toBe(1);
    await rt.stop(50);
  });

  it("by default a task past its timeout makes the stream throw ERR_TASK_TIMEOUT, and its tasks are killed", async () => {
    const { rt, me } = quietRuntime();
    const obs = rt.mailbox<GateNote>();
    const items = [0, 1].map((n) => ({ n, observer: obs.self }));
    const err = await rejection(collect(Task.asyncStream(me, items, gated, { timeout: 30 })));
    expect(err).toBeInstanceOf(ExitError);
    expect(err).toMatchObject({ code: 'ERR_TASK_TIMEOUT', reason: 'timeout' });
    const pids = [(await obs.receive()).pid, (await obs.receive()).pid];
    expect(pids.map((pid) => rt.isAlive(pid))).toEqual([false, false]);
    expect(rt.isAlive(me.self)).toBe(true);
    expect(rt.processInfo(me.self)).toMatchObject({ links: [], monitors: [], mailboxLength: 0 });
    await rt.stop(50);
  });

  it('leaving the loop early kills the tasks still running', async () => {
    const { rt, me } = quietRuntime();
    const items = [{ n: 1, ms: 0 }, ...Array.from({ length: 5 }, (_, i) => ({ n: i + 2, ms: 10_000 }))];
    for await (const outcome of Task.asyncStream(me, items, napThenEcho, { maxConcurrency: 4 })) {
      expect(outcome).toEqual({ ok: 1 });
      break;
    }
    expect(rt.snapshot().processes).toBe(1);
    expect(rt.processInfo(me.self)).toMatchObject({ links: [], monitors: [], mailboxLength: 0 });
    await rt.stop(50);
  });

  it('leaving the loop early leaves nothing of the other tasks in the mailbox, results included', async () => {
    const { rt, me } = quietRuntime();
    // Quick tasks: by the time the first outcome is taken, others have sent their results.
    const items = Array.from({ length: 6 }, (_, i) => ({ n: i + 1, ms: 0 }));
    for await (const outcome of Task.asyncStream(me, items, napThenEcho, { maxConcurrency: 6, ordered: false })) {
      expect(outcome).toHaveProperty('ok');
      await me.sleep(20);
      break;
    }
    expect(rt.processInfo(me.self)).toMatchObject({ links: [], monitors: [], mailboxLength: 0 });
    await rt.stop(50);
  });

  it('checks its options and its definition', async () => {
    const { rt, me } = quietRuntime();
    await expect(collect(Task.asyncStream(me, [1], double, { maxConcurrency: 0 }))).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(collect(Task.asyncStream(me, [1], ((_: unknown, n: number) => n) as unknown as typeof double))).rejects.toMatchObject({
      code: 'ERR_NOT_A_DEFINITION',
    });
    void (() => {
      // @ts-expect-error: the items must be what the definition takes
      void Task.asyncStream(me, ['a'], double);
    });
    expect(await collect(Task.asyncStream(me, [], double))).toEqual([]);
    await rt.stop(50);
  });
});
