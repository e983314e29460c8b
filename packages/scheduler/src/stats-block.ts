import type { RuntimeStats } from '@beamjs/runtime';
import type { SchedulerStats } from './protocol.js';

/**
 * Per-node counters in shared memory. Each node writes only its own block (plain stores: a
 * reader may see a slightly stale or torn set of numbers, which is fine for statistics); the
 * main thread reads every block without asking anyone, so stats and the live view keep
 * working while a scheduler is stuck in a long synchronous process.
 *
 * `sleeping[node]` (Int32, written with Atomics) is 1 while that scheduler has nothing to do
 * and waits for its ports; whoever publishes work clears it with compareExchange and wakes it.
 */
const FIELDS = ['busyMs', 'uptimeMs', 'processes', 'runQueue', 'queuedJobs', 'steps', 'spawned', 'exited', 'steals', 'migrationsIn', 'migrationsOut', 'messagesIn', 'messagesOut', 'longSchedules'] as const;
export type StatsField = (typeof FIELDS)[number];
type Field = StatsField;
const STRIDE = 16;
const NODES = 128;

export class StatsBlock {
  readonly sleeping: Int32Array;
  private readonly values: Float64Array;

  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer(NODES * 4 + NODES * STRIDE * 8);
  }

  constructor(readonly buffer: SharedArrayBuffer) {
    this.sleeping = new Int32Array(buffer, 0, NODES);
    this.values = new Float64Array(buffer, NODES * 4, NODES * STRIDE);
  }

  write(node: number, stats: Record<Field, number>): void {
    const base = node * STRIDE;
    for (let i = 0; i < FIELDS.length; i++) this.values[base + i] = stats[FIELDS[i]];
  }

  read(node: number): SchedulerStats {
    const base = node * STRIDE;
    const get = (f: Field): number => this.values[base + FIELDS.indexOf(f)];
    const uptime = get('uptimeMs');
    return {
      id: node,
      runQueue: get('runQueue'),
      queuedJobs: get('queuedJobs'),
      processes: get('processes'),
      utilization: uptime > 0 ? Math.min(1, get('busyMs') / uptime) : 0,
      steps: get('steps'),
      spawned: get('spawned'),
      exited: get('exited'),
      steals: get('steals'),
      migrationsIn: get('migrationsIn'),
      migrationsOut: get('migrationsOut'),
      messagesIn: get('messagesIn'),
      messagesOut: get('messagesOut'),
      longSchedules: get('longSchedules'),
      sleeping: Atomics.load(this.sleeping, node) === 1,
    };
  }

  /** The raw counters of `node` (busy and up time in ms, totals since it started): for rates over a window. */
  counters(node: number): Record<Field, number> {
    const base = node * STRIDE;
    return Object.fromEntries(FIELDS.map((f, i) => [f, this.values[base + i]])) as Record<Field, number>;
  }

  clear(node: number): void {
    this.values.fill(0, node * STRIDE, (node + 1) * STRIDE);
    Atomics.store(this.sleeping, node, 0);
  }
}

export function statsFields(runtime: RuntimeStats, extra: { queuedJobs: number; steals: number; migrationsIn: number; migrationsOut: number }): Record<Field, number> {
  return {
    busyMs: runtime.busyMs,
    uptimeMs: runtime.uptimeMs,
    processes: runtime.processes,
    runQueue: runtime.runQueue,
    queuedJobs: extra.queuedJobs,
    steps: runtime.steps,
    spawned: runtime.spawned,
    exited: runtime.exited,
    steals: extra.steals,
    migrationsIn: extra.migrationsIn,
    migrationsOut: extra.migrationsOut,
    messagesIn: runtime.messagesIn,
    messagesOut: runtime.messagesOut,
    longSchedules: runtime.longSchedules,
  };
}
