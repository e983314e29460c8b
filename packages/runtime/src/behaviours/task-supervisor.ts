import type { Context } from '../context.js';
import { defineProcess, type ArgsOf } from '../definition.js';
import type { AnyPid, Pid, Ref } from '../pid.js';
import type { ChildSpec, RestartType, Shutdown } from './child-spec.js';
import { childSpec as dynamicChildSpec, startChild as startDynamicChild, startLink as startDynamic, start as startDynamicUnlinked } from './dynamic-supervisor.js';
import { isDownFor } from './messages.js';
import type { DynamicSupervisorOptions, SupervisorRef } from './supervisor-types.js';
import {
  checkTaskDefinition,
  runTask,
  streamTasks,
  type StreamItemOf,
  type StreamOptions,
  type Task,
  type TaskDefinition,
  type TaskOutcome,
  type TaskResult,
} from './task.js';

/**
 * Task.Supervisor, as Elixir's: a DynamicSupervisor for tasks, so that work started on demand
 * (fire-and-forget jobs, requests fanned out) lives under the supervision tree and a crashing
 * task does not take down whoever started it.
 *
 * ```ts
 * const jobs = await TaskSupervisor.startLink(ctx, { name: 'jobs' });   // or TaskSupervisor.childSpec({ name: 'jobs' })
 * TaskSupervisor.startChild(ctx, 'jobs', sendEmail, to);                  // fire and forget: nobody is linked
 * const t = await TaskSupervisor.asyncNolink(ctx, 'jobs', fetchUser, 42);
 * try { await Task.await(ctx, t); } catch (e) { ... }                    // a crash is ERR_TASK_FAILED, the caller lives
 * ```
 *
 * Every task is a `temporary` child (never restarted). `async` links the task to the caller
 * (as `Task.async`: a crash takes a caller that does not trap exits down); `asyncNolink` only
 * monitors it. The task waits for its owner's go before it runs, so the owner's link and monitor
 * are in place first: a task that finishes at once still reaches `Task.await` with its result
 * or its real exit reason, never `noproc`.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctx = Context<any>;

interface Go {
  $task: 'go';
}

/** The supervised task: waits for its owner's go (or the owner's death), then runs like Task's. */
const supervisedTask = defineProcess(import.meta.url, 'supervisedTask', async (ctx: Context<unknown>, owner: AnyPid, key: string, args: unknown[]) => {
  const ref = ctx.monitor(owner);
  const first = await ctx.receive((m) => (m as Go)?.$task === 'go' || isDownFor(m, ref));
  if (isDownFor(first, ref)) return; // nobody is waiting for it any more
  ctx.demonitor(ref, { flush: true });
  await runTask(ctx, owner, key, args);
});

export interface TaskSupervisorOptions extends Omit<DynamicSupervisorOptions, 'timeout'> {}

/** Starts a task supervisor linked to the caller. */
export function startLink(ctx: Ctx, options: TaskSupervisorOptions = {}): Promise<Pid<unknown>> {
  return startDynamic(ctx, options);
}

/** Starts a task supervisor, unlinked. */
export function start(ctx: Ctx, options: TaskSupervisorOptions = {}): Promise<Pid<unknown>> {
  return startDynamicUnlinked(ctx, options);
}

/** A child spec that runs a task supervisor under a supervisor (default id: its name, or `task_supervisor`). */
export function childSpec(options: TaskSupervisorOptions & { id?: string; restart?: RestartType; shutdown?: Shutdown } = {}): ChildSpec {
  const { id, ...rest } = options;
  return dynamicChildSpec(id ?? options.name ?? 'task_supervisor', rest);
}

/**
 * Starts `def(...args)` under the supervisor, linked to nobody but the supervisor (Elixir's
 * `Task.Supervisor.start_child`): fire and forget. Resolves with its pid once it runs. Its
 * result is dropped; a crash is logged as a supervisor report and touches nobody else.
 */
export async function startChild<D extends TaskDefinition>(ctx: Ctx, sup: SupervisorRef, def: D, ...args: ArgsOf<D>): Promise<Pid<never>> {
  checkTaskDefinition(def, 'TaskSupervisor.startChild');
  return (await startDynamicChild(ctx, sup, { start: { def, args: args as never }, restart: 'temporary' })) as Pid<never>;
}

/** Like `Task.async`, with the task under the supervisor: linked to and monitored by the caller. Await it with `Task.await`. */
export function async<D extends TaskDefinition>(ctx: Ctx, sup: SupervisorRef, def: D, ...args: ArgsOf<D>): Promise<Task<TaskResult<D>>> {
  return startTask(ctx, sup, def, args, true, 'TaskSupervisor.async');
}

/**
 * Like `async`, without the link: a task that crashes does not take the caller down, even if it
 * does not trap exits. `Task.await` throws ERR_TASK_FAILED with its reason; `Task.yield` gives `{ exit }`.
 */
export function asyncNolink<D extends TaskDefinition>(ctx: Ctx, sup: SupervisorRef, def: D, ...args: ArgsOf<D>): Promise<Task<TaskResult<D>>> {
  return startTask(ctx, sup, def, args, false, 'TaskSupervisor.asyncNolink');
}

/**
 * `Task.asyncStream` with each task under the supervisor. `link: false` (Elixir's
 * `async_stream_nolink`, the default here) makes a crashing item `{ exit: reason }` without
 * touching the caller; `link: true` links each task to the caller as `Task.asyncStream` does.
 */
export async function* asyncStream<D extends TaskDefinition>(
  ctx: Ctx,
  sup: SupervisorRef,
  items: Iterable<StreamItemOf<D>> | AsyncIterable<StreamItemOf<D>>,
  def: D,
  options: StreamOptions & { link?: boolean } = {},
): AsyncGenerator<TaskOutcome<TaskResult<D>>, void, undefined> {
  checkTaskDefinition(def, 'TaskSupervisor.asyncStream');
  yield* streamTasks(ctx, items, def, options, async (item) => {
    const task = await startTask(ctx, sup, def, [item] as never, options.link === true, 'TaskSupervisor.asyncStream');
    return [task.pid, task.ref] as [AnyPid, Ref];
  });
}

async function startTask<D extends TaskDefinition>(ctx: Ctx, sup: SupervisorRef, def: D, args: unknown[], link: boolean, where: string): Promise<Task<TaskResult<D>>> {
  checkTaskDefinition(def, where);
  const pid = (await startDynamicChild(ctx, sup, { start: { def: supervisedTask, args: [ctx.self, def.key, args] }, restart: 'temporary' })) as Pid<never>;
  if (link) ctx.link(pid);
  const ref = ctx.monitor(pid);
  ctx.send(pid as AnyPid, { $task: 'go' } satisfies Go);
  return { pid, ref, owner: ctx.self };
}
