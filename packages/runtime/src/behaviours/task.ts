import { availableParallelism } from 'node:os';
import { TIMEOUT, type Context } from '../context.js';
import { assertDefinition, defineProcess, loadDefinition, lookupDefinition, type Definition, type ArgsOf, type ProcessDefinition, type ResultOf } from '../definition.js';
import { BeamError, checkTimeout, describe } from '../errors.js';
import { pidToString, type Alias, type AnyPid, type Pid, type Ref } from '../pid.js';
import { formatReason, type ExitReason } from '../reasons.js';
import { chain, isPromiseLike, type Awaitable } from './async.js';
import { flushExit } from './gen-server.js';
import { ExitError } from './errors.js';
import { isDownFor, isExitFrom } from './messages.js';

/**
 * Task: run one piece of work in its own process and collect its result, as in Elixir.
 *
 * ```ts
 * export const fetchUser = defineProcess(import.meta.url, 'fetchUser', async (_ctx: Context<never>, id: number) => load(id));
 *
 * const task = Task.async(ctx, fetchUser, 42);   // linked and monitored; runs on any scheduler
 * const user = await Task.await(ctx, task);      // its return value
 *
 * for await (const r of Task.asyncStream(ctx, ids, fetchUser, { maxConcurrency: 4 })) {
 *   if ('ok' in r) use(r.ok); else console.warn(r.exit);
 * }
 * ```
 *
 * The work is a process definition (made with `defineProcess` at a module's top level), never a
 * closure: a task may start on another scheduler thread, which finds the code by its key.
 *
 * How it works: `async` spawns (linked) a small wrapper process, `task`, defined below at this
 * module's top level so every thread has it. The wrapper loads the user's definition by key
 * (importing its module on a thread that has not loaded it yet), runs its body, and sends
 * `{ $task: 'result', pid, value }` to the owner; then it exits `normal`. The owner monitors the
 * task, so a task that dies without a result is seen as a DOWN message. Link and monitor are
 * set in the spawn itself (`spawnLinkMonitor`): no signal follows the spawn, so the DOWN always
 * carries the real reason and comes after the result, and the VM may start the task on any
 * scheduler (a job that was signalled before it started stays where it was spawned). The
 * result is matched by the task's pid (never reused for another live process).
 *
 * Failure semantics, as in Elixir: the task is linked to its owner, so a task that crashes takes
 * an owner that does not trap exits down with it, with the same reason. An owner that traps exits
 * survives, and `await` throws ExitError ERR_TASK_FAILED with the task's exit reason (`yield`
 * returns `{ exit: reason }`).
 *
 * Messages: once `await`/`yield` has the outcome of a task, the owner drops its link and monitor
 * and removes the task's leftovers from its mailbox: the DOWN message and (for an owner that
 * traps exits) the EXIT message. (Elixir leaves a trapping owner the `{:EXIT, pid, :normal}`.)
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctx = Context<any>;

declare const resultType: unique symbol;

/**
 * A running task: plain data (store it, send it), but only `owner` may await it. `R` is the type
 * of the value the task's definition returns.
 */
export interface Task<R = unknown> {
  readonly pid: Pid<never>;
  /** The owner's monitor on the task. */
  readonly ref: Ref;
  /** The process that started the task, the only one that receives its result. */
  readonly owner: AnyPid;
  /** The owner's alias the result comes through (deactivated once the owner is done with the task). */
  readonly alias?: Alias;
  readonly [resultType]?: R;
}

/** How a task ended, as Elixir's `{:ok, value}` / `{:exit, reason}`. */
export type TaskOutcome<R> = { ok: R } | { exit: ExitReason };

/** The message a task sends its owner with its result. */
export interface TaskResultMessage {
  readonly $task: 'result';
  readonly pid: AnyPid;
  readonly value: unknown;
}

export const isTaskResultFrom = (msg: unknown, pid: AnyPid): msg is TaskResultMessage =>
  typeof msg === 'object' && msg !== null && (msg as TaskResultMessage).$task === 'result' && (msg as TaskResultMessage).pid === pid;

/** A process definition whose body's return value is the task's result. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TaskDefinition = ProcessDefinition<any, any[], any>;

/** The value a task running `D` resolves to. */
export type TaskResult<D> = Awaited<ResultOf<D>>;

/**
 * The wrapper every task runs in: loads the user's definition by key, runs it, sends the
 * result to `owner`. Defined at the top level, so every thread that loads this module has it.
 */
const runner = defineProcess(import.meta.url, 'task', (ctx: Context<unknown>, owner: AnyPid | Alias, key: string, args: unknown[]): Awaitable<void> => runTask(ctx, owner, key, args));

/** @internal a task's work: run the definition `key` and send the result to `owner` (Task.Supervisor's tasks too). */
export function runTask(ctx: Context<unknown>, owner: AnyPid | Alias, key: string, args: unknown[]): Awaitable<void> {
  const def = lookupDefinition(key);
  return def ? runBody(ctx, def, owner, args) : loadDefinition(key).then((loaded) => runBody(ctx, loaded, owner, args));
}

function runBody(ctx: Context<unknown>, def: Definition, owner: AnyPid | Alias, args: unknown[]): Awaitable<void> {
  if (def.kind !== 'process') throw notAProcess(def, 'a task');
  return chain(def.body(ctx, ...args), (value: unknown) => {
    ctx.send(owner, { $task: 'result', pid: ctx.self, value });
  });
}

/**
 * Starts `def(...args)` in a new process, linked to and monitored by the caller, and returns
 * the task to `await`, `yield` or `shutdown`. The process may run on any scheduler.
 *
 * Throws ERR_NOT_A_DEFINITION for a plain function (a closure cannot be loaded by another
 * thread), ERR_INVALID_ARGUMENT for an actor (it returns no result).
 */
export function async<D extends TaskDefinition>(ctx: Ctx, def: D, ...args: ArgsOf<D>): Task<TaskResult<D>> {
  checkTaskDefinition(def, 'Task.async');
  // The result comes through an alias: once the owner is done with the task (its outcome
  // taken, or shut down), a result still on its way is dropped on arrival.
  const alias = ctx.alias();
  const [pid, ref] = ctx.spawnLinkMonitor(runner, alias, def.key, args);
  return { pid: pid as Pid<never>, ref, owner: ctx.self, alias };
}

/**
 * Starts `def(...args)` in a new process that nobody links to or waits for (Elixir's
 * `Task.start`): fire and forget. Its return value is dropped; a crash is reported like any
 * unlinked process's crash. Returns its pid.
 */
export function start<D extends TaskDefinition>(ctx: Ctx, def: D, ...args: ArgsOf<D>): Pid<never> {
  checkTaskDefinition(def, 'Task.start');
  return ctx.spawn(def, ...args) as Pid<never>;
}

/**
 * Waits for the task's result (default 5000 ms). Only the task's owner may await it.
 *
 * - the task returned -> its value;
 * - the task exited without a result (the owner traps exits, or the task exited `normal`) ->
 *   ExitError ERR_TASK_FAILED with the task's exit reason. (An owner that does not trap exits
 *   never gets here for a crash: the link takes it down with the task's reason, as in Elixir.)
 * - no result within `timeout` -> ExitError ERR_TASK_TIMEOUT, reason `timeout`. Unlike Elixir,
 *   where the caller exits, this is an error the caller may catch; the task is NOT killed and
 *   stays linked and monitored: await it again, `yield` to it, or `shutdown` it.
 */
async function awaitTask<R>(ctx: Ctx, task: Task<R>, timeout: number = 5000): Promise<R> {
  const ms = checkTimeout(timeout);
  checkOwner(ctx, task, 'await');
  const outcome = await receiveOutcome(ctx, task, ms);
  if (outcome === undefined) {
    throw new ExitError(
      'ERR_TASK_TIMEOUT',
      `task ${pidToString(task.pid)} did not finish within ${ms} ms; it is still running: await it again, or stop it with Task.shutdown`,
      'timeout',
    );
  }
  if ('ok' in outcome) return outcome.ok as R;
  throw new ExitError('ERR_TASK_FAILED', `task ${pidToString(task.pid)} exited without a result: ${formatReason(outcome.exit)}`, outcome.exit);
}

/**
 * Waits up to `timeout` ms (default 5000) for the task: `{ ok: value }` if it returned,
 * `{ exit: reason }` if it exited without a result (seen only by an owner that traps exits, or
 * for a task that exited `normal`), `undefined` if it is still running (it keeps running; yield
 * again, await it, or shut it down).
 */
async function yieldTask<R>(ctx: Ctx, task: Task<R>, timeout: number = 5000): Promise<TaskOutcome<R> | undefined> {
  const ms = checkTimeout(timeout);
  checkOwner(ctx, task, 'yield');
  return (await receiveOutcome(ctx, task, ms)) as TaskOutcome<R> | undefined;
}

// `await` and `yield` are reserved words: declared under other names, exported under these.
export { awaitTask as await, yieldTask as yield };

/**
 * Waits for every task, each with what is left of one shared `timeout` (default 5000 ms):
 * the outcomes in the order of `tasks`, `undefined` for those still running (Elixir's
 * `Task.yield_many`).
 */
export async function yieldMany<R>(ctx: Ctx, tasks: readonly Task<R>[], timeout: number = 5000): Promise<(TaskOutcome<R> | undefined)[]> {
  const ms = checkTimeout(timeout);
  for (const task of tasks) checkOwner(ctx, task, 'yieldMany');
  const deadline = performance.now() + ms;
  const out: (TaskOutcome<R> | undefined)[] = [];
  for (const task of tasks) {
    const left = ms === Infinity ? Infinity : Math.max(0, deadline - performance.now());
    out.push((await receiveOutcome(ctx, task, left)) as TaskOutcome<R> | undefined);
  }
  return out;
}

/** Awaits every task (one shared timeout): their values in order, or the first failure thrown. */
export async function awaitMany<R>(ctx: Ctx, tasks: readonly Task<R>[], timeout: number = 5000): Promise<R[]> {
  const ms = checkTimeout(timeout);
  for (const task of tasks) checkOwner(ctx, task, 'awaitMany');
  const deadline = performance.now() + ms;
  const out: R[] = [];
  for (const task of tasks) {
    const left = ms === Infinity ? Infinity : Math.max(0, deadline - performance.now());
    out.push(await awaitTask(ctx, task, left));
  }
  return out;
}

/**
 * Stops the task: unlinks it, sends it exit `shutdown` (or `kill` with `'brutal_kill'`), waits up
 * to `timeout` ms (default 5000) for it to go, and kills it past that. Returns `{ ok: value }` if
 * its result arrived meanwhile (or before, and nobody took it), `{ exit: reason }` if it had
 * already exited with another reason, `undefined` if it was stopped (or had already been awaited).
 */
export async function shutdown<R>(ctx: Ctx, task: Task<R>, timeout: number | 'brutal_kill' = 5000): Promise<TaskOutcome<R> | undefined> {
  const brutal = timeout === 'brutal_kill';
  const ms = brutal ? 0 : checkTimeout(timeout);
  checkOwner(ctx, task, 'shutdown');
  const { pid } = task;
  ctx.unlink(pid);
  // A second monitor guarantees a DOWN even if the first one was consumed by an earlier await.
  const ref = ctx.monitor(pid);
  ctx.exit(pid, brutal ? 'kill' : 'shutdown');
  const match = (m: unknown) => isTaskResultFrom(m, pid) || isDownFor(m, task.ref) || isDownFor(m, ref);
  let msg = await ctx.receive(match, brutal ? Infinity : ms);
  if (msg === TIMEOUT) {
    ctx.exit(pid, 'kill');
    msg = await ctx.receive(match);
  }
  ctx.demonitor(task.ref, { flush: true });
  ctx.demonitor(ref, { flush: true });
  await flushExit(ctx, pid);
  if (isTaskResultFrom(msg, pid)) return { ok: msg.value as R };
  const reason = (msg as { reason: ExitReason }).reason;
  if (reason === 'shutdown' || reason === 'killed' || reason === 'noproc') return undefined;
  return { exit: reason };
}

export interface StreamOptions {
  /** At most this many tasks run at once (default: the machine's available parallelism, at least 2). */
  maxConcurrency?: number;
  /** Yield the outcomes in the order of the items (default), or as the tasks finish. */
  ordered?: boolean;
  /** How long each task may run, in ms from its start (default 5000; Infinity for no limit). */
  timeout?: number;
  /**
   * A task past its timeout: `'exit'` (default) kills every running task and makes the stream
   * throw ExitError ERR_TASK_TIMEOUT (Elixir exits the caller); `'kill_task'` kills that task
   * only and yields `{ exit: 'timeout' }` in its place.
   */
  onTimeout?: 'exit' | 'kill_task';
}

/** The item type a stream's definition takes (its first argument after ctx). */
export type StreamItemOf<D> = ArgsOf<D> extends [infer I, ...unknown[]] ? I : never;

interface Running {
  index: number;
  pid: AnyPid;
  ref: Ref;
  deadline: number;
}

/**
 * Runs `def(item)` as a task for each item, at most `maxConcurrency` at a time, and yields
 * each outcome, `{ ok: value }` or `{ exit: reason }` (Elixir's `Task.async_stream`). Items may be
 * an iterable or an async iterable; they are pulled only as slots free up, so an endless source
 * is fine. Ordered (default): outcomes come in the order of the items; a finished task whose
 * predecessors still run waits in a buffer (it no longer counts against `maxConcurrency`).
 *
 * The tasks are linked to the caller, as in Elixir: a task that crashes takes down a caller that
 * does not trap exits; a caller that traps exits gets `{ exit: reason }` for it and goes on.
 * Leaving the loop early (break, throw) kills the tasks still running.
 */
export async function* asyncStream<D extends TaskDefinition>(
  ctx: Ctx,
  items: Iterable<StreamItemOf<D>> | AsyncIterable<StreamItemOf<D>>,
  def: D,
  options: StreamOptions = {},
): AsyncGenerator<TaskOutcome<TaskResult<D>>, void, undefined> {
  checkTaskDefinition(def, 'Task.asyncStream');
  yield* streamTasks(ctx, items, def, options, (item) => ctx.spawnLinkMonitor(runner, ctx.self, def.key, [item]));
}

/** @internal asyncStream with the way each task starts (linked here, under a Task.Supervisor there) as a parameter. */
export async function* streamTasks<D extends TaskDefinition>(
  ctx: Ctx,
  items: Iterable<StreamItemOf<D>> | AsyncIterable<StreamItemOf<D>>,
  def: D,
  options: StreamOptions,
  startTask: (item: unknown) => Awaitable<[AnyPid, Ref]>,
): AsyncGenerator<TaskOutcome<TaskResult<D>>, void, undefined> {
  const max = options.maxConcurrency ?? Math.max(2, availableParallelism());
  if (!Number.isInteger(max) || max < 1) {
    throw new BeamError('ERR_INVALID_ARGUMENT', `Task.asyncStream: maxConcurrency must be a positive integer, got ${describe(max)}`);
  }
  const ordered = options.ordered ?? true;
  const timeout = checkTimeout(options.timeout ?? 5000);
  const onTimeout = options.onTimeout ?? 'exit';
  if (onTimeout !== 'exit' && onTimeout !== 'kill_task') {
    throw new BeamError('ERR_INVALID_ARGUMENT', `Task.asyncStream: onTimeout must be 'exit' or 'kill_task', got ${describe(onTimeout)}`);
  }
  const source = iteratorOf(items);
  const byPid = new Map<AnyPid, Running>();
  const byRef = new Map<Ref, Running>();
  /** Ordered mode: outcomes that wait for their predecessors. */
  const buffer = new Map<number, TaskOutcome<TaskResult<D>>>();
  let spawned = 0;
  let nextOut = 0;
  let exhausted = false;
  const match = (m: unknown): boolean => {
    if (typeof m !== 'object' || m === null) return false;
    if ((m as TaskResultMessage).$task === 'result') return byPid.has((m as TaskResultMessage).pid);
    return (m as { type?: unknown }).type === 'DOWN' && byRef.has((m as { ref: Ref }).ref);
  };
  const finish = async (task: Running): Promise<void> => {
    byPid.delete(task.pid);
    byRef.delete(task.ref);
    await forget(ctx, task.pid, task.ref);
  };

  try {
    for (;;) {
      while (!exhausted && byPid.size < max) {
        const next = source.next();
        const step = isPromiseLike(next) ? await next : next;
        if (step.done) {
          exhausted = true;
          break;
        }
        const started = startTask(step.value);
        const [pid, ref] = isPromiseLike(started) ? await started : started;
        const task: Running = { index: spawned++, pid, ref, deadline: performance.now() + timeout };
        byPid.set(pid, task);
        byRef.set(task.ref, task);
      }
      if (ordered) {
        while (buffer.has(nextOut)) {
          const outcome = buffer.get(nextOut)!;
          buffer.delete(nextOut++);
          yield outcome;
        }
      }
      if (byPid.size === 0) {
        if (exhausted) return;
        continue;
      }
      let earliest = Infinity;
      for (const task of byPid.values()) if (task.deadline < earliest) earliest = task.deadline;
      const msg = await ctx.receive(match, earliest === Infinity ? Infinity : Math.max(0, earliest - performance.now()));
      const done: [Running, TaskOutcome<TaskResult<D>>][] = [];
      if (msg === TIMEOUT) {
        const now = performance.now();
        for (const task of [...byPid.values()]) {
          if (task.deadline > now) continue;
          if (onTimeout === 'exit') {
            throw new ExitError(
              'ERR_TASK_TIMEOUT',
              `Task.asyncStream: the task for item #${task.index} did not finish within ${timeout} ms; the stream's tasks were killed (pass onTimeout: 'kill_task' to skip it instead)`,
              'timeout',
            );
          }
          byPid.delete(task.pid);
          byRef.delete(task.ref);
          await killTask(ctx, task.pid, task.ref);
          done.push([task, { exit: 'timeout' }]);
        }
      } else if ((msg as TaskResultMessage).$task === 'result') {
        const result = msg as TaskResultMessage;
        const task = byPid.get(result.pid)!;
        await finish(task);
        done.push([task, { ok: result.value as TaskResult<D> }]);
      } else {
        const down = msg as { ref: Ref; pid: AnyPid; reason: ExitReason };
        const task = byRef.get(down.ref)!;
        const reason = down.reason === 'noproc' ? await exitReasonOf(ctx, task.pid) : down.reason;
        await finish(task);
        done.push([task, { exit: reason }]);
      }
      for (const [task, outcome] of done) {
        if (ordered) buffer.set(task.index, outcome);
        else yield outcome;
      }
    }
  } finally {
    // Left early (break, an error, a timeout): the tasks still running go.
    for (const task of byPid.values()) {
      try {
        await killTask(ctx, task.pid, task.ref);
      } catch {
        // The caller itself is gone: its links took the tasks down already.
      }
    }
    byPid.clear();
    byRef.clear();
    if (!exhausted) await closeIterator(source);
  }
}

// ---- internals ------------------------------------------------------------------------------

/** The outcome of a task, or undefined when `ms` passes first; cleans up after a final one. */
async function receiveOutcome(ctx: Ctx, task: Task<unknown>, ms: number): Promise<TaskOutcome<unknown> | undefined> {
  const { pid, ref } = task;
  const msg = await ctx.receive((m) => isTaskResultFrom(m, pid) || isDownFor(m, ref), ms);
  if (msg === TIMEOUT) return undefined;
  if (task.alias) ctx.unalias(task.alias);
  if (isTaskResultFrom(msg, pid)) {
    await forget(ctx, pid, ref);
    return { ok: msg.value };
  }
  const reason = (msg as { reason: ExitReason }).reason;
  const actual = reason === 'noproc' ? await exitReasonOf(ctx, pid) : reason;
  await forget(ctx, pid, ref);
  return { exit: actual };
}

/**
 * The task is done: drop the link (so a trapping owner gets no EXIT for it), the monitor and
 * its DOWN, and an EXIT message that already arrived.
 */
async function forget(ctx: Ctx, pid: AnyPid, ref: Ref): Promise<void> {
  ctx.unlink(pid);
  ctx.demonitor(ref, { flush: true });
  await flushExit(ctx, pid);
}

/**
 * Kills a task the owner no longer wants and removes every trace of it from the owner's
 * mailbox. Its DOWN comes after anything it sent, so once the DOWN is in, a result it sent
 * before it died is there too, and goes with it.
 */
async function killTask(ctx: Ctx, pid: AnyPid, ref: Ref): Promise<void> {
  ctx.unlink(pid);
  ctx.exit(pid, 'kill');
  await ctx.receive((m) => isDownFor(m, ref));
  await ctx.receive((m) => isTaskResultFrom(m, pid), 0);
  await flushExit(ctx, pid);
}

/**
 * A DOWN with `noproc` (a monitor set on a task already gone, as `shutdown`'s second monitor):
 * the real reason is in the task's EXIT message, if the owner traps exits.
 */
async function exitReasonOf(ctx: Ctx, pid: AnyPid): Promise<ExitReason> {
  const exit = await ctx.receive((m) => isExitFrom(m, pid), 0);
  return exit === TIMEOUT ? 'noproc' : (exit as { reason: ExitReason }).reason;
}

export function checkTaskDefinition(def: unknown, where: string): asserts def is TaskDefinition {
  assertDefinition(def, where);
  if (def.kind !== 'process') throw notAProcess(def, where);
}

function notAProcess(def: Definition, where: string): BeamError {
  return new BeamError(
    'ERR_INVALID_ARGUMENT',
    `${where} runs a process definition and uses what its body returns, but ${def.name} is an actor (it returns no result): define the work with defineProcess`,
  );
}

function checkOwner(ctx: Ctx, task: Task<unknown>, what: string): void {
  if (typeof task !== 'object' || task === null || typeof task.pid !== 'number' || typeof task.ref !== 'number') {
    throw new BeamError('ERR_INVALID_ARGUMENT', `Task.${what} needs a task made by Task.async, got ${describe(task)}`);
  }
  if (task.owner !== ctx.self) {
    throw new BeamError(
      'ERR_INVALID_ARGUMENT',
      `Task.${what}: task ${pidToString(task.pid)} belongs to ${pidToString(task.owner)}, not to ${pidToString(ctx.self)}: only the process that started a task receives its result`,
    );
  }
}

type Pull<T> = { next(): IteratorResult<T> | Promise<IteratorResult<T>>; return?(): unknown };

function iteratorOf<T>(items: Iterable<T> | AsyncIterable<T>): Pull<T> {
  if (items !== null && typeof items === 'object' && Symbol.asyncIterator in items) return items[Symbol.asyncIterator]();
  if (items !== null && items !== undefined && typeof (items as Iterable<T>)[Symbol.iterator] === 'function') return (items as Iterable<T>)[Symbol.iterator]();
  throw new BeamError('ERR_INVALID_ARGUMENT', `Task.asyncStream needs an iterable or an async iterable of items, got ${describe(items)}`);
}

async function closeIterator(source: Pull<unknown>): Promise<void> {
  try {
    await source.return?.();
  } catch {
    // The source's own cleanup failed: nothing the stream can do about it.
  }
}

