/** The counters the rooms of one runtime bump as they work; read through `Runtime.snapshot()`. */
export interface Counters {
  spawned: number;
  exited: number;
  /** Process steps run (starts, resumes, actor messages): BEAM's reductions, roughly. */
  steps: number;
  messagesIn: number;
  messagesOut: number;
  longSchedules: number;
}

export function newCounters(): Counters {
  return { spawned: 0, exited: 0, steps: 0, messagesIn: 0, messagesOut: 0, longSchedules: 0 };
}

/** Counters of one runtime (one scheduler thread). */
export interface RuntimeStats extends Counters {
  processes: number;
  runQueue: number;
  /** Milliseconds this runtime had runnable work, since it started. */
  busyMs: number;
  /** Milliseconds since it started. */
  uptimeMs: number;
}

/** The monotonic clock, bound once: the global `performance` is a lazy getter, costly per hop. */
export const clock: () => number = performance.now.bind(performance);
