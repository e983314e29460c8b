import type { Definition, SpawnJob } from '@beamjs/runtime';
import type { StatsBlock } from './stats-block.js';

/**
 * Placement at spawn: where a new process starts. It matters most for what cannot move later
 * (a started coroutine never moves; a behaviour process inside an async callback cannot move
 * until it settles), and it must not split processes that talk to each other.
 *
 * The rule, in order:
 * 1. `scheduler: n` (SpawnOptions): starts on n and is bound there; balancing leaves it alone.
 * 2. `placement: 'spread'`, which supervisors use for their children: starts on the scheduler
 *    with the most room (`roomiest`): fewest spread-placed processes living there, where a
 *    scheduler busy with other work over the last interval counts as at least one.
 * 3. `placement: 'local'`: the spawner's own job ring (the spawner starts it as soon as it
 *    yields; an idle scheduler may take it once it is `stealAfterMs` old, together with the
 *    jobs the same step spawned: job-ring.ts, groups).
 * 4. No placement given: a coroutine spawned by a saturated, CPU-bound scheduler (busy at least
 *    SATURATED of the last interval, with steps of at least CPU_BOUND_MS on average) spreads:
 *    where it starts it stays, and its spawner has no room. Everything else is local: the
 *    ping-pong pair and spawn-then-send patterns, which want one thread.
 */
export const SATURATED = 0.85;
/** Mean step time above which a scheduler's work is CPU-bound rather than message-bound. */
export const CPU_BOUND_MS = 0.5;

export interface Load {
  utilization: number;
  msPerStep: number;
}

export function isSaturatedCpu(load: Load): boolean {
  return load.utilization >= SATURATED && load.msPerStep >= CPU_BOUND_MS;
}

export type Where = { kind: 'local' } | { kind: 'spread' } | { kind: 'bound'; scheduler: number };

export function placementOf(job: SpawnJob, def: Definition, spawner: Load | undefined): Where {
  if (job.scheduler !== undefined) return { kind: 'bound', scheduler: job.scheduler };
  if (job.placement === 'spread') return { kind: 'spread' };
  if (job.placement === 'local') return { kind: 'local' };
  if (def.kind === 'process' && spawner !== undefined && isSaturatedCpu(spawner)) {
    job.placement = 'spread';
    return { kind: 'spread' };
  }
  return { kind: 'local' };
}

/**
 * How busy scheduler `id` was over its last interval, as another thread sees it: 0 while it
 * sleeps, 1 if it has not measured for three intervals while awake (stuck in a long step).
 */
export function utilizationOf(stats: StatsBlock, id: number, windowMs: number): number {
  if (Atomics.load(stats.sleeping, id) === 1) return 0;
  const at = stats.field(id, 'loadAt');
  if (at > 0 && performance.timeOrigin + performance.now() - at > 3 * windowMs) return 1;
  return stats.field(id, 'recentUtilization');
}

/**
 * The scheduler among `candidates` with the most room for a long-lived process. Ties go to
 * the first candidate in order, so callers list their preferred one first (a scheduler
 * itself; the main thread rotates).
 */
export function roomiest(stats: StatsBlock, candidates: readonly number[], windowMs: number): number {
  let best = candidates[0];
  let bestScore = Infinity;
  for (const id of candidates) {
    // A scheduler counts as many long-lived processes as live there, or as one if it is busy
    // with other work: its own residents already make it busy, so they are not counted twice.
    const score = Math.max(Atomics.load(stats.residents, id), utilizationOf(stats, id, windowMs));
    if (score < bestScore) {
      bestScore = score;
      best = id;
    }
  }
  return best;
}

/**
 * The spread-placed and bound processes living on one node. Residents are counted in shared
 * memory (the spawner counts a process at the target before it arrives, so a burst of spawns
 * spreads); the count follows the process when it migrates and drops when it exits.
 */
export class Residency {
  readonly residents = new Set<number>();
  readonly bound = new Set<number>();

  constructor(
    private readonly stats: StatsBlock,
    private readonly nodeId: number,
  ) {}

  /** A spread-placed process is headed for `node`: count it there now. */
  static reserve(stats: StatsBlock, node: number): void {
    Atomics.add(stats.residents, node, 1);
  }

  /** A job starts here (already counted here if it was spread-placed). */
  started(job: SpawnJob): void {
    if (job.placement === 'spread') this.residents.add(job.pid);
    if (job.scheduler !== undefined) this.bound.add(job.pid);
  }

  /** `pid` leaves for `to`: what it was, for the migrate envelope. */
  leaving(pid: number, to: number): { resident: boolean; bound: boolean } {
    const resident = this.residents.delete(pid);
    if (resident) {
      Atomics.sub(this.stats.residents, this.nodeId, 1);
      Atomics.add(this.stats.residents, to, 1);
    }
    return { resident, bound: this.bound.delete(pid) };
  }

  arrived(pid: number, flags: { resident?: boolean; bound?: boolean }): void {
    if (flags.resident) this.residents.add(pid);
    if (flags.bound) this.bound.add(pid);
  }

  exited(pid: number): void {
    if (this.residents.delete(pid)) Atomics.sub(this.stats.residents, this.nodeId, 1);
    this.bound.delete(pid);
  }
}
