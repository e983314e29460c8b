/**
 * Count the primes below a limit by trial division, split into chunks of the range. The same
 * function runs on the plain thread, in VM jobs and in piscina tasks.
 */
import { defineProcess, type Context } from '@beamjs/runtime';

/** pi(x): the number of primes below x, for the limits the harness uses. */
export const PRIMES_BELOW: Readonly<Record<number, number>> = {
  1_000: 168,
  10_000: 1_229,
  100_000: 9_592,
  200_000: 17_984,
  500_000: 41_538,
  1_000_000: 78_498,
  2_000_000: 148_933,
  5_000_000: 348_513,
  10_000_000: 664_579,
};

export type Range = [from: number, to: number];

export function countPrimes(from: number, to: number): number {
  let count = 0;
  for (let n = Math.max(2, from); n < to; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

/** `[from, to)` ranges of equal width that cover `[0, limit)`. */
export function primeChunks(limit: number, chunks: number): Range[] {
  const width = Math.ceil(limit / chunks);
  const out: Range[] = [];
  for (let from = 0; from < limit; from += width) out.push([from, Math.min(limit, from + width)]);
  return out;
}

export const primesInRange = defineProcess(import.meta.url, 'primesInRange', (_ctx: Context<never>, range: Range) => countPrimes(range[0], range[1]));
