import { BeamError, describe } from '../errors.js';
import type { Context } from '../context.js';
import { report } from './child-process.js';

/**
 * OTP's restart intensity: a supervisor may restart at most `intensity` children within any
 * `period` ms; one more and it gives up (terminates its children and exits with `shutdown`),
 * handing the problem to its own supervisor.
 */
export interface Intensity {
  intensity: number;
  period: number;
}

/**
 * Records a restart at `now` in `restarts` (timestamps, oldest first, kept as plain data in
 * the supervisor's state). Returns the timestamps still inside the period, and whether there
 * are now more than `intensity` of them.
 */
export function addRestart(restarts: readonly number[], now: number, limits: Intensity): { restarts: number[]; exceeded: boolean } {
  // Inclusive, as OTP's add_restart: a restart exactly `period` old still counts.
  const kept = restarts.filter((t) => now - t <= limits.period);
  kept.push(now);
  return { restarts: kept, exceeded: kept.length > limits.intensity };
}

/**
 * The time restarts are recorded with: monotonic (a wall-clock step must not empty or stretch
 * the window) and comparable across threads (a supervisor may migrate between two restarts).
 */
export function restartClock(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Counts a restart of `child` against the supervisor's intensity. True when that was one too
 * many: the supervisor logs `reached_max_restart_intensity` and must give up.
 */
export function countRestart(
  ctx: Context<any>,
  sup: Intensity & { name: string; restarts: number[] },
  child: { id: string; pid: number | undefined },
): boolean {
  const { restarts, exceeded } = addRestart(sup.restarts, restartClock(), sup);
  sup.restarts = restarts;
  if (exceeded) report(ctx, sup.name, 'shutdown', child, 'reached_max_restart_intensity');
  return exceeded;
}

/** Validates `intensity` (default 3) and `period` (default 5000 ms). */
export function intensityOf(options: { intensity?: number; period?: number }, where: string): Intensity {
  const intensity = options.intensity ?? 3;
  const period = options.period ?? 5000;
  if (typeof intensity !== 'number' || !Number.isInteger(intensity) || intensity < 0) {
    throw new BeamError('ERR_INVALID_OPTION', `${where}: intensity must be a whole number >= 0 (restarts allowed per period), got ${describe(intensity)}`);
  }
  if (typeof period !== 'number' || Number.isNaN(period) || period <= 0) {
    throw new BeamError('ERR_INVALID_OPTION', `${where}: period must be a number of ms > 0, got ${describe(period)}`);
  }
  return { intensity, period };
}
