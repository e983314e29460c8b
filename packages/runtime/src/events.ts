import type { ExitReason } from './reasons.js';
import type { LogEvent } from './logger.js';

/** What the runtime tells its host, for logging and statistics. */
export type RuntimeEvent =
  | { type: 'crash'; pid: number; name: string; key: string; reason: ExitReason }
  /** `running`: reported by a watchdog while the step still goes on (`ms` so far), with the definition's `key`. */
  | { type: 'long_schedule'; pid: number; name: string; ms: number; key?: string; running?: boolean }
  | SupervisorReport
  | LogEvent;

/**
 * A supervisor's report (OTP's supervisor reports): a child it supervises `child_terminated`
 * (exited on its own, with `reason`), a child failed to start (`start_error`), a child it
 * stopped did not go the way it was asked to (`shutdown_error`: it had crashed already, or
 * had to be killed after its shutdown timeout), or the restart
 * intensity was reached and the supervisor exits (`shutdown`, reason `reached_max_restart_intensity`).
 * Crashes of linked processes are not reported as crashes, so this is how they reach the log.
 */
export interface SupervisorReport {
  type: 'supervisor';
  /** The supervisor, and its registered name (or `supervisor`). */
  pid: number;
  name: string;
  context: 'child_terminated' | 'start_error' | 'shutdown_error' | 'shutdown';
  child: { id: string; pid: number | undefined };
  reason: ExitReason;
}
