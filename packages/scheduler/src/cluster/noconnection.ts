import { creationOf, type MigratingProcess, type Runtime, type Signal } from '@beamjs/runtime';

/**
 * Node `creation` went down (as this node sees it): every link and monitor of this thread's
 * processes to a process of it fires with reason `noconnection`, as in Erlang; monitors it
 * held on our processes are forgotten (nothing will ever reach it).
 */
export function fireNoconnection(runtime: Runtime, creation: number): void {
  const signals: Signal[] = [];
  for (const proc of runtime.procs.values()) {
    if (proc.links) for (const pid of proc.links) if (creationOf(pid) === creation) signals.push({ kind: 'exit', to: proc.self, from: pid, reason: 'noconnection', linked: true });
    if (proc.monitors) for (const [ref, pid] of proc.monitors) if (creationOf(pid) === creation) signals.push({ kind: 'down', to: proc.self, from: pid, ref, reason: 'noconnection' });
    if (proc.monitoredBy) for (const [ref, watcher] of proc.monitoredBy) if (creationOf(watcher) === creation) proc.monitoredBy.delete(ref);
  }
  for (const signal of signals) runtime.deliver(signal);
}

/**
 * A process that migrated while a node went down may have left its old scheduler before that
 * scheduler heard it, and reached its new one after that one did: it heard nothing. So an
 * arriving process's links and monitors to nodes that are not up fire `noconnection` now (the
 * node table is marked before any scheduler is told).
 */
export function missedNoconnection(moving: MigratingProcess, self: number, nodes: { isUp(creation: number): boolean }): Signal[] {
  const gone = (pid: number): boolean => creationOf(pid) !== self && !nodes.isUp(creationOf(pid));
  const signals: Signal[] = [];
  for (const pid of moving.links) if (gone(pid)) signals.push({ kind: 'exit', to: moving.pid, from: pid, reason: 'noconnection', linked: true });
  for (const [ref, pid] of moving.monitors) if (gone(pid)) signals.push({ kind: 'down', to: moving.pid, from: pid, ref, reason: 'noconnection' });
  return signals;
}
