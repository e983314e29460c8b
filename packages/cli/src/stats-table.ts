import type { MoveRecord, SchedulerStats } from '@beamjs/scheduler';
import { count, percent, renderTable } from './table.js';

/**
 * The statistics printed at exit (`--stats`, `--stats=json`), from the schedulers' counters
 * as they stand when main has ended (before the VM stops).
 */
export interface StatsReport {
  /** Wall-clock time main ran, from its spawn to its end, in ms. */
  wallMs: number;
  schedulers: SchedulerStats[];
  /** Sums over the schedulers; `utilization` is their mean; `sleeping` is true when all sleep. */
  total: Omit<SchedulerStats, 'id'>;
  /** The last processes that moved between schedulers (oldest first). */
  moves: MoveRecord[];
}

export function statsReport(schedulers: SchedulerStats[], wallMs: number, moves: MoveRecord[] = []): StatsReport {
  const sum = (f: (s: SchedulerStats) => number): number => schedulers.reduce((acc, s) => acc + f(s), 0);
  const n = Math.max(1, schedulers.length);
  return {
    wallMs: Math.round(wallMs),
    schedulers,
    moves,
    total: {
      runQueue: sum((s) => s.runQueue),
      queuedJobs: sum((s) => s.queuedJobs),
      processes: sum((s) => s.processes),
      utilization: sum((s) => s.utilization) / n,
      steps: sum((s) => s.steps),
      spawned: sum((s) => s.spawned),
      exited: sum((s) => s.exited),
      steals: sum((s) => s.steals),
      migrationsIn: sum((s) => s.migrationsIn),
      migrationsOut: sum((s) => s.migrationsOut),
      messagesIn: sum((s) => s.messagesIn),
      messagesOut: sum((s) => s.messagesOut),
      longSchedules: sum((s) => s.longSchedules),
      recentUtilization: sum((s) => s.recentUtilization) / n,
      msPerStep: sum((s) => s.msPerStep) / n,
      balanceRounds: sum((s) => s.balanceRounds),
      active: sum((s) => s.active),
      residents: sum((s) => s.residents),
      sleeping: schedulers.every((s) => s.sleeping),
    },
  };
}

/**
 *     8 schedulers, 1.42 s
 *     scheduler   util  spawned  exited  steps  steals  migr in  migr out  msgs in  msgs out
 *     ---------  -----  -------  ------  -----  ------  -------  --------  -------  --------
 *     0          97.1%       12      12     40       3        0         0       12        1
 *     ...
 *     total      95.4%       81      81    243      57        0         0       81       81
 */
export function formatStatsTable(report: StatsReport): string {
  const row = (label: string, s: Omit<SchedulerStats, 'id'>): string[] => [
    label,
    percent(s.utilization),
    count(s.spawned),
    count(s.exited),
    count(s.steps),
    count(s.steals),
    count(s.migrationsIn),
    count(s.migrationsOut),
    count(s.messagesIn),
    count(s.messagesOut),
  ];
  const header = ['scheduler', 'util', 'spawned', 'exited', 'steps', 'steals', 'migr in', 'migr out', 'msgs in', 'msgs out'];
  const rows = [...report.schedulers.map((s) => row(String(s.id), s)), row('total', report.total)];
  const n = report.schedulers.length;
  const title = `${n} scheduler${n === 1 ? '' : 's'}, ${(report.wallMs / 1000).toFixed(2)} s`;
  const moved = formatMoves(report.moves, 10);
  return `${title}\n${renderTable(header, rows, header.map((_, c) => c > 0))}${moved.length ? `\n${moved.join('\n')}` : ''}`;
}

/**
 *     moved: worker <0.12> 0->1 (balance), worker <0.13> 0->1 (steal)
 *     ... and 3 more moves
 * One line per process that moved, with the path it took; the most recent `limit` processes.
 */
export function formatMoves(moves: readonly MoveRecord[], limit: number): string[] {
  const paths = new Map<number, { name: string; hops: string[] }>();
  for (const m of moves) {
    const path = paths.get(m.pid) ?? { name: m.name, hops: [String(m.from)] };
    path.hops.push(`${m.to}${m.why === 'balance' ? '' : ` (${m.why})`}`);
    paths.delete(m.pid);
    paths.set(m.pid, path);
  }
  const shown = [...paths].slice(-limit);
  const lines = shown.map(([pid, p]) => `moved: ${p.name || 'process'} ${pid}  ${p.hops.join(' -> ')}`);
  if (paths.size > shown.length) lines.unshift(`moved: ${paths.size - shown.length} more processes`);
  return lines;
}
