import type { ChildType, RestartType } from './child-spec.js';
import type { ServerBox } from './gen-server-types.js';
import type { Strategy } from './supervisor-types.js';

/**
 * What an observer sees of a supervisor: read from its state between two messages, on the
 * thread that runs it, without asking the supervisor anything (a supervisor busy restarting
 * children still shows up, with its last state).
 */
export interface SupervisorView {
  kind: 'supervisor' | 'dynamic';
  strategy: Strategy;
  intensity: number;
  period: number;
  children: SupervisedChildView[];
}

export interface SupervisedChildView {
  id: string;
  /** Undefined for a terminated child, `restarting` while a failed restart is retried. */
  pid: number | undefined | 'restarting';
  type: ChildType;
  restart: RestartType;
  /** Times the supervisor restarted this child (after its own exit or a sibling's, by the strategy). */
  restarts: number;
}

/** The state both supervisors keep, as far as an observer reads it. */
interface ObservableState {
  strategy?: Strategy;
  intensity: number;
  period: number;
  children: { spec: { id: string; type: ChildType; restart: RestartType }; pid: number | undefined | 'restarting'; restarts?: number }[];
}

/** Definition keys of supervisor servers on this thread (each thread registers the ones it loads). */
const supervisorKeys = new Map<string, SupervisorView['kind']>();

/** @internal called where a supervisor definition is made. */
export function markSupervisor(key: string, kind: SupervisorView['kind']): void {
  supervisorKeys.set(key, kind);
}

/** The view of a process's state if `key` is a supervisor's definition, else undefined. */
export function supervisorView(key: string, state: unknown): SupervisorView | undefined {
  const kind = supervisorKeys.get(key);
  const s = (state as ServerBox | undefined)?.s as ObservableState | undefined;
  // Undefined while its init runs (the state exists only once init returned).
  if (kind === undefined || s === undefined || !Array.isArray(s.children)) return undefined;
  return {
    kind,
    strategy: s.strategy ?? 'one_for_one',
    intensity: s.intensity,
    period: s.period,
    children: s.children.map((c) => ({ id: c.spec.id, pid: c.pid, type: c.spec.type, restart: c.spec.restart, restarts: c.restarts ?? 0 })),
  };
}
