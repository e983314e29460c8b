/**
 * What piscina's threads run: the same workload functions as the VM jobs and the plain
 * thread, behind one dispatcher (piscina calls a module's default export with the task).
 */
import { countPrimes, type Range } from '../workloads/primes.js';
import { countQueens, type QueensPrefix } from '../workloads/nqueens.js';
import { computeBand, type MandelbrotBand } from '../workloads/mandelbrot.js';
import { increment } from '../workloads/trivial.js';

export const tasks = {
  primes: (range: Range) => countPrimes(range[0], range[1]),
  queens: (job: QueensPrefix) => countQueens(job[0], job[1]),
  mandelbrot: (band: MandelbrotBand) => computeBand(band),
  increment,
} satisfies Record<string, (arg: never) => unknown>;

export type TaskName = keyof typeof tasks;
export type TaskArg<K extends TaskName> = Parameters<(typeof tasks)[K]>[0];

/** The message piscina carries to a thread. */
export interface PiscinaTask<K extends TaskName = TaskName> {
  fn: K;
  arg: TaskArg<K>;
}
