import type { ProcessInfo, SupervisorView } from '@beamjs/runtime';

/**
 * The data of the web observer. Schedulers answer snapshot requests with these (plain data,
 * over the control channel); the observer server merges them and streams them to the page.
 */

/** What the observer asks each scheduler once per tick while someone watches. */
export interface SnapshotRequest {
  /** The observer's tick: steps over the window are counted from the previous tick's values. */
  tick: number;
  /** Case-insensitive text to find in a process's name, registered name, definition or pid ('' for all). */
  filter: string;
  /** Most rows to return for each sort column (the union is returned). */
  limit: number;
}

/** One process, as a row of the process table. */
export interface ProcessRow {
  pid: number;
  /** The definition's name (`worker`), or `external` for a mailbox. */
  name: string;
  /** The definition's key (module URL # name); '' for a mailbox. */
  key: string;
  registeredName: string | undefined;
  kind: ProcessInfo['kind'];
  status: ProcessInfo['status'];
  mailboxLength: number;
  /** Steps (reductions) since the previous tick. */
  windowSteps: number;
  /** Steps since it started here (or moved here). */
  steps: number;
  messagesHandled: number;
  /** Bytes, estimated from its state and mailbox (see estimate.ts). */
  memory: number;
  scheduler: number;
  movable: boolean;
}

export interface SupervisorEntry {
  pid: number;
  name: string;
  registeredName: string | undefined;
  scheduler: number;
  view: SupervisorView;
  /** Children beyond what the view carries (a huge DynamicSupervisor is cut short). */
  childrenNotShown: number;
}

/** One scheduler's answer to a SnapshotRequest. */
export interface SchedulerSnapshot {
  scheduler: number;
  /** Live processes on it, and how many of them match the filter. */
  processes: number;
  matched: number;
  /** The top `limit` matching rows by window steps, by mailbox length and by memory (no duplicates). */
  rows: ProcessRow[];
  /** Every supervisor on it, whatever the filter. */
  supervisors: SupervisorEntry[];
  /** This thread's V8 heap, in bytes. */
  heapUsed: number;
  heapTotal: number;
  /** How long answering took on that thread, ms: what watching costs it per tick. */
  costMs: number;
}

/** processInfo plus what a person debugging wants to see of one process. */
export interface ProcessDetail extends ProcessInfo {
  memory: number;
  /** The first messages waiting in its mailbox, printed (util.inspect, cut short). */
  mailboxHead: string[];
  /** A behaviour process's state, printed (cut short); undefined for a coroutine. */
  state: string | undefined;
  supervisor: SupervisorView | undefined;
}

/** One load sample per scheduler, per tick (from the shared stats blocks). */
export interface SchedulerLoad {
  scheduler: number;
  /** Share of the last window it was busy (0..1). */
  utilization: number;
  runQueue: number;
  queuedJobs: number;
  processes: number;
  /** Per second, over the last window. */
  messagesIn: number;
  messagesOut: number;
  spawns: number;
  exits: number;
  /** V8 heap used by its thread, bytes (from its last snapshot; undefined until someone watched). */
  heapUsed: number | undefined;
  sleeping: boolean;
}

export interface LoadSample {
  /** Wall clock, seconds (what uPlot's time axis takes). */
  t: number;
  schedulers: SchedulerLoad[];
}
