import { formatReason, isCrash } from './reasons.js';
import { pidToString } from './pid.js';
import type { RuntimeEvent } from './host.js';

/**
 * Formats a runtime event the way Elixir's logger prints a process crash:
 *
 *     [error] Process <12.0> (worker) terminating
 *     ** (Error) boom
 *         at ...
 */
export function formatEvent(event: RuntimeEvent): string {
  switch (event.type) {
    case 'crash': {
      const head = `[error] Process ${pidToString(event.pid)} (${event.name}) terminating`;
      if (isCrash(event.reason)) {
        const stack = event.reason.stack.split('\n');
        // The stack's first line repeats the message.
        const rest = stack[0]?.includes(event.reason.error) ? stack.slice(1) : stack;
        return [head, `** (${event.reason.name}) ${event.reason.error}`, ...rest.map((l) => `    ${l.trim()}`)].join('\n');
      }
      return `${head}\n** (exit) ${formatReason(event.reason)}`;
    }
    case 'long_schedule':
      return `[warning] Process ${pidToString(event.pid)} (${event.name}) held its scheduler for ${event.ms} ms without yielding`;
    case 'log': {
      const meta = event.meta === undefined ? '' : ` ${safeJson(event.meta)}`;
      return `[${event.level}] ${pidToString(event.pid)} (${event.name}) ${event.message}${meta}`;
    }
    case 'supervisor': {
      const what = { child_terminated: 'terminated', start_error: 'failed to start', shutdown_error: 'shut down abnormally', shutdown: 'caused shutdown' }[event.context];
      const child = event.child.pid === undefined ? '' : ` ${pidToString(event.child.pid)}`;
      const head = `[error] Child ${event.child.id}${child} of Supervisor ${pidToString(event.pid)} (${event.name}) ${what}`;
      return `${head}\n${formatExit(event.reason)}`;
    }
  }
}

/** `** (Name) message` and the stack for a crash, `** (exit) reason` for anything else. */
function formatExit(reason: unknown): string {
  if (!isCrash(reason)) return `** (exit) ${formatReason(reason)}`;
  const stack = reason.stack.split('\n');
  const rest = stack[0]?.includes(reason.error) ? stack.slice(1) : stack;
  return [`** (${reason.name}) ${reason.error}`, ...rest.map((l) => `    ${l.trim()}`)].join('\n');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** The default report sink: crashes, supervisor reports and log lines of level info and up go to stderr; long schedules are only counted. */
export function defaultReporter(event: RuntimeEvent): void {
  if (event.type === 'crash' || event.type === 'supervisor' || (event.type === 'log' && event.level !== 'debug')) console.error(formatEvent(event));
}
