import type { AnyPid, Pid } from '../pid.js';
import type { ChildType, RestartType } from './child-spec.js';

/**
 * - `one_for_one`: only the child that exited is restarted;
 * - `one_for_all`: all the others are stopped (in reverse start order), then all restarted in order;
 * - `rest_for_one`: the children started after it are stopped (in reverse), then it and they are restarted in order.
 */
export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

export interface SupervisorOptions {
  /** Default `one_for_one`. */
  strategy?: Strategy;
  /** Restarts allowed within `period` (OTP's MaxR, default 3); one more and the supervisor gives up. */
  intensity?: number;
  /** The window for `intensity`, in ms (OTP's MaxT, default 5000). */
  period?: number;
  /** Register the supervisor under this name. */
  name?: string;
  /** How long starting all the children may take, in ms (default: forever). */
  timeout?: number;
}

export interface DynamicSupervisorOptions {
  /** Children allowed at once (default: no limit); `startChild` past it fails with ERR_MAX_CHILDREN. */
  maxChildren?: number;
  intensity?: number;
  period?: number;
  name?: string;
  timeout?: number;
}

/** The pid of a supervisor, or its registered name. */
export type SupervisorRef = Pid<any> | string;

/** One row of `whichChildren`: `pid` is undefined for a terminated child, `restarting` while a failed restart is retried. */
export interface ChildInfo {
  id: string;
  pid: AnyPid | undefined | 'restarting';
  type: ChildType;
  restart: RestartType;
}

export interface ChildCounts {
  /** Child specs the supervisor holds, running or not. */
  specs: number;
  /** Children alive now. */
  active: number;
  supervisors: number;
  workers: number;
}

/**
 * Why a supervisor refused a request (`ExitError.reason`, plain data as in OTP):
 * `not_found` (no such child), `running` (stop it first), `restarting` (a failed restart is
 * being retried), `{ already_started: pid }` / `already_present` (the id is taken),
 * `max_children` (a full DynamicSupervisor).
 */
export type RefusalReason = 'not_found' | 'running' | 'restarting' | 'already_present' | { already_started: number } | 'max_children';
