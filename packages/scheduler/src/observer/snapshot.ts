import { getHeapStatistics } from 'node:v8';
import { inspect } from 'node:util';
import { supervisorView, type Runtime } from '@beamjs/runtime';
import { PROCESS_BASE_BYTES, estimateBytes } from './estimate.js';
import type { ProcessDetail, ProcessRow, SchedulerSnapshot, SnapshotRequest, SupervisorEntry } from './types.js';

type Proc = ReturnType<Runtime['procs']['values']> extends Iterable<infer P> ? P : never;

/** Mailbox messages sampled for the memory estimate (the rest are assumed alike). */
const MAILBOX_SAMPLE = 16;
/** Messages shown in a process's detail. */
const MAILBOX_HEAD = 10;
/** Children of one supervisor carried in a snapshot. */
const MAX_CHILDREN = 500;

/**
 * The observer's probe inside one node (a scheduler thread, or the main thread): answers
 * snapshot requests from its own process table. It exists only once someone has watched, and
 * costs nothing between two requests but the step counts of the previous tick.
 */
export class SnapshotProbe {
  /** Steps of each process at the previous tick, and at this one (being filled). */
  private before = new Map<number, number>();
  private now = new Map<number, number>();
  private tick = -1;

  constructor(private readonly runtime: Runtime) {}

  snapshot(request: SnapshotRequest): SchedulerSnapshot {
    const started = performance.now();
    if (request.tick !== this.tick) {
      // A new tick: this tick's values become the baseline of the window. A second request
      // in the same tick (another filter) keeps the same baseline.
      this.tick = request.tick;
      this.before = this.now;
      this.now = new Map();
    }
    const filter = request.filter.toLowerCase();
    const rows: ProcessRow[] = [];
    const supervisors: SupervisorEntry[] = [];
    let processes = 0;
    for (const proc of this.runtime.procs.values()) {
      processes++;
      this.now.set(proc.self, proc.steps);
      const sup = proc.isActor ? supervisorView(proc.key, proc.state) : undefined;
      if (sup) {
        const shown = sup.children.length > MAX_CHILDREN ? { ...sup, children: sup.children.slice(0, MAX_CHILDREN) } : sup;
        supervisors.push({ pid: proc.self, name: proc.name, registeredName: proc.registeredName, scheduler: this.runtime.host.nodeId, view: shown, childrenNotShown: sup.children.length - shown.children.length });
      }
      if (filter !== '' && !matches(proc, filter)) continue;
      rows.push(this.row(proc));
    }
    const heap = getHeapStatistics();
    const top = topRows(rows, request.limit);
    return {
      scheduler: this.runtime.host.nodeId,
      processes,
      matched: rows.length,
      rows: top,
      supervisors,
      heapUsed: heap.used_heap_size,
      heapTotal: heap.total_heap_size,
      costMs: performance.now() - started,
    };
  }

  private row(proc: Proc): ProcessRow {
    const since = this.before.get(proc.self);
    return {
      pid: proc.self,
      name: proc.name,
      key: proc.key,
      registeredName: proc.registeredName,
      kind: proc.def?.kind ?? 'external',
      status: proc.status,
      mailboxLength: proc.mailbox.length,
      // A process new since the previous tick (or moved here) counts from zero.
      windowSteps: since === undefined || since > proc.steps ? proc.steps : proc.steps - since,
      steps: proc.steps,
      messagesHandled: proc.handled,
      memory: memoryOf(proc),
      scheduler: this.runtime.host.nodeId,
      movable: proc.isActor && proc.status === 'waiting' && !proc.busy && !proc.waiter,
    };
  }

  detail(pid: number): ProcessDetail | undefined {
    const proc = this.runtime.procs.get(pid);
    if (!proc) return undefined;
    return {
      ...proc.info(),
      memory: memoryOf(proc),
      mailboxHead: peek(proc, MAILBOX_HEAD).map(show),
      state: proc.isActor ? show(proc.state) : undefined,
      supervisor: proc.isActor ? supervisorView(proc.key, proc.state) : undefined,
    };
  }
}

function matches(proc: Proc, filter: string): boolean {
  return (
    proc.name.toLowerCase().includes(filter) ||
    // The definition as the page shows it (file#name): the directories of its module URL would
    // make a filter such as a pid's digits match every process of a checkout whose path has them.
    proc.key.slice(proc.key.lastIndexOf('/') + 1).toLowerCase().includes(filter) ||
    (proc.registeredName?.toLowerCase().includes(filter) ?? false) ||
    String(proc.self) === filter
  );
}

/** The first `limit` rows by window steps, mailbox length and memory, each row once. */
export function topRows(rows: ProcessRow[], limit: number): ProcessRow[] {
  if (rows.length <= limit) return rows;
  const picked = new Set<ProcessRow>();
  for (const by of [(r: ProcessRow) => r.windowSteps, (r: ProcessRow) => r.mailboxLength, (r: ProcessRow) => r.memory]) {
    const sorted = [...rows].sort((a, b) => by(b) - by(a));
    for (let i = 0; i < limit; i++) picked.add(sorted[i]);
  }
  return [...picked];
}

function peek(proc: Proc, n: number): unknown[] {
  const head: unknown[] = [];
  if (n > 0) proc.mailbox.find((msg) => head.push(msg) >= n);
  return head;
}

function memoryOf(proc: Proc): number {
  const sample = peek(proc, MAILBOX_SAMPLE);
  const mailbox = sample.length === 0 ? 0 : (estimateBytes(sample) * proc.mailbox.length) / sample.length;
  return Math.round(PROCESS_BASE_BYTES + estimateBytes(proc.state) + mailbox);
}

function show(value: unknown): string {
  const text = inspect(value, { depth: 3, breakLength: 100, maxArrayLength: 20, maxStringLength: 200 });
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
