import type { Ref } from './pid.js';
import type { ExitReason } from './reasons.js';

/**
 * Everything one process can do to another is a signal addressed to a pid, as in the BEAM.
 * The runtime applies signals to local processes; a signal for a pid that is not here goes
 * to the host, which forwards it to the owning thread (or bounces it if the pid is dead).
 * Signals are plain data: they cross threads as they are. `msg` payloads are already copies.
 */
export type Signal =
  | { kind: 'message'; to: number; msg: unknown }
  /** A message sent to an alias of `to`: delivered only if the alias is still active there. */
  | { kind: 'alias-message'; to: number; alias: Ref; msg: unknown }
  | { kind: 'exit'; to: number; from: number; reason: ExitReason; linked: boolean }
  | { kind: 'link'; to: number; from: number }
  | { kind: 'unlink'; to: number; from: number }
  | { kind: 'monitor'; to: number; from: number; ref: Ref }
  | { kind: 'demonitor'; to: number; from: number; ref: Ref }
  | { kind: 'down'; to: number; from: number; ref: Ref; reason: ExitReason }
  /**
   * The shared registry now maps (`on`) or no longer maps `name` to `to`, changed by a process
   * on another thread: the owner of `to` keeps its record of its own name in step.
   */
  | { kind: 'named'; to: number; name: string; on: boolean }
  /**
   * A `sendAfter` timer set on another thread is for `to`: it is cancelled (through its shared
   * cell) when `to` exits, and at once if `to` is not alive.
   */
  | { kind: 'timer'; to: number; ref: Ref };

export type SignalKind = Signal['kind'];
