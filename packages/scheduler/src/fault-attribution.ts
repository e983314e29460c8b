import { AsyncLocalStorage } from 'node:async_hooks';
import { crashReason, type Runtime, type RuntimeEvent } from '@beamjs/runtime';

/**
 * Which process a piece of code on a scheduler thread belongs to. The run loop's `enter` hook
 * stores the pid just before a process's code runs; AsyncLocalStorage then carries it through
 * everything that code starts: awaits, promises, raw `setTimeout`s, detached async functions.
 * So a fault that escapes every `try` of the process (a throw in a timer callback, an
 * unhandled rejection, `process.exit` in a callback) still knows whose it is.
 */
const owner = new AsyncLocalStorage<number | undefined>();

/** Code from here on (and all it schedules) belongs to process `pid`. */
export function runAs(pid: number): void {
  owner.enterWith(pid);
}

/** The process the running code belongs to (undefined: the scheduler's own code). */
export function runningProcess(): number | undefined {
  return owner.getStore();
}

/** Code from here on is the scheduler's own. */
export function runAsScheduler(): void {
  owner.enterWith(undefined);
}

/**
 * Turns faults that escaped a process into that process's crash (a crash report, links and
 * monitors fire), instead of an uncaught exception that ends the thread and every process on
 * it. A fault no process can be blamed for (it escaped scheduler code, or its process is gone
 * or moved) is reported as an error log with all that is known, and the scheduler carries on.
 */
export function containFaults(runtime: Runtime, report: (event: RuntimeEvent) => void, afterFault: () => void): void {
  const onFault = (err: unknown, how: string): void => {
    const pid = owner.getStore();
    const proc = pid === undefined ? undefined : runtime.local(pid);
    if (proc !== undefined) {
      runtime.fail(proc, err);
    } else {
      const reason = crashReason(err);
      report({
        type: 'log',
        level: 'error',
        message: `${how} that no live process on this scheduler can be blamed for${pid === undefined ? '' : ` (it came from process ${pid}, which has exited or moved)`}; the scheduler carries on`,
        pid: pid ?? 0,
        name: 'scheduler',
        meta: { reason },
      });
    }
    afterFault();
  };
  process.on('uncaughtException', (err) => onFault(err, 'an uncaught exception'));
  process.on('unhandledRejection', (reason) => onFault(reason, 'an unhandled rejection'));
}
