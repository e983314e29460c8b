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
  }
}

/** The default report sink: crashes go to stderr; long schedules are only counted. */
export function defaultReporter(event: RuntimeEvent): void {
  if (event.type === 'crash') console.error(formatEvent(event));
}
