import { BeamError, generationOf, slotOf, type Context } from '@beamjs/runtime';

/**
 * Cancellation that synchronous code can see: one Int32 per pid slot in shared memory. The
 * main thread writes `generation + 1` of the job's pid when its caller aborts; the job reads
 * its own slot. Storing the generation means a flag left behind never applies to the next
 * process that gets the slot.
 */
let flags: Int32Array | undefined;

export function setCancelFlags(buffer: SharedArrayBuffer): void {
  flags = new Int32Array(buffer);
}

export function cancelFlagsBuffer(slots: number): SharedArrayBuffer {
  return new SharedArrayBuffer(slots * 4);
}

export function requestCancel(view: Int32Array, pid: number): void {
  Atomics.store(view, slotOf(pid), (generationOf(pid) + 1) | 0);
}

/** True once the caller of this job (vm.run / vm.map) cancelled it. Cheap: call it in hot loops. */
export function isCancelled(ctx: Pick<Context, 'self'>): boolean {
  return flags !== undefined && Atomics.load(flags, slotOf(ctx.self)) === ((generationOf(ctx.self) + 1) | 0);
}

/** Throws ERR_CANCELLED if the caller cancelled this job: ends the job at a point of your choosing. */
export function throwIfCancelled(ctx: Pick<Context, 'self'>): void {
  if (isCancelled(ctx)) throw new BeamError('ERR_CANCELLED', 'the job was cancelled by its caller');
}
