import type { Context } from './context.js';
import { BeamError, describe } from './errors.js';
import type { RuntimeEvent } from './events.js';
import { pidToString } from './pid.js';
import { formatReason, isCrash } from './reasons.js';
import { formatEvent } from './report.js';

/**
 * Logging, as Elixir's Logger: levels, per-process metadata, crash and supervisor reports in the
 * same stream. A process logs with `Logger.info(ctx, 'text', meta)`: the event carries its pid,
 * its definition's name and (on the VM) its scheduler, and travels to the runtime's report sink
 * like a crash report does (from any scheduler to the main thread). The sink decides what to
 * print: `Logger.create({ level, format })` makes one that drops what is below `level` and
 * writes text or JSON lines; pass it as `createRuntime({ logger })` or `startVM({ logger })`.
 *
 * Filtering happens in the sink, on the main thread: a `debug` line from a worker crosses
 * threads even when it is dropped. Keep debug logging out of hot loops, or guard it.
 */

export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'notice', 'warning', 'error'];

/** A process's log line, as the runtime carries it (see RuntimeEvent). */
export interface LogEvent {
  type: 'log';
  level: LogLevel;
  message: string;
  pid: number;
  /** The process's definition name. */
  name: string;
  meta?: Record<string, unknown>;
}

/** Any event with the scheduler it came from, as the VM reports them. */
type AnyEvent = RuntimeEvent | { readonly type: string };

export interface LoggerOptions {
  /** The least severe level written (default `info`). */
  level?: LogLevel;
  /** `text` (Elixir's console format, the default) or `json` (one object per line). */
  format?: 'text' | 'json';
  /** Where lines go (default: stderr). */
  write?: (line: string) => void;
}

/** A logger: the sink the runtime hands its events to (`createRuntime({ logger })`, `startVM({ logger })`). */
export interface LogSink {
  readonly level: LogLevel;
  readonly format: 'text' | 'json';
  /** Whether an event of `level` is written. */
  enabled(level: LogLevel): boolean;
  /** The report sink: pass as `onReport`, or give the logger itself as `{ logger }`. */
  readonly onReport: (event: AnyEvent) => void;
}

/** Makes a logger (a report sink with a level and a format). Bad options: ERR_INVALID_OPTION naming the choices. */
export function create(options: LoggerOptions = {}): LogSink {
  const level = checkLevel(options.level ?? 'info', 'Logger.create: level');
  const format = options.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new BeamError('ERR_INVALID_OPTION', `Logger.create: format must be 'text' or 'json', got ${describe(format)}`);
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const min = LOG_LEVELS.indexOf(level);
  const enabled = (l: LogLevel) => LOG_LEVELS.indexOf(l) >= min;
  return {
    level,
    format,
    enabled,
    onReport: (event) => {
      const l = levelOf(event);
      if (l === undefined || !enabled(l)) return;
      write(format === 'json' ? JSON.stringify(toJson(event)) : formatAny(event));
    },
  };
}

/** The level of a runtime or VM event: crashes and supervisor reports are errors, long schedules warnings; undefined for events that are not log lines. */
export function levelOf(event: AnyEvent): LogLevel | undefined {
  switch (event.type) {
    case 'log':
      return (event as LogEvent).level;
    case 'crash':
    case 'supervisor':
    case 'scheduler_down':
      return 'error';
    case 'long_schedule':
      return 'warning';
    default:
      return undefined;
  }
}

/** An event as one JSON object: time, level, message, the process's metadata, and the reason (with its stack) for a crash. */
export function toJson(event: AnyEvent): Record<string, unknown> {
  const e = event as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { time: new Date().toISOString(), level: levelOf(event), type: event.type };
  if (event.type === 'log') out.message = (event as LogEvent).message;
  else out.message = formatAny(event).split('\n')[0]!.replace(/^\[\w+\] /, '');
  if (typeof e.pid === 'number') out.pid = pidToString(e.pid);
  if (typeof e.name === 'string') out.name = e.name;
  if (typeof e.scheduler === 'number') out.scheduler = e.scheduler;
  if ('reason' in e) out.reason = isCrash(e.reason) ? { error: e.reason.error, name: e.reason.name, stack: e.reason.stack } : formatReason(e.reason);
  if (event.type === 'supervisor') out.child = { id: (e.child as { id: string }).id, pid: (e.child as { pid?: number }).pid === undefined ? undefined : pidToString((e.child as { pid: number }).pid) };
  if (event.type === 'log' && (event as LogEvent).meta) Object.assign(out, { meta: (event as LogEvent).meta });
  return out;
}

function formatAny(event: AnyEvent): string {
  if (event.type === 'scheduler_down') {
    const e = event as unknown as { scheduler: number; cause: string; processes: number; replaced: boolean };
    return `[error] scheduler ${e.scheduler} died (${e.cause}); ${e.processes} processes exited with it${e.replaced ? '; a new scheduler replaces it' : ''}`;
  }
  return formatEvent(event as RuntimeEvent);
}

function checkLevel(level: unknown, where: string): LogLevel {
  if (!LOG_LEVELS.includes(level as LogLevel)) throw new BeamError('ERR_INVALID_OPTION', `${where} must be one of ${LOG_LEVELS.join(', ')}, got ${describe(level)}`);
  return level as LogLevel;
}

// ---- logging from a process -------------------------------------------------------------------

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctx = Context<any>;

/** Logs `message` at `level` with the process's metadata (pid, definition, scheduler) and `meta` (plain data). */
export function log(ctx: Ctx, level: LogLevel, message: string, meta?: Record<string, unknown>): void {
  checkLevel(level, 'Logger.log: level');
  const name = ctx.processInfo()?.name ?? 'process';
  const event: LogEvent = { type: 'log', level, message: String(message), pid: ctx.self, name };
  if (meta !== undefined) event.meta = meta;
  ctx.report(event);
}

export const debug = (ctx: Ctx, message: string, meta?: Record<string, unknown>): void => log(ctx, 'debug', message, meta);
export const info = (ctx: Ctx, message: string, meta?: Record<string, unknown>): void => log(ctx, 'info', message, meta);
export const notice = (ctx: Ctx, message: string, meta?: Record<string, unknown>): void => log(ctx, 'notice', message, meta);
export const warning = (ctx: Ctx, message: string, meta?: Record<string, unknown>): void => log(ctx, 'warning', message, meta);
export const error = (ctx: Ctx, message: string, meta?: Record<string, unknown>): void => log(ctx, 'error', message, meta);
