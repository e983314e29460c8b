/**
 * Whether this thread is a beamjs scheduler. A global symbol rather than a module variable:
 * a program may load two copies of this package (a linked checkout and an installed one),
 * and both must see the mark.
 */
const SCHEDULER_THREAD = Symbol.for('beamjs.schedulerThread');

export function markSchedulerThread(): void {
  (globalThis as Record<symbol, unknown>)[SCHEDULER_THREAD] = true;
}

export function inSchedulerThread(): boolean {
  return (globalThis as Record<symbol, unknown>)[SCHEDULER_THREAD] === true;
}
