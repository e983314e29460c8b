import { creationOf, type Runtime, type Signal } from '@beamjs/runtime';

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
