/**
 * What a run produces: one measurement per (workload, runner), and the context every suite
 * gets to record them, to read the options, and to skip what `--only` leaves out.
 */
import type { Summary } from './measure.js';

export interface Measurement {
  suite: string;
  /** The workload, e.g. `primes` or `savina ping-pong`. */
  workload: string;
  /** Where it ran: `thread`, `vm-1`, `vm-2`..., `piscina-2`, `raw x1`, `raw x256`... */
  runner: string;
  /** `ms` (lower is better) or a rate such as `hops/s` (higher is better). */
  unit: string;
  better: 'lower' | 'higher';
  median: number;
  min: number;
  max: number;
  samples: number[];
  /** The runner this row is compared with in the "vs baseline" column (usually `thread`). */
  baseline?: string;
  /** Shown instead of min–max (e.g. tinybench's relative margin of error). */
  spread?: string;
  /** Size and anything a reader needs to interpret the figure. */
  note?: string;
}

export interface SuiteOptions {
  quick: boolean;
  /** Timed runs per measurement and untimed runs before them. */
  reps: number;
  warmup: number;
  /** Schedulers for "the VM with N schedulers" and threads for piscina: the machine's cores. */
  cores: number;
  /** Scheduler counts for the speedup chart and the oversubscription check. */
  sweep: number[];
}

export interface SuiteContext extends SuiteOptions {
  /** True if this workload (or its whole suite) was selected by `--only`. */
  selected(workload: string): boolean;
  /**
   * Runs one workload if it is selected: progress is logged, and an error is recorded (the
   * run then exits 1) without stopping the other workloads.
   */
  workload(name: string, runner: string, run: () => Promise<void>): Promise<void>;
  record(m: Omit<Measurement, 'suite' | 'median' | 'min' | 'max' | 'samples'> & { summary: Summary }): void;
  /** Progress on stderr. */
  log(line: string): void;
}

export interface Suite {
  name: string;
  /** Workload names this suite can run, for `--only` and `--help`. */
  workloads: string[];
  run(ctx: SuiteContext): Promise<void>;
}

export interface RunError {
  suite: string;
  workload: string;
  message: string;
}
