/**
 * Repetition and summary statistics: every figure in the report is the median of several
 * timed runs, shown with the fastest and slowest run, after untimed warm-up runs.
 */

export interface Summary {
  /** Every timed run, in the order they ran. */
  samples: number[];
  median: number;
  min: number;
  max: number;
}

export interface RepeatOptions {
  /** Untimed runs first (JIT warm-up, worker start-up). */
  warmup: number;
  /** Timed runs. */
  reps: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(samples: readonly number[]): Summary {
  return { samples: [...samples], median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

/**
 * Runs `run` `warmup + reps` times, one after another; `check` sees every result (a wrong
 * answer throws: a benchmark that computes the wrong thing measures nothing). Returns the
 * wall time of each timed run in milliseconds.
 */
export async function timeRuns<T>(run: () => Promise<T> | T, options: RepeatOptions, check?: (result: T) => void): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < options.warmup + options.reps; i++) {
    const start = performance.now();
    const result = await run();
    const ms = performance.now() - start;
    check?.(result);
    if (i >= options.warmup) samples.push(ms);
  }
  return summarize(samples);
}

/** Times in ms turned into a rate: `work` units per second for each run. */
export function toRate(times: Summary, work: number): Summary {
  return summarize(times.samples.map((ms) => (work * 1000) / ms));
}

/** Throws when a workload's answer is not the known one. */
export function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}
