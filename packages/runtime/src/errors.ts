/**
 * Every error this package throws on purpose is a BeamError with a stable `code`, so callers
 * can branch on `err.code` and the message can say what to do about it.
 */
export type BeamErrorCode =
  | 'ERR_UNCLONEABLE'
  | 'ERR_NOT_A_DEFINITION'
  | 'ERR_UNKNOWN_DEFINITION'
  | 'ERR_DUPLICATE_DEFINITION'
  | 'ERR_INVALID_TIMEOUT'
  | 'ERR_NAME_TAKEN'
  | 'ERR_INVALID_NAME'
  | 'ERR_NOPROC'
  | 'ERR_NOT_ALIVE'
  | 'ERR_RUNTIME_STOPPED'
  | 'ERR_CALL_TIMEOUT'
  | 'ERR_CALL_EXIT'
  | 'ERR_INIT_FAILED'
  | 'ERR_TASK_FAILED'
  | 'ERR_TASK_TIMEOUT'
  | 'ERR_SUPERVISOR'
  | 'ERR_MAX_CHILDREN'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_CANCELLED'
  | 'ERR_JOB_FAILED'
  | 'ERR_JOB_TIMEOUT'
  | 'ERR_LOAD_FAILED'
  | 'ERR_VM_STOPPED'
  | 'ERR_INVALID_OPTION'
  | 'ERR_QUEUE_FULL'
  | 'ERR_TSX_MISSING'
  | 'ERR_VM_IN_SCHEDULER'
  | 'ERR_SCHEDULER_DOWN'
  | 'ERR_NODE_NAME_TAKEN'
  | 'ERR_NO_CLUSTER'
  | 'ERR_NOCONNECTION'
  | 'ERR_GLOBAL_NAME_UNKNOWN'
  | 'ERR_CLUSTER';

export class BeamError extends Error {
  readonly code: BeamErrorCode;
  constructor(code: BeamErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'BeamError';
  }
}

/** A value that cannot be deep-copied into another process's mailbox. */
export class UncloneableError extends BeamError {
  /** Where in the message the bad value sits, e.g. `msg.handler` or `msg.items[3]`. */
  path: string;
  private readonly what: string;
  private readonly hint: string | undefined;
  /** `hint`: what to do instead, when the general advice (plain data) does not fit. */
  constructor(path: string, what: string, hint?: string) {
    super('ERR_UNCLONEABLE', UncloneableError.text(path, what, hint));
    this.path = path;
    this.what = what;
    this.hint = hint;
  }
  /** Called while the copy unwinds: `.items` then `msg` turn `[3]` into `msg.items[3]`. */
  prepend(step: string): void {
    this.path = step + this.path;
    this.message = UncloneableError.text(this.path, this.what, this.hint);
  }
  private static text(path: string, what: string, hint: string | undefined): string {
    return (
      `cannot send ${what} at ${path}: messages are deep-copied between processes, so they must be ` +
      `plain data (primitives, arrays, plain objects, Map, Set, Date, RegExp, Error, ArrayBuffers and typed arrays, Buffer). ` +
      (hint ?? `Send the data it holds instead (for a class instance, a plain object such as {...value} or value.toJSON()).`)
    );
  }
}

export function invalidTimeout(value: unknown): BeamError {
  return new BeamError(
    'ERR_INVALID_TIMEOUT',
    `invalid timeout ${describe(value)}: a timeout is a number of milliseconds >= 0, or Infinity to wait forever`,
  );
}

/** Validates a timeout argument; `undefined` means "wait forever". */
export function checkTimeout(value: unknown): number {
  if (value === undefined) return Infinity;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) throw invalidTimeout(value);
  return value;
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'symbol') return value.toString();
  if (value === null || typeof value !== 'object') return String(value);
  const ctor = Object.getPrototypeOf(value)?.constructor?.name;
  return ctor ? `a ${ctor}` : 'an object';
}
