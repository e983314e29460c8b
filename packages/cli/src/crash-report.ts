import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger, formatEvent, isCrash, type ExitReason, type LogLevel, type RuntimeEvent } from '@beamjs/runtime';
import type { VMEvent } from '@beamjs/scheduler';

/**
 * Crash reports the way Elixir's logger prints them (the format is the runtime's
 * `formatEvent`): pid, definition name, reason, and the stack, trimmed to the user's frames.
 *
 *     [error] Process <4.0> (main) terminating
 *     ** (Error) no input
 *         at parse (examples/parse.ts:12:11)
 *         at main (examples/parse.ts:30:3)
 *
 * Stacks point at the user's TypeScript lines: tsx's register() turns on source maps in
 * every thread it runs in (process.setSourceMapsEnabled), the main thread here and each
 * scheduler thread in its bootstrap. Frames in Node's internals and in beamjs's own packages
 * are left out (unless nothing else would be left); paths below the working directory are
 * shown relative to it.
 */
export class CrashReporter {
  /** The pid of the script's main process: its exit is reported by run.ts, with its exit code. */
  mainPid: number | undefined;
  private readonly hidden: string[];

  private readonly logger: ReturnType<typeof Logger.create>;

  constructor(
    private readonly write: (text: string) => void,
    options: { level?: LogLevel; format?: 'text' | 'json' } = {},
    private readonly cwd = process.cwd(),
  ) {
    // The level filter and the JSON form are the runtime logger's; the text form is ours (stacks trimmed).
    this.logger = Logger.create({ level: options.level, format: options.format, write });
    this.hidden = ['@beamjs/runtime', '@beamjs/scheduler'].map(packageRoot);
    this.hidden.push(path.dirname(path.dirname(fileURLToPath(import.meta.url))) + path.sep);
  }

  /** The VM's onReport: crashes and scheduler deaths are printed; long schedules only counted (see --stats). */
  readonly onReport = (event: VMEvent): void => {
    if (event.type === 'crash' && event.pid === this.mainPid) return;
    const level = Logger.levelOf(event);
    // Long schedules are counted (see --stats), and printed only when warnings are asked for explicitly.
    if (level === undefined || !this.logger.enabled(level) || (event.type === 'long_schedule' && this.logger.level === 'info')) return;
    if (this.logger.format === 'json') {
      this.write(JSON.stringify(this.json(event)));
      return;
    }
    switch (event.type) {
      case 'crash':
      case 'supervisor':
      case 'log':
      case 'long_schedule':
        this.write(this.format(event));
        return;
      case 'scheduler_down':
        this.write(
          `[error] scheduler ${event.scheduler} died (${event.cause}); ${event.processes} processes exited with it` +
            (event.replaced ? '; a new scheduler replaces it' : ''),
        );
        return;
    }
  };

  /** The report for a process that ended with `reason` (a crash or any other abnormal reason). */
  exitReport(pid: number, name: string, key: string, reason: ExitReason): string {
    const event: RuntimeEvent = { type: 'crash', pid, name, key, reason };
    return this.logger.format === 'json' ? JSON.stringify(this.json(event)) : this.format(event);
  }

  private json(event: VMEvent | RuntimeEvent): Record<string, unknown> {
    const out = Logger.toJson(event);
    const reason = out.reason as { stack?: string } | undefined;
    if (reason && typeof reason.stack === 'string') reason.stack = this.cleanStack(reason.stack);
    return out;
  }

  private format(event: RuntimeEvent): string {
    if ((event.type !== 'crash' && event.type !== 'supervisor') || !isCrash(event.reason)) return formatEvent(event);
    return formatEvent({ ...event, reason: { ...event.reason, stack: this.cleanStack(event.reason.stack) } });
  }

  cleanStack(stack: string): string {
    const lines = stack.split('\n');
    const firstFrame = lines.findIndex((l) => /^\s+at /.test(l));
    if (firstFrame === -1) return stack;
    const head = lines.slice(0, firstFrame);
    const frames = lines.slice(firstFrame);
    const mine = frames.filter((l) => !this.isInternal(l));
    return [...head, ...(mine.length > 0 ? mine : frames).map((l) => this.relative(l))].join('\n');
  }

  private isInternal(frame: string): boolean {
    if (/\(node:|at node:|\(<anonymous>\)$/.test(frame)) return true;
    const loc = frame.replace(/file:\/\//g, '');
    return this.hidden.some((root) => loc.includes(root));
  }

  private relative(frame: string): string {
    const prefix = this.cwd + path.sep;
    return frame.replace(/file:\/\/(\/[^\s()]+)/g, (_, p: string) => decodeURI(p)).split(prefix).join('');
  }
}

/** "/abs/packages/runtime/" for a package this CLI depends on (symlinks resolved, as in stacks). */
function packageRoot(name: string): string {
  const entry = fileURLToPath(import.meta.resolve(name)); // <root>/dist/index.js
  return path.dirname(path.dirname(entry)) + path.sep;
}
