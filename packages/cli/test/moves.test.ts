import { describe, expect, it } from 'vitest';
import type { MoveRecord, SchedulerStats } from '@beamjs/scheduler';
import { formatMoves, formatStatsTable, statsReport } from '../src/stats-table.js';
import { TopSampler, renderFrame, renderLine } from '../src/top.js';

const move = (pid: number, from: number, to: number, why: MoveRecord['why'] = 'balance', at = 1): MoveRecord => ({ pid, name: 'poolWorker', from, to, why, at });

function stats(id: number, migrationsIn: number, migrationsOut: number): SchedulerStats {
  return {
    id, runQueue: 0, queuedJobs: 0, processes: 2, utilization: 0.5, steps: 10, spawned: 2, exited: 0, steals: 0, migrationsIn, migrationsOut,
    messagesIn: 0, messagesOut: 0, longSchedules: 0, recentUtilization: 0.5, msPerStep: 1, balanceRounds: 3, active: 2, residents: 1, sleeping: false,
  };
}

describe('which processes moved, in --stats and --top', () => {
  it('lists each process that moved once, with the path it took and what moved it', () => {
    const lines = formatMoves([move(7, 0, 1), move(8, 1, 0, 'steal'), move(7, 1, 0, 'explicit')], 10);
    expect(lines).toEqual(['moved: poolWorker 8  1 -> 0 (steal)', 'moved: poolWorker 7  0 -> 1 -> 0 (explicit)']);
    expect(formatMoves([move(1, 0, 1), move(2, 0, 1), move(3, 0, 1)], 2)[0]).toBe('moved: 1 more processes');
  });

  it('the --stats table ends with the moves; --stats=json carries them', () => {
    const report = statsReport([stats(0, 0, 1), stats(1, 1, 0)], 1000, [move(7, 0, 1)]);
    expect(formatStatsTable(report)).toMatch(/moved: poolWorker 7 {2}0 -> 1$/);
    expect(JSON.parse(JSON.stringify(report)).moves).toEqual([move(7, 0, 1)]);
  });

  it('--top shows moves in and out per scheduler since the last frame, and the processes that moved', () => {
    let now = [stats(0, 0, 0), stats(1, 0, 0)];
    const moves: MoveRecord[] = [];
    const sampler = new TopSampler({ statsNow: () => now, migrations: () => moves }, performance.now());
    now = [stats(0, 0, 1), stats(1, 1, 0)];
    moves.push(move(7, 0, 1, 'balance', Date.now()));
    const frame = sampler.frame();
    expect(frame.schedulers.map((s) => [s.movedIn, s.movedOut])).toEqual([[0, 1], [1, 0]]);
    expect(renderFrame(frame).at(-1)).toBe('moved: poolWorker 7  0 -> 1');
    expect(renderLine(frame)).toContain('moved 0/1 1/0 | moved: poolWorker 7  0 -> 1');
  });
});
