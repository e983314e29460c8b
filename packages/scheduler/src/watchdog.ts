import type { RuntimeEvent } from '@beamjs/runtime';
import type { StatsBlock } from './stats-block.js';

type LongSchedule = Extract<RuntimeEvent, { type: 'long_schedule' }>;

/**
 * BEAM's `long_schedule` monitor, from outside the threads it watches. A scheduler stuck in a
 * synchronous loop cannot report itself (its own report comes after the step, if ever), so the
 * main thread reads each scheduler's heartbeat in shared memory (stats-block.ts) every
 * `longScheduleMs / 4`: a beat that has not moved for `longScheduleMs` while the scheduler is
 * awake, with a process entered last, is that process holding the thread. It is reported once
 * per episode, while it goes on (`running: true`, `ms` so far), and shown in the stats
 * (`holding`) until the beat moves again.
 */
export class Watchdog {
  private readonly seen = new Map<number, { beat: number; since: number; reported: boolean }>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly stats: StatsBlock,
    private readonly schedulers: () => readonly number[],
    private readonly longScheduleMs: number,
    private readonly report: (scheduler: number, event: LongSchedule) => void,
  ) {
    this.timer = setInterval(() => this.look(), Math.max(5, Math.min(250, longScheduleMs / 4)));
    this.timer.unref();
  }

  look(now = Date.now()): void {
    for (const id of this.schedulers()) {
      const beat = this.stats.beatsOf(id);
      const last = this.seen.get(id);
      if (!last || last.beat !== beat || Atomics.load(this.stats.sleeping, id) === 1) {
        if (last?.reported) this.stats.setHolding(id, 0, 0);
        this.seen.set(id, { beat, since: now, reported: false });
        continue;
      }
      const { pid, key } = this.stats.entered(id);
      if (last.reported || pid === 0 || now - last.since < this.longScheduleMs) continue;
      last.reported = true;
      this.stats.setHolding(id, pid, last.since);
      const name = key.slice(key.lastIndexOf('#') + 1);
      this.report(id, { type: 'long_schedule', pid, name, key, ms: now - last.since, running: true });
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
