/**
 * How busy a scheduler was over the last window (BEAM's check_balance looks at the same): the
 * share of the window it had runnable work, and the mean time of one process step. Fed from
 * the runtime's running totals whenever stats are written; a window closes once `windowMs`
 * has passed, and its figures hold until the next one closes.
 */
export class LoadMeter {
  utilization = 0;
  msPerStep = 0;
  /** When the figures were last computed (performance.timeOrigin + now, ms: comparable across threads). */
  measuredAt = 0;
  private windowStart = -1;
  private busyAtStart = 0;
  private stepsAtStart = 0;

  constructor(private readonly windowMs: number) {}

  sample(busyMs: number, steps: number, now: number): void {
    if (this.windowStart < 0) {
      this.restart(busyMs, steps, now);
      return;
    }
    const elapsed = now - this.windowStart;
    // Rounds come every window: close at a little less, so a round's timer jitter does not skip one.
    if (elapsed < this.windowMs * 0.8) return;
    const busy = busyMs - this.busyAtStart;
    const stepped = steps - this.stepsAtStart;
    this.utilization = Math.min(1, Math.max(0, busy / elapsed));
    this.msPerStep = stepped > 0 ? busy / stepped : busy;
    this.measuredAt = performance.timeOrigin + now;
    this.restart(busyMs, steps, now);
  }

  private restart(busyMs: number, steps: number, now: number): void {
    this.windowStart = now;
    this.busyAtStart = busyMs;
    this.stepsAtStart = steps;
  }
}

/** The load window: one balancing interval (50 ms when balancing is off). */
export function loadWindowMs(balanceIntervalMs: number): number {
  return balanceIntervalMs > 0 ? balanceIntervalMs : 50;
}
