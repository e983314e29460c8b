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
 * `residents[node]` (Int32, Atomics) counts the processes placed there by spread placement
 * that still live there (see placement.ts): a spawner adds to it before the process arrives.
 */
const FIELDS = [
  'busyMs', 'uptimeMs', 'processes', 'runQueue', 'queuedJobs', 'steps', 'spawned', 'exited', 'steals', 'migrationsIn', 'migrationsOut',
  'messagesIn', 'messagesOut', 'longSchedules', 'recentUtilization', 'msPerStep', 'balanceRounds', 'loadAt', 'active',
] as const;
type Field = (typeof FIELDS)[number];
const STRIDE = 24;
const NODES = 128;

export class StatsBlock {
  readonly sleeping: Int32Array;
  readonly residents: Int32Array;
  private readonly values: Float64Array;

  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer(NODES * 8 + NODES * STRIDE * 8);
  }

  constructor(readonly buffer: SharedArrayBuffer) {
    this.sleeping = new Int32Array(buffer, 0, NODES);
    this.residents = new Int32Array(buffer, NODES * 4, NODES);
    this.values = new Float64Array(buffer, NODES * 8, NODES * STRIDE);
  }

  /** One field of a node, without building the whole record (the balancer reads peers often). */
  field(node: number, f: Field): number {
    return this.values[node * STRIDE + FIELDS.indexOf(f)];
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
      recentUtilization: get('recentUtilization'),
      msPerStep: get('msPerStep'),
      balanceRounds: get('balanceRounds'),
      active: get('active'),
      residents: Atomics.load(this.residents, node),
      sleeping: Atomics.load(this.sleeping, node) === 1,
    };
  }

  clear(node: number): void {
    this.values.fill(0, node * STRIDE, (node + 1) * STRIDE);
    Atomics.store(this.sleeping, node, 0);
    Atomics.store(this.residents, node, 0);
  }
}

export interface LoadFields {
  recentUtilization: number;
  msPerStep: number;
  balanceRounds: number;
  active: number;
  /** When the load fields were measured (performance.timeOrigin + now, in ms). */
  loadAt: number;
}

export function statsFields(
  runtime: RuntimeStats,
  extra: { queuedJobs: number; steals: number; migrationsIn: number; migrationsOut: number },
  load: LoadFields,
): Record<Field, number> {
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
    ...load,
  };
}
