import type { SupervisedChildView, SupervisorView } from '@beamjs/runtime';
import { topRows } from './snapshot.js';
import type { ProcessRow, SchedulerSnapshot, SupervisorEntry } from './types.js';

/** The process table the page gets: the merged top rows of every node. */
export interface ProcessTable {
  rows: ProcessRow[];
  /** Live processes in the VM, how many match the filter, and schedulers that did not answer in time. */
  total: number;
  matched: number;
  silent: number[];
  /** The longest a node spent answering this tick's snapshot, ms. */
  costMs: number;
}

export function mergeProcesses(snapshots: (SchedulerSnapshot | undefined)[], ids: number[], limit: number): ProcessTable {
  const rows: ProcessRow[] = [];
  const silent: number[] = [];
  let total = 0;
  let matched = 0;
  let costMs = 0;
  snapshots.forEach((s, i) => {
    if (!s) {
      silent.push(ids[i]);
      return;
    }
    total += s.processes;
    matched += s.matched;
    costMs = Math.max(costMs, s.costMs);
    rows.push(...s.rows);
  });
  return { rows: topRows(rows, limit), total, matched, silent, costMs };
}

/** A supervisor with its children; a child that is itself a supervisor carries its own node. */
export interface SupervisorNode {
  pid: number;
  name: string;
  registeredName: string | undefined;
  scheduler: number;
  kind: SupervisorView['kind'];
  strategy: SupervisorView['strategy'];
  intensity: number;
  period: number;
  childrenNotShown: number;
  children: (SupervisedChildView & { supervisor: SupervisorNode | undefined })[];
}

/**
 * The supervision trees: supervisors found on any node, nested by their children's pids.
 * Roots are the supervisors no other supervisor lists as a child (a child may have moved to
 * another scheduler than its supervisor's: pids tie them together, not threads).
 */
export function supervisionForest(entries: SupervisorEntry[]): SupervisorNode[] {
  const byPid = new Map(entries.map((e) => [e.pid, e]));
  const childPids = new Set<number>();
  for (const e of entries) for (const c of e.view.children) if (typeof c.pid === 'number' && byPid.has(c.pid)) childPids.add(c.pid);
  const build = (e: SupervisorEntry, path: Set<number>): SupervisorNode => {
    const inside = new Set(path).add(e.pid);
    return {
      pid: e.pid,
      name: e.name,
      registeredName: e.registeredName,
      scheduler: e.scheduler,
      kind: e.view.kind,
      strategy: e.view.strategy,
      intensity: e.view.intensity,
      period: e.view.period,
      childrenNotShown: e.childrenNotShown,
      children: e.view.children.map((c) => {
        const sub = typeof c.pid === 'number' && !inside.has(c.pid) ? byPid.get(c.pid) : undefined;
        return { ...c, supervisor: sub ? build(sub, inside) : undefined };
      }),
    };
  };
  return entries.filter((e) => !childPids.has(e.pid)).sort((a, b) => a.pid - b.pid).map((e) => build(e, new Set()));
}
