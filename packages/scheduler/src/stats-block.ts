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
 *
 * The heartbeat, for the watchdog on the main thread (see watchdog.ts): the scheduler bumps
 * `beats[node]` whenever it moves on (a slice begins, a process's code is entered, it goes
 * idle) and records the pid and definition key of the process it entered last. A beat that
 * stops moving while the scheduler is awake means that process holds the thread. What the
 * watchdog finds is written back (`holdingPid`, `holdingSince`), so every reader of the block
 * (`vm.statsNow()`, `--top`) sees it.
 *
 * Keys are written once, not at every step: each node has KEY_SLOTS key slots, and a step
 * into a process whose key already sits in a slot only stores that slot's number. Encoding
 * the key at every step cost a fifth of a scheduler's time when two kinds of process take
 * turns (chameneos: mall, creature, mall, ...). With more distinct keys than slots the oldest
 * slot is overwritten; the reader may then see a torn key, but only while the node moves on,
 * and the watchdog reads it only once the node has stopped moving.
 */
const FIELDS = [
  'busyMs', 'uptimeMs', 'processes', 'runQueue', 'queuedJobs', 'steps', 'spawned', 'exited', 'steals', 'migrationsIn', 'migrationsOut',
  'messagesIn', 'messagesOut', 'longSchedules', 'recentUtilization', 'msPerStep', 'balanceRounds', 'loadAt', 'active',
] as const;
export type StatsField = (typeof FIELDS)[number];
type Field = StatsField;
const STRIDE = 24;
const NODES = 128;
/** Bytes for one key (longer keys are cut). */
const KEY_BYTES = 240;
/** Keys remembered per node (see above). */
const KEY_SLOTS = 8;
/** `beats[node * 2 + 1]`: the slot in the high bits, the key's length in bytes in the low ones. */
const LENGTH_BITS = 8;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export class StatsBlock {
  readonly sleeping: Int32Array;
  readonly residents: Int32Array;
  private readonly values: Float64Array;
  /** Per node: [beats, key slot and length]. */
  private readonly beats: Int32Array;
  /** Per node: [pid entered last, holding pid, holding since (epoch ms)]. */
  private readonly running: Float64Array;
  private readonly keys: Uint8Array;

  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer(NODES * 8 + NODES * STRIDE * 8 + NODES * 8 + NODES * 24 + NODES * KEY_SLOTS * KEY_BYTES);
  }

  constructor(readonly buffer: SharedArrayBuffer) {
    this.sleeping = new Int32Array(buffer, 0, NODES);
    this.residents = new Int32Array(buffer, NODES * 4, NODES);
    let at = NODES * 8;
    this.values = new Float64Array(buffer, at, NODES * STRIDE);
    at += NODES * STRIDE * 8;
    this.beats = new Int32Array(buffer, at, NODES * 2);
    at += NODES * 8;
    this.running = new Float64Array(buffer, at, NODES * 3);
    at += NODES * 24;
    this.keys = new Uint8Array(buffer, at, NODES * KEY_SLOTS * KEY_BYTES);
  }

  /** One field of a node, without building the whole record (the balancer reads peers often). */
  field(node: number, f: Field): number {
    return this.values[node * STRIDE + FIELDS.indexOf(f)];
  }

  // ---- heartbeat (written by the node itself) ----

  /** The node moved on (a slice began): the process entered last stays the one to blame. */
  tick(node: number): void {
    this.bump(node);
  }

  /** The node moved on to `pid`'s code, or (pid 0) to none: it went idle. */
  beat(node: number, pid: number): void {
    this.running[node * 3] = pid;
    this.bump(node);
  }

  /**
   * A plain store of the node's own count, not Atomics.add: only the node writes its beats, an
   * aligned Int32 store does not tear, and the watchdog looks at it over milliseconds. This
   * runs at every step (an atomic add cost a few percent of a ping-pong).
   */
  private bump(node: number): void {
    this.beats[node * 2] = (this.beats[node * 2] + 1) | 0;
  }

  /**
   * The node enters process `pid` of definition `kind` (its key is written only when it is
   * not in a slot yet). Known kinds are told apart by identity: comparing two keys of the same
   * length char by char cost more than the rest of the heartbeat.
   */
  enter(node: number, pid: number, kind: object | string, key: string): void {
    if (kind !== this.lastKind[node]) {
      this.lastKind[node] = kind;
      this.beats[node * 2 + 1] = this.keySlots(node).slotOf(kind, key, this.keys, node);
    }
    this.beat(node, pid);
  }

  private readonly lastKind: (object | string)[] = [];
  private readonly slotsByNode: KeySlots[] = [];

  private keySlots(node: number): KeySlots {
    return (this.slotsByNode[node] ??= new KeySlots());
  }

  // ---- read by the watchdog ----

  beatsOf(node: number): number {
    return Atomics.load(this.beats, node * 2);
  }

  /** The pid and key the node entered last (pid 0: none). */
  entered(node: number): { pid: number; key: string } {
    const code = this.beats[node * 2 + 1];
    const at = (node * KEY_SLOTS + (code >>> LENGTH_BITS)) * KEY_BYTES;
    return { pid: this.running[node * 3], key: fromUtf8.decode(this.keys.slice(at, at + (code & ((1 << LENGTH_BITS) - 1)))) };
  }

  /** What the watchdog found: `pid` holds the node since `since` (epoch ms); pid 0 clears it. */
  setHolding(node: number, pid: number, since: number): void {
    this.running[node * 3 + 1] = pid;
    this.running[node * 3 + 2] = since;
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
      ...this.holding(node),
    };
  }

  private holding(node: number): Pick<SchedulerStats, 'holding'> {
    const pid = this.running[node * 3 + 1];
    if (pid === 0) return {};
    const { key } = this.entered(node);
    const since = this.running[node * 3 + 2];
    return { holding: { pid, key, name: key.slice(key.lastIndexOf('#') + 1), ms: Math.max(0, Math.round(Date.now() - since)) } };
  }

  /** The raw counters of `node` (busy and up time in ms, totals since it started): for rates over a window. */
  counters(node: number): Record<Field, number> {
    const base = node * STRIDE;
    return Object.fromEntries(FIELDS.map((f, i) => [f, this.values[base + i]])) as Record<Field, number>;
  }

  clear(node: number): void {
    this.values.fill(0, node * STRIDE, (node + 1) * STRIDE);
    Atomics.store(this.sleeping, node, 0);
    Atomics.store(this.residents, node, 0);
    this.running.fill(0, node * 3, node * 3 + 3);
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

/** One node's key slots, on the node that writes them: which key sits in which slot. */
class KeySlots {
  private readonly slots = new Map<object | string, number>();
  private readonly order: (object | string)[] = [];
  private next = 0;

  /** The slot code of `kind` (slot << LENGTH_BITS | length), its `key` written into `keys` first if new. */
  slotOf(kind: object | string, key: string, keys: Uint8Array, node: number): number {
    const known = this.slots.get(kind);
    if (known !== undefined) return known;
    const slot = this.next;
    this.next = (slot + 1) % KEY_SLOTS;
    const evicted = this.order[slot];
    if (evicted !== undefined) this.slots.delete(evicted);
    this.order[slot] = kind;
    const at = (node * KEY_SLOTS + slot) * KEY_BYTES;
    const { written } = utf8.encodeInto(key, keys.subarray(at, at + KEY_BYTES));
    const code = (slot << LENGTH_BITS) | written;
    this.slots.set(kind, code);
    return code;
  }
}
