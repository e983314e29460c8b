import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/**
 * How busy a scheduler thread was over the last window (BEAM's check_balance looks at the
 * same): the share of the window its event loop was running JavaScript (Node's event-loop
 * utilization), and the mean time of one process step. Event-loop utilization sees what the
 * run loop's own busy time cannot: an actor's async callback that computes after an await
 * runs in microtasks while the run queue is empty. A window closes once `windowMs` has passed
 * (called whenever stats are written), and its figures hold until the next one closes.
 */
/** Steps a window needs before its mean step time means something. */
const MIN_STEPS = 8;

export class LoadMeter {
  utilization = 0;
  msPerStep = 0;
  /** When the figures were last computed (performance.timeOrigin + now, ms: comparable across threads). */
  measuredAt = 0;
  private windowStart = -1;
  private eluAtStart: EventLoopUtilization | undefined;
  private stepsAtStart = 0;

  constructor(private readonly windowMs: number) {}

  sample(steps: number, now: number): void {
    if (this.windowStart < 0 || this.eluAtStart === undefined) {
      this.restart(steps, now);
      return;
    }
    // Rounds come every window: close at a little less, so a round's timer jitter does not skip one.
    if (now - this.windowStart < this.windowMs * 0.8) return;
    const elu = performance.eventLoopUtilization(this.eluAtStart);
    const stepped = steps - this.stepsAtStart;
    this.utilization = Math.min(1, Math.max(0, elu.utilization));
    // Too few steps say nothing about them (a window spent importing a module, say): 0, unknown.
    this.msPerStep = stepped >= MIN_STEPS ? elu.active / stepped : 0;
    this.measuredAt = performance.timeOrigin + now;
    this.restart(steps, now);
  }

  private restart(steps: number, now: number): void {
    this.windowStart = now;
    this.eluAtStart = performance.eventLoopUtilization();
    this.stepsAtStart = steps;
  }
}

/** The load window: one balancing interval (50 ms when balancing is off). */
export function loadWindowMs(balanceIntervalMs: number): number {
  return balanceIntervalMs > 0 ? balanceIntervalMs : 50;
}
