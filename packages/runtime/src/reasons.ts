import type { AnyPid, Ref } from './pid.js';

/**
 * Why a process ended. As in Erlang:
 * - `normal`: it returned; linked partners are not affected.
 * - `shutdown` / `{ shutdown: detail }`: it was told to stop; linked partners die too unless
 *   they trap exits, and supervisors do not report it as a crash.
 * - `killed`: it received the untrappable `kill` signal.
 * - `noproc`: a link or monitor was set on a process that was already gone.
 * - `noconnection`: the process is on another cluster node, which went down (or was never up).
 * - `{ error, stack }`: an exception escaped the process.
 * - anything else a process passed to `exit`.
 */
export type ExitReason =
  | 'normal'
  | 'shutdown'
  | 'killed'
  | 'kill'
  | 'noproc'
  | 'noconnection'
  | { shutdown: unknown }
  | CrashReason
  | SchedulerDownReason
  | unknown;

export interface CrashReason {
  error: string;
  name: string;
  stack: string;
}

/** The reason of every process that died with a scheduler thread. */
export interface SchedulerDownReason {
  schedulerDown: number;
  cause: string;
}

export function isCrash(reason: unknown): reason is CrashReason {
  return typeof reason === 'object' && reason !== null && typeof (reason as CrashReason).error === 'string' && typeof (reason as CrashReason).stack === 'string';
}

/** A reason that ends a linked partner that does not trap exits. */
export const isAbnormal = (reason: unknown): boolean => reason !== 'normal';

/** Shutdown reasons are expected stops: supervisors don't log them as crashes. */
export function isShutdown(reason: unknown): boolean {
  return reason === 'normal' || reason === 'shutdown' || (typeof reason === 'object' && reason !== null && 'shutdown' in reason);
}

export function crashReason(err: unknown): CrashReason {
  // Whatever was thrown is read defensively: a revoked Proxy throws on `instanceof`, an Error
  // may have a `stack` getter that throws. Reading it must never take the scheduler down.
  let isError = false;
  try {
    isError = err instanceof Error;
  } catch {
    return { error: 'an unreadable value was thrown (a revoked Proxy?)', name: 'Error', stack: 'thrown value: unreadable' };
  }
  if (isError) {
    const e = err as Error;
    const name = readText(() => e.name, 'Error');
    const message = readText(() => e.message, '');
    return { error: message, name, stack: readText(() => e.stack, `${name}: ${message}`) };
  }
  const text = readText(() => (typeof err === 'string' ? err : JSON.stringify(err) ?? String(err)), '');
  const shown = text || readText(() => String(err), 'an unreadable value');
  return { error: shown, name: 'Error', stack: `thrown value: ${shown}` };
}

/** `read()` if it gives a string without throwing, else `fallback`. */
function readText(read: () => unknown, fallback: string): string {
  try {
    const value = read();
    return typeof value === 'string' ? value : fallback;
  } catch {
    return fallback;
  }
}

export function formatReason(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (isCrash(reason)) return `${reason.name}: ${reason.error}`;
  try {
    return JSON.stringify(reason) ?? String(reason);
  } catch {
    return String(reason);
  }
}

/** Delivered to a process that traps exits instead of killing it. */
export interface ExitMessage {
  readonly type: 'EXIT';
  readonly from: AnyPid;
  readonly reason: ExitReason;
}

/**
 * Delivered to the owner of a monitor when the monitored process ends. A monitor by name on a
 * name nobody holds (OTP's `{Name, Node}` DOWN) has no pid: it names the name, reason `noproc`.
 */
export type DownMessage =
  | { readonly type: 'DOWN'; readonly ref: Ref; readonly pid: AnyPid; readonly reason: ExitReason }
  | { readonly type: 'DOWN'; readonly ref: Ref; readonly pid: undefined; readonly name: string; readonly reason: 'noproc' };

export const isExitMessage = (m: unknown): m is ExitMessage =>
  typeof m === 'object' && m !== null && (m as ExitMessage).type === 'EXIT' && typeof (m as ExitMessage).from === 'number';

export const isDownMessage = (m: unknown): m is DownMessage =>
  typeof m === 'object' && m !== null && (m as DownMessage).type === 'DOWN' && typeof (m as DownMessage).ref === 'number';
