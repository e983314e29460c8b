import { BeamError, type BeamErrorCode } from '../errors.js';
import type { ExitReason } from '../reasons.js';

/**
 * An error that carries the exit reason of the process it is about: the server that crashed
 * during a call, the task that failed, the child whose `init` failed. `reason` is plain data
 * (for a crash, `{ error, name, stack }`), so it can be logged, matched or sent on; it is also
 * the error's `cause`.
 */
export class ExitError extends BeamError {
  readonly reason: ExitReason;
  constructor(code: BeamErrorCode, message: string, reason: ExitReason) {
    super(code, message, { cause: reason });
    this.reason = reason;
    this.name = 'ExitError';
  }
}
