/**
 * The small computation Savina's fork-join benchmarks do per message: sin(theta)^2, checked
 * so that the JIT cannot drop it.
 */
export function performComputation(theta: number): number {
  const s = Math.sin(theta);
  const r = s * s;
  if (r <= 0) throw new Error(`unrealistic result ${r}`);
  return r;
}

/** A small deterministic generator (a 32-bit LCG), so that every run sends the same traffic. */
export function nextRandom(seed: number): number {
  return (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0;
}
