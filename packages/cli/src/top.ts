import type { SchedulerStats, VM } from '@beamjs/scheduler';
import { pidToString } from '@beamjs/runtime';
import { LiveRegion } from './live-region.js';
import { compact, count, percent, renderTable } from './table.js';
import { formatMoves } from './stats-table.js';

/**
 * `--top`: a live view of the schedulers while the script runs, read from shared memory with
 * `vm.statsNow()`, so it keeps answering while a scheduler is stuck in a long synchronous step.
 *
 * Utilization here is over the last interval, not since the start: the view samples each
 * scheduler's sleep flag every `sampleMs` and shows the share of samples in which it was
 * awake (running processes, or stuck in one). Message rates are deltas of the counters.
 *
 * On a terminal the view is a block redrawn in place at the bottom of the screen; otherwise
 * it is one plain line per interval. Both go to `out` (stderr), and a last frame is printed
 * when it stops, so even a short run shows one.
 */
export interface TopOptions {
  out?: NodeJS.WriteStream;
  /** Streams whose writes must not tear the in-place block (the script's stdout). */
  intercept?: NodeJS.WriteStream[];
  intervalMs?: number;
  sampleMs?: number;
  /** When the VM started (performance.now()), for the elapsed time. */
  startedAt?: number;
}

export interface Top {
  stop(): void;
}

interface SchedulerView {
  id: number;
  utilization: number;
  runQueue: number;
  queuedJobs: number;
  processes: number;
  messageRate: number;
  /** Processes that moved in / out since the last frame. */
  movedIn: number;
  movedOut: number;
  /** A process holding this scheduler past the long-schedule threshold, as the VM's watchdog sees it now. */
  holding?: { pid: number; name: string; ms: number };
}

export interface TopFrame {
  elapsedMs: number;
  schedulers: SchedulerView[];
  processes: number;
  messageRate: number;
  /** Processes that moved since the last frame, as `formatMoves` lines. */
  moved: string[];
}

type StatsSource = Pick<VM, 'statsNow'> & Partial<Pick<VM, 'migrations'>>;

export function startTop(vm: StatsSource, options: TopOptions = {}): Top {
  const out = options.out ?? process.stderr;
  const intervalMs = options.intervalMs ?? 1000;
  const sampler = new TopSampler(vm, options.startedAt ?? performance.now());
  const region = out.isTTY ? new LiveRegion(out, options.intercept ?? [process.stdout]) : undefined;
  const show = (): void => {
    const frame = sampler.frame();
    if (region) region.update(renderFrame(frame));
    else out.write(`${renderLine(frame)}\n`);
  };
  const sampling = setInterval(() => sampler.sample(), options.sampleMs ?? 50);
  const showing = setInterval(show, intervalMs);
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(sampling);
      clearInterval(showing);
      sampler.sample();
      show();
      region?.close();
    },
  };
}

/** Accumulates sleep-flag samples and counter deltas between two frames. */
export class TopSampler {
  private awake: number[] = [];
  private samples = 0;
  private lastMessages: number[] = [];
  private lastMoves: { in: number; out: number }[] = [];
  private lastMoveAt = 0;
  private lastFrameAt: number;

  constructor(
    private readonly vm: StatsSource,
    private readonly startedAt: number,
  ) {
    this.lastFrameAt = performance.now();
    const stats = vm.statsNow();
    this.lastMessages = stats.map((s) => s.messagesIn);
    this.lastMoves = stats.map((s) => ({ in: s.migrationsIn, out: s.migrationsOut }));
    this.lastMoveAt = Date.now();
  }

  sample(): void {
    const stats = this.vm.statsNow();
    for (const s of stats) this.awake[s.id] = (this.awake[s.id] ?? 0) + (s.sleeping ? 0 : 1);
    this.samples++;
  }

  frame(now = performance.now()): TopFrame {
    const stats: SchedulerStats[] = this.vm.statsNow();
    const seconds = Math.max(1e-3, (now - this.lastFrameAt) / 1000);
    const schedulers = stats.map((s): SchedulerView => ({
      id: s.id,
      utilization: this.samples > 0 ? (this.awake[s.id] ?? 0) / this.samples : s.sleeping ? 0 : 1,
      runQueue: s.runQueue,
      queuedJobs: s.queuedJobs,
      processes: s.processes,
      messageRate: Math.max(0, s.messagesIn - (this.lastMessages[s.id] ?? 0)) / seconds,
      movedIn: Math.max(0, s.migrationsIn - (this.lastMoves[s.id]?.in ?? 0)),
      movedOut: Math.max(0, s.migrationsOut - (this.lastMoves[s.id]?.out ?? 0)),
      ...(s.holding ? { holding: { pid: s.holding.pid, name: s.holding.name, ms: s.holding.ms } } : {}),
    }));
    const since = this.lastMoveAt;
    this.lastMoveAt = Date.now();
    const moved = formatMoves((this.vm.migrations?.() ?? []).filter((m) => m.at >= since), 5);
    this.lastMoves = stats.map((s) => ({ in: s.migrationsIn, out: s.migrationsOut }));
    this.awake = [];
    this.samples = 0;
    this.lastMessages = stats.map((s) => s.messagesIn);
    this.lastFrameAt = now;
    return {
      elapsedMs: now - this.startedAt,
      schedulers,
      processes: schedulers.reduce((n, s) => n + s.processes, 0),
      messageRate: schedulers.reduce((n, s) => n + s.messageRate, 0),
      moved,
    };
  }
}

/** The block shown on a terminal. */
export function renderFrame(frame: TopFrame): string[] {
  const n = frame.schedulers.length;
  const title =
    `beamjs top  ${(frame.elapsedMs / 1000).toFixed(1)} s  ${n} scheduler${n === 1 ? '' : 's'}  ` +
    `${count(frame.processes)} processes  ${compact(frame.messageRate)} msgs/s`;
  const header = ['sched', 'util', '', 'run queue', 'jobs', 'processes', 'msgs/s', 'moved in/out'];
  const rows = frame.schedulers.map((s) => [
    String(s.id),
    bar(s.utilization, 20),
    percent(s.utilization),
    count(s.runQueue),
    count(s.queuedJobs),
    count(s.processes),
    compact(s.messageRate),
    `${s.movedIn}/${s.movedOut}`,
  ]);
  return [title, ...renderTable(header, rows, [false, false, true, true, true, true, true, true]).split('\n'), ...frame.moved, ...holdingLines(frame)];
}

/** `long schedule: scheduler 0 held by <0.12.0> (worker) for 1.5 s`, one per scheduler held now. */
function holdingLines(frame: TopFrame): string[] {
  return frame.schedulers.flatMap((s) =>
    s.holding ? [`long schedule: scheduler ${s.id} held by ${pidToString(s.holding.pid)} (${s.holding.name}) for ${(s.holding.ms / 1000).toFixed(1)} s`] : [],
  );
}

/** One line per interval when stderr is not a terminal (a log file, a pipe, CI). */
export function renderLine(frame: TopFrame): string {
  const list = (f: (s: SchedulerView) => string): string => frame.schedulers.map(f).join(' ');
  return (
    `[top ${(frame.elapsedMs / 1000).toFixed(1)}s] util ${list((s) => `${Math.round(s.utilization * 100)}%`)}` +
    ` | run queue ${list((s) => String(s.runQueue))} | jobs ${list((s) => String(s.queuedJobs))}` +
    ` | processes ${frame.processes} | ${compact(frame.messageRate)} msgs/s` +
    ` | moved ${list((s) => `${s.movedIn}/${s.movedOut}`)}${frame.moved.length ? ` | ${frame.moved.join('; ')}` : ''}` +
    // A held scheduler gets a line of its own, so the counters line keeps one shape.
    holdingLines(frame).map((line) => `\n[top ${(frame.elapsedMs / 1000).toFixed(1)}s] ${line}`).join('')
  );
}

function bar(ratio: number, width: number): string {
  const full = Math.round(Math.min(1, Math.max(0, ratio)) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}
