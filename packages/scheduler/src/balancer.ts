import { isCpuBound, type Runtime } from '@beamjs/runtime';
import { CPU_BOUND_MS, SATURATED, isSaturatedCpu, utilizationOf, type Load, type Residency } from './placement.js';
import type { StatsBlock } from './stats-block.js';
import type { MoveRecord } from './protocol.js';

/**
 * Load balancing of started processes, BEAM's check_balance in spirit: every interval each
 * scheduler compares itself with its peers, and idle schedulers ask busy ones for work.
 *
 * What can move: a behaviour process between two messages (not inside an async callback, not
 * bound with `scheduler`). A started coroutine never moves: placement at spawn takes care of
 * those (placement.ts).
 *
 * Three mechanisms, each damped so that processes are not passed back and forth:
 * - Queue length: a run queue of at least 4 and more than twice the lightest peer's + 4 sends
 *   a third of the difference there (many short processes waiting).
 * - Utilization: a scheduler that was saturated over the last interval (busy >= SATURATED) with
 *   CPU-bound steps (>= CPU_BOUND_MS on average) counts its active processes (those that ran
 *   in the interval) and, if it has at least two more than the peer with the fewest, sends it
 *   one CPU-bound process (two long steps in a row, isCpuBound; of those the one that handled
 *   the fewest messages: the most work per message); a peer that
 *   had room over the interval (busy < HALF_BUSY) gets one if it has fewer active processes
 *   even after the move. Four busy
 *   workers on one scheduler and none on the other become two and two within a few rounds,
 *   even though no run queue is ever long. A message-bound scheduler (short steps) keeps its processes:
 *   moving one of a chatty pair turns each message into a thread wake-up.
 * - Steal requests: a scheduler with no active process, idle over the interval, asks the
 *   saturated CPU-bound peer with the most active processes for one behaviour process whose last steps were long (a runnable process lives in its scheduler's heap, so
 *   it is given at the victim's next slice boundary, not taken: jobs stay the only work a
 *   thief takes without the victim, invariant 6).
 * A scheduler that received processes sits the next round out; one that gave some waits two
 * rounds, until its peer's figures show them; a process that moved stays SETTLE_ROUNDS. Nothing waits on another scheduler: one stuck in
 * a long synchronous step only misses its own rounds (and is not chosen as a target).
 */

/** The most processes counted per round: beyond, rounds skip the utilization rule (bounded cost). */
const COUNT_LIMIT = 10_000;
/** Below this utilization over an interval a scheduler has room, and may ask for work. */
const HALF_BUSY = 0.5;
/** Rounds a process that just moved stays before it may move again. */
const SETTLE_ROUNDS = 10;

export interface BalancerHost {
  readonly nodeId: number;
  readonly schedulerCount: number;
  readonly peers: ReadonlyMap<number, unknown>;
  readonly stats: StatsBlock;
  readonly runtime: Runtime;
  readonly residency: Residency;
  readonly counters: { readonly migrationsIn: number };
  /** This scheduler's load over the last interval. */
  load(): Load;
  runQueue(): number;
  /** Migrates a behaviour process now if it can move; records the move. */
  move(pid: number, to: number, why: MoveRecord['why']): boolean;
  flush(): void;
  sendStealRequest(to: number): void;
}

interface Giving {
  to: number;
  left: number;
  pids: number[];
  until: number;
  why: MoveRecord['why'];
}

export class Balancer {
  rounds = 0;
  /** Processes that ran in the last interval (published for peers). */
  active = 0;
  private seenMigrationsIn = 0;
  private restUntil = 0;
  private handledBefore = new Map<number, number>();
  private giving: Giving | undefined;
  private lastStealRequest = -Infinity;

  constructor(
    private readonly host: BalancerHost,
    private readonly windowMs: number,
    private readonly stealing: boolean,
  ) {}

  /** One periodic round. */
  round(): void {
    this.rounds++;
    const h = this.host;
    const received = h.counters.migrationsIn;
    const justReceived = received !== this.seenMigrationsIn;
    this.seenMigrationsIn = received;
    const load = h.load();
    const candidates = this.countActive();
    const mine = h.runQueue();
    if (mine === 0 && load.utilization < HALF_BUSY) {
      this.requestSteal();
      return;
    }
    if (justReceived || this.rounds < this.restUntil || this.giving) return;
    let lightestQueue = -1;
    let fewestActive = -1;
    let idlest = -1;
    for (let id = 0; id < h.schedulerCount; id++) {
      if (id === h.nodeId || !h.peers.has(id)) continue;
      if (lightestQueue < 0 || this.queueOf(id) < this.queueOf(lightestQueue)) lightestQueue = id;
      if (fewestActive < 0 || this.activeOf(id) < this.activeOf(fewestActive)) fewestActive = id;
      if (idlest < 0 || this.utilizationOf(id) < this.utilizationOf(idlest)) idlest = id;
    }
    if (lightestQueue < 0) return;
    const lightest = this.queueOf(lightestQueue);
    if (mine >= 4 && mine >= lightest * 2 + 4) {
      this.give(lightestQueue, Math.floor((mine - lightest) / 3), this.queued(), 'balance');
      return;
    }
    if (!isSaturatedCpu(load) || candidates === undefined) return;
    // One process per round: the counts are samples, and a gentle step cannot overshoot. A peer
    // that had room over the interval takes one whatever its count (its processes may be
    // waiting on ours: a job queue here, busy workers there).
    if (this.active >= 2 && this.utilizationOf(idlest) < HALF_BUSY && this.activeOf(idlest) < this.active - 1) this.give(idlest, 1, candidates, 'balance');
    else if (this.active - this.activeOf(fewestActive) >= 2) this.give(fewestActive, 1, candidates, 'balance');
  }

  /**
   * Counts the processes that ran since the last round (their message count changed, or they
   * are runnable or running now); returns the movable ones among them. Past COUNT_LIMIT
   * processes the run queue stands in for the count (and nothing is moved by it).
   */
  private countActive(): number[] | undefined {
    const procs = this.host.runtime.procs;
    if (procs.size > COUNT_LIMIT) {
      this.active = this.host.runQueue();
      this.handledBefore.clear();
      return undefined;
    }
    const settled = performance.now() - SETTLE_ROUNDS * this.windowMs;
    const before = this.handledBefore;
    const now = new Map<number, number>();
    const movable: [pid: number, messages: number][] = [];
    let active = 0;
    for (const proc of procs.values()) {
      now.set(proc.self, proc.handled);
      const messages = proc.handled - (before.get(proc.self) ?? proc.handled);
      // Inside an async callback (busy) counts: that is where a GenServer worker does its work.
      if (!proc.busy && proc.status !== 'runnable' && proc.status !== 'running' && messages === 0 && !this.arrivedAt.has(proc.self)) continue;
      active++;
      // Only a CPU-bound one: moving a message-bound process (a counter with a million messages
      // queued by the busy process beside it) costs more than it frees.
      if (isCpuBound(proc) && this.mayMove(proc.self, proc.isActor, settled)) movable.push([proc.self, messages]);
    }
    // Fewest messages first: a process that did much work per message (CPU-bound) is worth a
    // move; a server that answers everyone (a job queue) is best left with its callers.
    movable.sort((a, b) => a[1] - b[1]);
    const pids = movable.map(([pid]) => pid);
    this.handledBefore = now;
    this.active = active;
    for (const [pid, at] of this.arrivedAt) if (at < settled) this.arrivedAt.delete(pid);
    return pids;
  }

  /** A behaviour process, not bound, that has not just arrived (no passing back and forth). */
  private mayMove(pid: number, isActor: boolean, settled: number): boolean {
    return isActor && !this.host.residency.bound.has(pid) && (this.arrivedAt.get(pid) ?? -Infinity) < settled;
  }

  /** A process migrated here: it stays for SETTLE_ROUNDS before it may move again. */
  arrived(pid: number): void {
    this.arrivedAt.set(pid, performance.now());
  }

  private readonly arrivedAt = new Map<number, number>();

  /**
   * Behaviour processes waiting in the run queue right now, among the first COUNT_LIMIT
   * processes: steal requests come every few milliseconds, and a scheduler with half a million
   * processes must not walk them all each time.
   */
  private queued(cpuBoundOnly = false): number[] {
    const pids: number[] = [];
    const settled = performance.now() - SETTLE_ROUNDS * this.windowMs;
    for (const proc of this.host.runtime.procs.some(COUNT_LIMIT)) {
      if (cpuBoundOnly && !isCpuBound(proc)) continue;
      if (proc.status === 'runnable' && !proc.busy && this.mayMove(proc.self, proc.isActor, settled)) pids.push(proc.self);
    }
    return pids;
  }

  /** Sends up to `count` of `pids` to `to`: those movable now at once, the rest as they become movable (until the next round). */
  private give(to: number, count: number, pids: number[], why: MoveRecord['why']): void {
    if (count <= 0 || pids.length === 0) return;
    this.giving = { to, left: count, pids, until: performance.now() + this.windowMs, why };
    this.restUntil = this.rounds + 3;
    this.continueGiving();
  }

  /** Called between slices: hands over what a round decided to give, as processes become movable. */
  continueGiving(): void {
    const g = this.giving;
    if (!g) return;
    if (performance.now() > g.until || !this.host.peers.has(g.to)) {
      this.giving = undefined;
      return;
    }
    let moved = false;
    for (let i = 0; i < g.pids.length && g.left > 0; ) {
      const pid = g.pids[i];
      const proc = this.host.runtime.procs.get(pid);
      if (!proc) {
        g.pids.splice(i, 1);
        continue;
      }
      if (this.host.move(pid, g.to, g.why)) {
        g.pids.splice(i, 1);
        g.left--;
        moved = true;
        continue;
      }
      i++;
    }
    if (moved) this.host.flush();
    if (g.left === 0 || g.pids.length === 0) this.giving = undefined;
  }

  // ---- steal requests ---------------------------------------------------------------------------

  /** This scheduler is idle: ask the busiest CPU-bound peer for a runnable process (rate-limited). */
  requestSteal(): void {
    if (!this.stealing) return;
    const now = performance.now();
    if (now - this.lastStealRequest < this.windowMs / 4) return;
    const h = this.host;
    // Idle for a moment is not idle: a scheduler whose processes wait for replies from other
    // threads goes idle between every two of them. Only one that had room over the interval asks.
    if (this.active > 0 || h.counters.migrationsIn !== this.seenMigrationsIn || h.load().utilization >= HALF_BUSY) return;
    let victim = -1;
    let most = this.active + 1;
    for (let id = 0; id < h.schedulerCount; id++) {
      if (id === h.nodeId || !h.peers.has(id) || Atomics.load(h.stats.sleeping, id) === 1) continue;
      if (h.stats.field(id, 'msPerStep') < CPU_BOUND_MS || utilizationOf(h.stats, id, this.windowMs) < SATURATED) continue;
      const active = Math.max(h.stats.field(id, 'runQueue') + 1, h.stats.field(id, 'active'));
      if (active > most) {
        most = active;
        victim = id;
      }
    }
    if (victim < 0) return;
    this.lastStealRequest = now;
    h.sendStealRequest(victim);
  }

  /** An idle peer asks for work: give it one runnable behaviour process if we have more than enough. */
  onStealRequest(from: number): void {
    const h = this.host;
    if (!h.peers.has(from) || !isSaturatedCpu(h.load()) || this.giving) return;
    // Only if we have at least two more active processes than the asker: one less here, one more there.
    if (Math.max(h.runQueue() + 1, this.active) < h.stats.field(from, 'active') + 2) return;
    // Only a process whose last steps were long (CPU-bound): one that answers in microseconds is
    // talking to someone here, and moving it would turn each of its messages into a wake-up.
    for (const pid of this.queued(true)) {
      if (h.move(pid, from, 'steal')) {
        h.flush();
        return;
      }
    }
  }

  // ---- peers as seen from here -----------------------------------------------------------------

  private queueOf(id: number): number {
    return Atomics.load(this.host.stats.sleeping, id) === 1 ? 0 : this.host.stats.field(id, 'runQueue');
  }

  private utilizationOf(id: number): number {
    return utilizationOf(this.host.stats, id, this.windowMs);
  }

  /** A peer's active processes: 0 if it has room, Infinity if it seems stuck (never a target). */
  private activeOf(id: number): number {
    const stats = this.host.stats;
    const stale = stats.field(id, 'loadAt') < performance.timeOrigin + performance.now() - 3 * this.windowMs;
    if (stale && Atomics.load(stats.sleeping, id) !== 1) return Infinity;
    return stats.field(id, 'active');
  }
}
