/** The smallest job there is: what a pool charges per task, with nothing to hide it. */
import { defineProcess, type Context } from '@beamjs/runtime';

export function increment(x: number): number {
  return x + 1;
}

export const incrementJob = defineProcess(import.meta.url, 'incrementJob', (_ctx: Context<never>, x: number) => increment(x));

/** What summing increment(i) for i in [0, n) must give. */
export function expectedIncrementSum(n: number): number {
  return (n * (n + 1)) / 2;
}
