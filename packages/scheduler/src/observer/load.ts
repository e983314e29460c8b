import type { StatsField } from '../stats-block.js';
import type { LoadSample, SchedulerLoad } from './types.js';

/** Where load samples come from: the shared stats blocks, read without asking any scheduler. */
export interface CounterSource {
  /** Ids of the scheduler threads. */
  schedulers(): number[];
  counters(id: number): Record<StatsField, number>;
  sleeping(id: number): boolean;
}

interface Previous {
  counters: Record<StatsField, number>;
  at: number;
}

/**
 * Load over time, one sample per tick, from counters that only ever grow: each sample is the
 * difference to the previous one over the wall time between them. Utilization is busy time
 * over wall time: a scheduler writes its counters while it runs and when it goes to sleep, so
 * a sleeping one is idle, and a scheduler that is awake but has not written for a whole
 * window is stuck in one long step: fully busy (its own counters cannot say so).
 */
export class LoadHistory {
  readonly samples: LoadSample[] = [];
  private readonly previous = new Map<number, Previous>();

  constructor(
    private readonly source: CounterSource,
    private readonly keep = 600,
  ) {}

  /** `now`: a monotonic clock in ms; `heap`: the latest heap size of each scheduler, if known. */
  sample(now: number, wallMs: number, heap: ReadonlyMap<number, number>): LoadSample {
    const schedulers = this.source.schedulers().map((id) => this.loadOf(id, now, heap.get(id)));
    const sample: LoadSample = { t: wallMs / 1000, schedulers };
    this.samples.push(sample);
    if (this.samples.length > this.keep) this.samples.splice(0, this.samples.length - this.keep);
    return sample;
  }

  private loadOf(id: number, now: number, heapUsed: number | undefined): SchedulerLoad {
    const counters = this.source.counters(id);
    const sleeping = this.source.sleeping(id);
    const prev = this.previous.get(id);
    this.previous.set(id, { counters, at: now });
    const seconds = prev ? (now - prev.at) / 1000 : 0;
    // A replaced scheduler starts from zero: no rate across the replacement.
    const fresh = !prev || seconds <= 0 || counters.uptimeMs < prev.counters.uptimeMs;
    const rate = (field: StatsField): number => (fresh ? 0 : Math.max(0, counters[field] - prev.counters[field]) / seconds);
    let utilization = 0;
    if (!fresh) {
      const stuck = !sleeping && counters.uptimeMs === prev.counters.uptimeMs;
      utilization = stuck ? 1 : Math.min(1, rate('busyMs') / 1000);
    }
    return {
      scheduler: id,
      utilization,
      runQueue: counters.runQueue,
      queuedJobs: counters.queuedJobs,
      processes: counters.processes,
      messagesIn: rate('messagesIn'),
      messagesOut: rate('messagesOut'),
      spawns: rate('spawned'),
      exits: rate('exited'),
      heapUsed,
      sleeping,
    };
  }
}
