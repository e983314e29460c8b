/**
 * Behaviour callbacks may be sync or async. Chaining through `then` only when a value is a
 * promise keeps sync callbacks sync: an actor whose `handle` returns a plain value is never
 * marked busy, costs no microtask, and stays movable between messages.
 */
export type Awaitable<T> = T | Promise<T>;

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** `next(value)`, now if `value` is plain, after it settles if it is a promise. */
export function chain<T, R>(value: Awaitable<T>, next: (value: T) => Awaitable<R>): Awaitable<R> {
  return isPromiseLike(value) ? Promise.resolve(value).then(next) : next(value);
}

/** Runs `run`; a throw or a rejection goes to `onError` (which usually rethrows). */
export function attempt<T>(run: () => Awaitable<T>, onError: (err: unknown) => Awaitable<T>): Awaitable<T> {
  let result: Awaitable<T>;
  try {
    result = run();
  } catch (err) {
    return onError(err);
  }
  return isPromiseLike(result) ? Promise.resolve(result).then(undefined, onError) : result;
}
