import type { MessagePort } from 'node:worker_threads';
import type { PeerWiring } from './peer-link.js';
import type { MigratingProcess, ProcessInfo, RuntimeEvent, Signal, SpawnJob } from '@beamjs/runtime';
import type { ProcessDetail, SchedulerSnapshot, SnapshotRequest } from './observer/types.js';
import type { ClusterShared } from './cluster/hooks.js';
import type { FaultAttribution } from './fault-attribution.js';

/**
 * Every message that crosses a thread boundary, in one place.
 *
 * Data plane: between any two nodes, a link (peer-link.ts): between two schedulers a
 * shared-memory ring each way (signal-ring.ts, records encoded by plain-codec.ts), and over
 * a full mesh of MessagePorts what the rings cannot carry and everything to or from the main
 * thread. A node batches what it sends to a port during a slice and posts one array per peer
 * (`PeerBatch`). Ring records and port batches of one direction are numbered together, and
 * applied in that order, so FIFO order per (sender thread, receiver thread) holds for
 * everything: signals, and the processes that move.
 *
 * Wire format of a port batch: its sequence number, then the envelopes: a plain message is two
 * entries, the target pid (a number) then the message; an overflow chunk (`MessageChunk`) is
 * one entry holding many messages; every other envelope is one object entry. Structured clone
 * copies a flat array of primitives about 4x faster than an array of small objects, and
 * messages are most of the traffic.
 */
export type Envelope =
  | Signal
  /**
   * A behaviour process moving here between two messages (ownership already changed in the
   * directory). `resident`: it was placed by spread placement and counts as one here now;
   * `bound`: it was spawned bound to a scheduler (it stays bound to its new one).
   */
  | { kind: 'migrate'; proc: MigratingProcess; resident?: boolean; bound?: boolean }
  /** A spawn job handed to this node, with the signals its old owner held for it. */
  | { kind: 'adopt'; job: SpawnJob; early: Signal[] }
  /** For another cluster node's pid, sent by process `sender` of the posting scheduler (counted in the directory's `outgoing`, see cluster/gateway.ts). */
  | { kind: 'remote'; sender: number; signal: Signal }
  /** Messages for node `creation`'s pids, encoded by the posting scheduler (cluster/remote-outbox.ts); `senders`: [slot, count, ...] to take off `outgoing`. */
  | { kind: 'remoteChunk'; creation: number; records: Uint8Array; count: number; senders: number[] }
  /** Cluster node `creation` went down: links and monitors to its processes fire `noconnection` here. */
  | { kind: 'nodedown'; creation: number };

/**
 * Messages between two schedulers that their ring had no room for, encoded by plain-codec.ts
 * as records of (Float64 target pid, value), back to back; its buffer is transferred, not
 * cloned (peer-link.ts, "Overflow chunks").
 */
export type MessageChunk = Uint8Array;

export type PeerBatch = (number | unknown | MessageChunk | Exclude<Envelope, { kind: 'message' }>)[];

/**
 * Posted alone by an idle scheduler to a busy one: send me one of your runnable behaviour
 * processes. Runnable processes live in their scheduler's heap, so, unlike spawn jobs, they
 * can only be given, not taken: the victim answers at its next slice boundary (see balancer.ts).
 */
export interface StealRequest {
  kind: 'steal';
  from: number;
}

/** What a port carries: a numbered batch (peer-link.ts), or a steal request, which needs no order. */
export type PeerMessage = PeerBatch | StealRequest;

/** What the main thread gives a new scheduler thread (`workerData`). */
export interface SchedulerInit {
  id: number;
  schedulers: number;
  directory: SharedArrayBuffer;
  names: SharedArrayBuffer;
  /** The VM's timer cells (see TimerCells); region `id` is this scheduler's. */
  timers: SharedArrayBuffer;
  /** Job rings of every node, indexed by node id (main's at MAIN_NODE is `mainRing`). */
  rings: SharedArrayBuffer[];
  mainRing: SharedArrayBuffer;
  /** Per-node stats blocks, written by each node, read by anyone. */
  stats: SharedArrayBuffer;
  /** Per-node wake-up bells (doorbell.ts). */
  bells: SharedArrayBuffer;
  /** Module URLs to import before taking any work. */
  modules: string[];
  longScheduleMs: number;
  /** Cancellation flags of running jobs (see cancel.ts). */
  cancel: SharedArrayBuffer;
  /** Whether idle schedulers take work from busy ones. */
  stealing: boolean;
  /** How old a scheduler's job must be before another scheduler takes it (ms). */
  stealAfterMs: number;
  /** Milliseconds between two load-balancing rounds (0: never rebalance). */
  balanceIntervalMs: number;
  /** How the thread knows whose code runs (VMOptions.faultAttribution). */
  faultAttribution: FaultAttribution;
  /** A cluster node's shared tables (nodes, global names) and request timeout; absent without a cluster. */
  cluster?: ClusterShared;
}

/** Scheduler -> main, on the worker's parentPort. */
export type SchedulerEvent =
  | { kind: 'ready'; id: number }
  | { kind: 'load-failed'; id: number; url: string; message: string }
  | { kind: 'report'; id: number; event: RuntimeEvent }
  | { kind: 'moved'; id: number; moves: MoveRecord[] };

/** Main -> scheduler, on the worker's parentPort: the ports of the mesh and the control channel. */
export interface Connect {
  kind: 'connect';
  /** port to each peer, and the rings of the pair between two schedulers */
  peers: PeerWiring[];
  control: MessagePort;
}

/** The control plane, called from the main thread with comlink. */
export interface SchedulerControl {
  stats(): SchedulerStats;
  processInfo(pid: number): ProcessInfo | undefined;
  processes(): number[];
  /** Stops every process (exit signal `shutdown`, then `killed` after the timeout). */
  shutdown(timeoutMs: number): Promise<void>;
  /** Another scheduler died with these processes: fire links and monitors here. */
  peerDied(id: number, pids: number[], cause: string): void;
  /** A replacement for a dead scheduler exists: talk to it over `wiring` (port, new signal rings); its job ring is `ring`. */
  replacePeer(wiring: PeerWiring, ring: SharedArrayBuffer): void;
  /** Moves a behaviour process of this scheduler to scheduler `to`; false if it cannot move now. */
  migrate(pid: number, to: number): boolean;
  /** The web observer's view of this scheduler: process rows, supervisors, heap (only asked while someone watches). */
  observe(request: SnapshotRequest): SchedulerSnapshot;
  /** The observer's detail of one process here (undefined if it is not here). */
  observeProcess(pid: number): ProcessDetail | undefined;
}

export interface SchedulerStats {
  id: number;
  /** Runnable processes waiting in this scheduler's run queue. */
  runQueue: number;
  /** Spawn jobs published in its ring and not taken yet. */
  queuedJobs: number;
  processes: number;
  /** Share of the time it had runnable work, since it started (0..1). */
  utilization: number;
  steps: number;
  spawned: number;
  exited: number;
  /** Jobs it took from other schedulers' rings. */
  steals: number;
  /** Processes that moved to it / from it. */
  migrationsIn: number;
  migrationsOut: number;
  messagesIn: number;
  messagesOut: number;
  longSchedules: number;
  /** Share of the last balancing interval it had runnable work (0..1): what the balancer compares. */
  recentUtilization: number;
  /** Mean time of a process step over that interval (ms): long steps mean CPU-bound work. */
  msPerStep: number;
  /** Balancing rounds it has run. */
  balanceRounds: number;
  /** Processes that ran during its last balancing interval (counted while it is at least half busy, else 0). */
  active: number;
  /** Processes placed on it by spread placement that live there now. */
  residents: number;
  sleeping: boolean;
  /** A process that has held this scheduler past `longScheduleMs` and still does (seen by the main thread's watchdog). */
  holding?: { pid: number; name: string; key: string; ms: number };
}

/** A process that moved between schedulers (shown by `--stats` and `--top`). */
export interface MoveRecord {
  pid: number;
  name: string;
  from: number;
  to: number;
  /** What moved it: the periodic balancer, an idle scheduler's steal request, or `vm.migrate`. */
  why: 'balance' | 'steal' | 'explicit';
  /** Date.now() when it left. */
  at: number;
}
