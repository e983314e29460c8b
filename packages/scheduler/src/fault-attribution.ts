import { AsyncLocalStorage } from 'node:async_hooks';
import { syncBuiltinESMExports } from 'node:module';
import timers from 'node:timers';
import { promiseHooks } from 'node:v8';
import { crashReason, type Runtime, type RuntimeEvent } from '@beamjs/runtime';

/**
 * How a scheduler thread knows which process the running code belongs to (VMOptions.faultAttribution):
 * - `'promise-hooks'` (the default): V8's promise hooks carry the owner through promises
 *   (awaits, `then`, detached async functions), and the timer functions (`setTimeout`,
 *   `setInterval`, `setImmediate`, `queueMicrotask`, `process.nextTick`) carry it into their
 *   callbacks. Callbacks of callback-style I/O (`fs.readFile(path, cb)`, sockets, emitters) run
 *   as nobody's: a fault there is logged, not blamed on a process.
 * - `'async-hooks'`: AsyncLocalStorage, which also follows callback-style I/O. On Node 20 it
 *   runs Node's async_hooks machinery at every promise, which slows code that awaits a lot
 *   (a ring of coroutines: 1.3-1.8x slower in the day's full bench runs, 1.3-1.6x in probes; scheduler README).
 */
export const FAULT_ATTRIBUTIONS = ['promise-hooks', 'async-hooks'] as const;
export type FaultAttribution = (typeof FAULT_ATTRIBUTIONS)[number];

export function isFaultAttribution(value: unknown): value is FaultAttribution {
  return (FAULT_ATTRIBUTIONS as readonly unknown[]).includes(value);
}

/** The mechanism's three operations; `install` picks one for the thread, once. */
interface OwnerTracker {
  /** Code from here on (and all it schedules) belongs to process `pid` (undefined: the scheduler). */
  set(pid: number | undefined): void;
  /** The process the running code belongs to. */
  get(): number | undefined;
  /** The process whose code threw the uncaught exception being reported. */
  ownerOfException(): number | undefined;
  /** The process that made `promise` (whose unhandled rejection is being reported). */
  ownerOfRejection(promise: Promise<unknown>): number | undefined;
}

/** Until `trackOwners` (and on the main thread, which runs no process): all code is nobody's. */
let tracker: OwnerTracker = {
  set() {},
  get: () => undefined,
  ownerOfException: () => undefined,
  ownerOfRejection: () => undefined,
};

/** Code from here on (and all it schedules) belongs to process `pid`. */
export function runAs(pid: number): void {
  tracker.set(pid);
}

/** The process the running code belongs to (undefined: the scheduler's own code). */
export function runningProcess(): number | undefined {
  return tracker.get();
}

/** Code from here on is the scheduler's own. */
export function runAsScheduler(): void {
  tracker.set(undefined);
}

/** Chooses how this thread tracks owners; before any process code runs. */
export function trackOwners(how: FaultAttribution): void {
  tracker = how === 'async-hooks' ? asyncLocalStorageTracker() : promiseHookTracker();
}

function asyncLocalStorageTracker(): OwnerTracker {
  const owner = new AsyncLocalStorage<number | undefined>();
  // Node reports an exception thrown by a queueMicrotask callback outside that callback's async
  // context: the wrapper notes whose callback it was before the exception leaves it.
  let thrownBy: number | undefined;
  const queue = globalThis.queueMicrotask;
  globalThis.queueMicrotask = (callback: () => void): void => {
    const pid = owner.getStore();
    queue(() => {
      try {
        callback();
      } catch (err) {
        thrownBy = pid;
        throw err;
      }
    });
  };
  return {
    set: (pid) => owner.enterWith(pid),
    get: () => owner.getStore(),
    ownerOfException() {
      const pid = thrownBy ?? owner.getStore();
      thrownBy = undefined;
      return pid;
    },
    // Node reports an unhandled rejection in the async context of the promise.
    ownerOfRejection: () => owner.getStore(),
  };
}

const OWNER = Symbol('beamjs.owner');
type Owned = Promise<unknown> & { [OWNER]?: number };

/**
 * The owner is one variable, `current`, set at every point where code starts running:
 * - a step of the run loop (`enter`), reset at the slice's boundaries (the scheduler's code);
 * - a promise reaction: the promise hook `init` stamps each promise made while a process's
 *   code runs with that process, `before` makes the stamp current when the reaction (an await's
 *   continuation, a `then` callback) runs, `after` resets it. Reactions never nest: they run
 *   one by one from an empty stack, so there is nothing to restore;
 * - a timer, immediate, microtask or tick callback: the wrappers below capture the owner when
 *   the callback is scheduled and set it while the callback runs.
 * A callback that throws leaves `current` set, so `uncaughtException` (and `process.exit`,
 * which throws) still sees whose code it was; `containFaults` resets it after.
 * What starts anywhere else (an I/O callback) starts with `current` undefined: nobody's.
 *
 * Why not AsyncLocalStorage: on Node 20 it turns on Node's async_hooks, whose per-promise
 * bookkeeping (async ids, resource stack) costs more than the hop itself. Three small hooks
 * cost a little under half as much (scheduler README, "Faults that escape a process").
 */
function promiseHookTracker(): OwnerTracker {
  let current: number | undefined;
  promiseHooks.createHook({
    init(promise: Owned) {
      if (current !== undefined) promise[OWNER] = current;
    },
    before(promise: Owned) {
      current = promise[OWNER];
    },
    after() {
      current = undefined;
    },
  });
  const carryOwner = <F extends (...args: never[]) => unknown>(schedule: F): F => {
    const wrapped = function (this: unknown, callback: unknown, ...rest: unknown[]): unknown {
      const pid = current;
      if (pid === undefined || typeof callback !== 'function') return Reflect.apply(schedule, this, [callback, ...rest]);
      const owned = function (this: unknown, ...args: unknown[]): unknown {
        current = pid;
        const result: unknown = Reflect.apply(callback, this, args);
        current = undefined;
        return result;
      };
      return Reflect.apply(schedule, this, [owned, ...rest]);
    };
    // Keeps what hangs off the original (`setTimeout[util.promisify.custom]`, name, length).
    Object.defineProperties(wrapped, Object.getOwnPropertyDescriptors(schedule));
    return wrapped as unknown as F;
  };
  for (const name of ['setTimeout', 'setInterval', 'setImmediate'] as const) {
    const owned = carryOwner(timers[name]);
    (timers as Record<string, unknown>)[name] = owned;
    (globalThis as Record<string, unknown>)[name] = owned;
  }
  globalThis.queueMicrotask = carryOwner(globalThis.queueMicrotask);
  process.nextTick = carryOwner(process.nextTick);
  // `import { setTimeout } from 'node:timers'` sees the wrappers too.
  syncBuiltinESMExports();
  return {
    set(pid) {
      current = pid;
    },
    get: () => current,
    ownerOfException: () => current,
    ownerOfRejection: (promise: Owned) => promise[OWNER],
  };
}

/**
 * Turns faults that escaped a process into that process's crash (a crash report, links and
 * monitors fire), instead of an uncaught exception that ends the thread and every process on
 * it. A fault no process can be blamed for (it escaped scheduler code, or its process is gone
 * or moved) is reported as an error log with all that is known, and the scheduler carries on.
 */
export function containFaults(runtime: Runtime, report: (event: RuntimeEvent) => void, afterFault: () => void): void {
  const onFault = (err: unknown, how: string, pid: number | undefined): void => {
    runAsScheduler();
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
  process.on('uncaughtException', (err) => onFault(err, 'an uncaught exception', tracker.ownerOfException()));
  process.on('unhandledRejection', (reason, promise) => onFault(reason, 'an unhandled rejection', tracker.ownerOfRejection(promise)));
}
