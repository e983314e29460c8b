/**
 * Counts the primes below a bound on every core: main splits the range into chunks and spawns
 * one process per chunk; idle schedulers steal the chunks; each process sends its count back
 * to main, which adds them up.
 *
 *     beamjs run examples/primes.ts --stats                 # below 5,000,000
 *     beamjs run examples/primes.ts --stats -- 20000000 200 # bound, chunks
 */
import { defineProcess, type Context, type Pid } from '@beamjs/runtime';

interface Counted {
  chunk: number;
  primes: number;
}

/** Trial division: deliberately CPU-bound, so the work is the computing and not the messaging. */
export function countPrimes(from: number, to: number): number {
  let count = from <= 2 && to > 2 ? 1 : 0;
  for (let n = Math.max(3, from | 1); n < to; n += 2) {
    let prime = true;
    for (let d = 3; d * d <= n; d += 2) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

export const chunkCounter = defineProcess(
  import.meta.url,
  'chunkCounter',
  (ctx: Context<never>, replyTo: Pid<Counted>, chunk: number, from: number, to: number) => {
    ctx.send(replyTo, { chunk, primes: countPrimes(from, to) });
  },
);

export async function main(ctx: Context<Counted>, args: string[]): Promise<void> {
  const bound = wholeNumber(args[0], 5_000_000, 'the bound');
  const chunks = Math.min(bound, wholeNumber(args[1], 100, 'the number of chunks'));
  const started = performance.now();

  const size = Math.ceil(bound / chunks);
  let spawned = 0;
  for (let from = 0; from < bound; from += size) {
    ctx.spawn(chunkCounter, ctx.self, spawned++, from, Math.min(bound, from + size));
  }
  let total = 0;
  for (let i = 0; i < spawned; i++) total += (await ctx.receive()).primes;

  const seconds = (performance.now() - started) / 1000;
  console.log(`${total.toLocaleString('en-US')} primes below ${bound.toLocaleString('en-US')} (${spawned} chunks, ${seconds.toFixed(2)} s)`);
}

function wholeNumber(text: string | undefined, fallback: number, what: string): number {
  if (text === undefined) return fallback;
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${what} must be a whole number of at least 1, got '${text}'`);
  return n;
}
