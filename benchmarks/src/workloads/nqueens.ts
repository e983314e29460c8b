/**
 * N-Queens: count every placement of n queens on an n x n board with none attacking
 * another. The search is split by its first rows: every valid placement of the first
 * `depth` rows is one job.
 */
import { defineProcess, type Context } from '@beamjs/runtime';

/** Solutions for n queens (OEIS A000170). */
export const QUEENS_SOLUTIONS: Readonly<Record<number, number>> = {
  4: 2,
  5: 10,
  6: 4,
  7: 40,
  8: 92,
  9: 352,
  10: 724,
  11: 2_680,
  12: 14_200,
  13: 73_712,
  14: 365_596,
};

/** A job: the board size and the columns of the queens already placed on the first rows. */
export type QueensPrefix = [n: number, columns: number[]];

/** Bitboard backtracking: columns and both diagonals taken, as bit masks. */
function solve(all: number, cols: number, left: number, right: number): number {
  if (cols === all) return 1;
  let count = 0;
  let free = all & ~(cols | left | right);
  while (free !== 0) {
    const bit = free & -free;
    free ^= bit;
    count += solve(all, cols | bit, ((left | bit) << 1) & all, (right | bit) >>> 1);
  }
  return count;
}

/** Solutions that extend `columns` (queens on rows 0..columns.length-1); 0 if the prefix is invalid. */
export function countQueens(n: number, columns: readonly number[]): number {
  const all = (1 << n) - 1;
  let cols = 0;
  let left = 0;
  let right = 0;
  for (const c of columns) {
    const bit = 1 << c;
    if ((cols | left | right) & bit) return 0;
    cols |= bit;
    left = ((left | bit) << 1) & all;
    right = (right | bit) >>> 1;
  }
  return solve(all, cols, left, right);
}

/** Every placement of the first `depth` rows where no two queens attack each other. */
export function queensPrefixes(n: number, depth: number): QueensPrefix[] {
  const out: QueensPrefix[] = [];
  const walk = (columns: number[]): void => {
    if (columns.length === depth) {
      out.push([n, columns]);
      return;
    }
    const row = columns.length;
    for (let c = 0; c < n; c++) {
      const safe = columns.every((other, r) => other !== c && Math.abs(other - c) !== row - r);
      if (safe) walk([...columns, c]);
    }
  };
  walk([]);
  return out;
}

export const queensFrom = defineProcess(import.meta.url, 'queensFrom', (_ctx: Context<never>, job: QueensPrefix) => countQueens(job[0], job[1]));
