import { TIMEOUT, type Context } from '../context.js';
import { BeamError } from '../errors.js';
import { loadDefinition } from '../definition.js';
import { ProcessExit } from '../process.js';
import { crashReason, type ExitReason } from '../reasons.js';
import type { SupervisorReport } from '../host.js';
import { ExitError } from './errors.js';
import { isServerDefinition } from './gen-server-loop.js';
import { startServer } from './gen-server.js';
import { isDownFor, isExitFrom } from './messages.js';
import { isViaName, via } from './via.js';
import type { ChildSpecData, Shutdown } from './child-spec.js';

/**
 * How a supervisor starts and stops one child: the two halves of OTP's child handling that
 * Supervisor and DynamicSupervisor share. Both run inside the supervisor process (which traps
 * exits), in a callback that may wait in a selective receive.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctx = Context<any>;

/** `ignore`: the child's `init` returned `{ ignore: true }`, so there is no process (as OTP's `ignore`). */
export type StartOutcome = { ok: number } | { ignore: true } | { error: ExitReason };

/**
 * Supervised children live long and cannot all share their supervisor's scheduler (a started
 * coroutine never moves): they start where there is room (see the scheduler README).
 */
const CHILD_PLACEMENT = 'spread';

/**
 * Starts a child linked to the supervisor. The definition is found by key (its module is
 * imported on first use on this thread). A GenServer goes through the init handshake, so a
 * failed `init` is a failed start; any other definition is spawned and linked.
 */
export async function startChildProcess(ctx: Ctx, spec: ChildSpecData): Promise<StartOutcome> {
  try {
    const def = await loadDefinition(spec.start.key);
    if (isServerDefinition(def)) {
      const started = await startServer(ctx, def, spec.start.args, { name: spec.start.regName, placement: CHILD_PLACEMENT, node: spec.node }, true);
      return typeof started === 'number' ? { ok: started } : { ignore: true };
    }
    if (spec.node !== undefined) {
      if (spec.start.regName !== undefined) throw new BeamError('ERR_INVALID_ARGUMENT', `child ${JSON.stringify(spec.id)} on node '${spec.node}': a name is registered by the process itself there (ctx.registerGlobal)`);
      return { ok: await ctx.spawnOnWith(spec.node, def, spec.start.args as never, { link: true }) };
    }
    const regName = spec.start.regName;
    if (!isViaName(regName)) return { ok: ctx.spawnWith(def, spec.start.args as never, { link: true, name: regName, placement: CHILD_PLACEMENT }) };
    const pid = ctx.spawnWith(def, spec.start.args as never, { link: true, placement: CHILD_PLACEMENT });
    try {
      await via().register(ctx, regName, pid);
    } catch (err) {
      await shutdownChild(ctx, pid, 'brutal_kill');
      throw err;
    }
    return { ok: pid };
  } catch (err) {
    // The supervisor itself was killed meanwhile: unwind, do not report a child failure.
    if (err instanceof ProcessExit) throw err;
    return { error: err instanceof ExitError ? err.reason : crashReason(err) };
  }
}

interface Stopping {
  pid: number;
  ref: number;
  /** The exit reason, if the child had already exited before we asked. */
  early: { reason: ExitReason } | undefined;
}

/**
 * Monitors the child and unlinks it, so its exit comes back exactly once, as a DOWN. A child
 * that already died has its EXIT in the mailbox: take it, so it is not handled again later.
 */
async function prepare(ctx: Ctx, pid: number): Promise<Stopping> {
  const ref = ctx.monitor(pid);
  ctx.unlink(pid);
  const exited = await ctx.receive((m) => isExitFrom(m, pid), 0);
  return { pid, ref, early: exited === TIMEOUT ? undefined : { reason: exited.reason } };
}

async function finish(ctx: Ctx, s: Stopping, shutdown: Shutdown, deadline: number): Promise<ExitReason> {
  if (s.early) {
    await ctx.receive((m) => isDownFor(m, s.ref));
    return s.early.reason;
  }
  if (shutdown !== 'brutal_kill') {
    const down = await ctx.receive((m) => isDownFor(m, s.ref), Math.max(0, deadline - Date.now()));
    if (down !== TIMEOUT) return down.reason;
    ctx.exit(s.pid, 'kill');
  }
  const down = await ctx.receive((m) => isDownFor(m, s.ref));
  return down.reason;
}

function signal(ctx: Ctx, s: Stopping, shutdown: Shutdown): number {
  if (s.early) return 0;
  ctx.exit(s.pid, shutdown === 'brutal_kill' ? 'kill' : 'shutdown');
  return shutdown === 'brutal_kill' || shutdown === 'infinity' ? Infinity : Date.now() + shutdown;
}

/**
 * Stops one child as OTP does: exit signal `shutdown`, wait up to `shutdown` ms for it to go,
 * then `kill`; `brutal_kill` kills at once; `infinity` waits as long as it takes. Resolves with
 * the child's exit reason.
 */
export async function shutdownChild(ctx: Ctx, pid: number, shutdown: Shutdown): Promise<ExitReason> {
  const s = await prepare(ctx, pid);
  return finish(ctx, s, shutdown, signal(ctx, s, shutdown));
}

/** A running child as the stopping code needs it. */
export interface RunningChild {
  pid: number;
  spec: Pick<ChildSpecData, 'id' | 'shutdown' | 'restart'>;
}

/** Stops a child (see shutdownChild) and logs it if it did not go as asked. */
export async function stopChild(ctx: Ctx, supervisor: string, child: RunningChild): Promise<void> {
  const reason = await shutdownChild(ctx, child.pid, child.spec.shutdown);
  checkShutdown(ctx, supervisor, child, reason);
}

/** Stops many children at once (DynamicSupervisor): all get the signal, then each is waited for. */
export async function stopAll(ctx: Ctx, supervisor: string, children: readonly RunningChild[]): Promise<void> {
  const stopping: Stopping[] = [];
  for (const c of children) stopping.push(await prepare(ctx, c.pid));
  const deadlines = stopping.map((s, i) => signal(ctx, s, children[i]!.spec.shutdown));
  for (let i = 0; i < stopping.length; i++) {
    const child = children[i]!;
    checkShutdown(ctx, supervisor, child, await finish(ctx, stopping[i]!, child.spec.shutdown, deadlines[i]!));
  }
}

/**
 * OTP's rule for a child the supervisor stopped: `shutdown` (or `killed`, for brutal_kill) is
 * what was asked for; `normal` is fine for a child that is not permanent; anything else (a
 * crash that came first, `killed` after the shutdown timeout) is a `shutdown_error` report.
 */
function checkShutdown(ctx: Ctx, supervisor: string, child: RunningChild, reason: ExitReason): void {
  const asked = child.spec.shutdown === 'brutal_kill' ? 'killed' : 'shutdown';
  if (reason === asked || (reason === 'normal' && child.spec.restart !== 'permanent')) return;
  // Gone before the supervisor asked, on another scheduler, with its EXIT still on the way (as
  // when the VM stops and every process gets `shutdown` at once): there is nothing to report.
  if (reason === 'noproc') return;
  report(ctx, supervisor, 'shutdown_error', { id: child.spec.id, pid: child.pid }, reason);
}

/** Sends a supervisor report to the runtime's log. */
export function report(
  ctx: Ctx,
  name: string,
  context: SupervisorReport['context'],
  child: { id: string; pid: number | undefined },
  reason: ExitReason,
): void {
  ctx.report({ type: 'supervisor', pid: ctx.self, name, context, child, reason });
}

/** The supervisor's name in its reports: its registered name, else `fallback`. */
export function reportName(ctx: Ctx, fallback: string): string {
  return ctx.processInfo()?.registeredName ?? fallback;
}
