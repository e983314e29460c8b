import { BeamError, generationOf, slotOf, type Context } from '@beamjs/runtime';

/**
 * Per-job flags that synchronous code can read, in shared memory, three Int32 per pid slot:
 *
 * - `cancel[slot]`: the main thread writes `generation + 1` of the job's pid when its caller
 *   aborts; the job reads its own slot.
 * - `startedGen[slot]`, `startedAt[slot]`: the job writes when it starts running (the clock's
 *   low 31 bits, then its `generation + 1`), so the main thread can count a job's `timeout`
 *   from its start rather than from when it was queued, with no message (a message from a
 *   job stuck in a synchronous loop would only leave its thread after the loop).
 *
 * Storing the generation means a flag left behind never applies to the next process that
 * gets the slot.
 */
let flags: Int32Array | undefined;
let slots = 0;

const CLOCK_MASK = 0x7fffffff;
/** Longest duration the start clock measures (its 31 bits wrap after ~24.8 days). */
export const MAX_TIMED_MS = CLOCK_MASK;

export function setCancelFlags(buffer: SharedArrayBuffer): void {
  flags = new Int32Array(buffer);
  slots = flags.length / 3;
}

export function cancelFlagsBuffer(slotCount: number): SharedArrayBuffer {
  return new SharedArrayBuffer(slotCount * 4 * 3);
}

const mark = (pid: number): number => (generationOf(pid) + 1) | 0;

export function requestCancel(view: Int32Array, pid: number): void {
  Atomics.store(view, slotOf(pid), mark(pid));
}

/** Called by the job runner in its thread as the job starts. */
export function markStarted(pid: number): void {
  if (flags === undefined) return;
  const slot = slotOf(pid);
  Atomics.store(flags, 2 * slots + slot, Date.now() & CLOCK_MASK);
  Atomics.store(flags, slots + slot, mark(pid));
}

/** How long the job `pid` has been running, in ms; undefined if it has not started. */
export function runningFor(view: Int32Array, pid: number): number | undefined {
  const count = view.length / 3;
  const slot = slotOf(pid);
  if (Atomics.load(view, count + slot) !== mark(pid)) return undefined;
  return ((Date.now() & CLOCK_MASK) - Atomics.load(view, 2 * count + slot)) & CLOCK_MASK;
}

/** True once the caller of this job (vm.run / vm.map) cancelled it. Cheap: call it in hot loops. */
export function isCancelled(ctx: Pick<Context, 'self'>): boolean {
  return flags !== undefined && Atomics.load(flags, slotOf(ctx.self)) === mark(ctx.self);
}

/** Throws ERR_CANCELLED if the caller cancelled this job: ends the job at a point of your choosing. */
export function throwIfCancelled(ctx: Pick<Context, 'self'>): void {
  if (isCancelled(ctx)) throw new BeamError('ERR_CANCELLED', 'the job was cancelled by its caller');
}
