import { Runtime, TimerCells, type SpawnJob } from '@beamjs/runtime';
import { decodeJob } from './job-codec.js';
import { Directory, MAIN_NODE, makeWord } from './directory.js';
import { JobRing, epochNow, type ClaimedJob } from './job-ring.js';
import { NodeHost } from './node-host.js';
import { SharedNames } from './names.js';
import { StatsBlock, statsFields } from './stats-block.js';
import { Doorbells } from './doorbell.js';
import { Balancer } from './balancer.js';
import { LoadMeter, loadWindowMs } from './load-meter.js';
import type { Load } from './placement.js';
import type { MoveRecord, SchedulerInit, SchedulerStats } from './protocol.js';
import type { RuntimeEvent } from '@beamjs/runtime';
import { runAs, runAsScheduler, runningProcess } from './fault-attribution.js';

/** Slices between two batch flushes while busy. */
const HOUSEKEEPING_EVERY = 8;
/** Milliseconds between two stats writes while busy (and between two looks at our own jobs). */
const STATS_MS = 1;
/**
 * How long a group whose owner has started a member stays the owner's (job-ring.ts, groups):
 * an owner that has not reached the rest of it by then is busy or stuck, and thieves take
 * the rest one by one, as any other job (invariant 6).
 */
const GROUP_HOLD_MS = 10;
/**
 * A process far behind its senders (NodeHost.congested) has caught up at this mailbox length;
 * the rings wait for it while it takes a message every CONGESTED_STALL_MS, for
 * CONGESTED_MAX_MS at most (see drainRingsWhileBusy).
 */
const LONG_MAILBOX_LEFT = 2048;
const CONGESTED_STALL_MS = 2;
const CONGESTED_MAX_MS = 50;
/** Event-loop turns a job that follows its group waits for the signals on their way to it (see handOffFollowing). */
const FOLLOW_TRIES = 100;
/**
 * The longest an idle scheduler keeps looking at its inbound rings and the job rings before
 * it sleeps (BEAM's scheduler busy wait). A reply in a conversation between two threads
 * often comes within microseconds, and catching it spinning saves the wake-up; bounded, so
 * an idle VM still sleeps (~0% CPU) after this long.
 *
 * Adaptive, because a spin only pays while the other thread runs at the same time: with more
 * threads than cores it burns the time slice the sender needs. Each spin that ends in sleep
 * halves the next one (down to none); a spin that catches work, or a wake-up that comes
 * sooner than a full spin would have lasted, restores it.
 */
export const SPIN_MS = 0.05;
/** Below this a spin is not worth starting. */
const SPIN_MIN_MS = 0.004;

/**
 * One scheduler: the node host of a worker thread, plus what only schedulers do — take
 * spawn jobs (their own first, then other nodes'), sleep when there is nothing to do, wake a
 * sleeping peer when they publish work, and push movable processes to less loaded peers.
 *
 * Sleeping: with no runnable process, nothing in its inbound rings and no job to take, the
 * scheduler first spins for SPIN_MS looking at its rings, then raises its `sleeping` flag,
 * looks once more, and returns to the event loop with an `Atomics.waitAsync` on its doorbell
 * pending (doorbell.ts): libuv blocks on ports, timers and the bell (~0% CPU). Work made
 * visible in between is either seen by that last look or its publisher sees the flag and
 * rings.
 */
export class Scheduler extends NodeHost {
  private readonly victims: JobRing[] = [];
  private readonly victimIds: number[] = [];
  private slices = 0;
  private readonly schedulers: number;
  private readonly stealing: boolean;
  /**
   * How long a job stays its spawner's before a thief may take it (Go's scheduler protects its
   * `runnext` the same way). Processes that talk to each other are usually spawned together,
   * and the spawner reaches its own jobs within microseconds once it yields: taking them at
   * once would split a chatty pair over two threads, where each message costs an event-loop
   * wake-up (~50 us) instead of a function call. A spawner that stays busy (or is stuck in a
   * long synchronous process, invariant 6) loses its jobs after this delay.
   */
  private readonly stealAfterMs: number;
  private balanceTimer: ReturnType<typeof setInterval> | undefined;
  private readonly meter: LoadMeter;
  private readonly balancer: Balancer;
  /** Moves not yet told to the main thread (for --stats and --top). */
  private moves: MoveRecord[] = [];

  constructor(
    init: SchedulerInit,
    report: (event: RuntimeEvent) => void,
    private readonly onMoves: (moves: MoveRecord[]) => void = () => {},
  ) {
    const stats = new StatsBlock(init.stats);
    stats.clear(init.id);
    super({
      nodeId: init.id,
      directory: new Directory(init.directory),
      names: new SharedNames(init.names),
      timerCells: new TimerCells(init.timers, init.id),
      ring: new JobRing(init.rings[init.id]),
      doorbells: new Doorbells(init.bells),
      report,
      stats,
      loadWindowMs: loadWindowMs(init.balanceIntervalMs),
    });
    this.carriesSignals = true;
    this.runsOwnJobsOnly = init.schedulers === 1 || !init.stealing;
    this.schedulerCount = init.schedulers;
    this.meter = new LoadMeter(this.loadWindowMs);
    this.schedulers = init.schedulers;
    this.stealing = init.stealing;
    this.stealAfterMs = init.stealAfterMs;
    // Victims in a fixed order starting after our own id, so thieves spread over victims; the
    // main thread's ring last (its jobs are everyone's).
    for (let k = 1; k < init.schedulers; k++) {
      const id = (init.id + k) % init.schedulers;
      this.victims.push(new JobRing(init.rings[id]));
      this.victimIds.push(id);
    }
    this.victims.push(new JobRing(init.mainRing));
    this.victimIds.push(MAIN_NODE);
    this.runtime = new Runtime(this, { longScheduleMs: init.longScheduleMs });
    this.balancer = new Balancer(
      {
        nodeId: this.nodeId,
        schedulerCount: this.schedulers,
        peers: this.peers,
        stats: this.stats,
        runtime: this.runtime,
        residency: this.residency,
        counters: this.counters,
        load: () => this.meter,
        runQueue: () => this.runtime.snapshot().runQueue,
        move: (pid, to, why) => this.move(pid, to, why),
        flush: this.flush,
        sendStealRequest: (to) => this.sendStealRequest(to),
      },
      this.loadWindowMs,
      this.stealing,
    );
    if (init.balanceIntervalMs > 0 && init.schedulers > 1) {
      this.balanceTimer = setInterval(() => this.rebalance(), init.balanceIntervalMs);
      this.balanceTimer.unref();
    }
  }

  /**
   * No other scheduler can take our jobs (we are alone, or stealing is off): a spawn starts
   * here directly, as on the single-thread runtime — no serialization, no ring.
   */
  private readonly runsOwnJobsOnly: boolean;

  protected override startLocal(job: SpawnJob): void {
    if (this.runsOwnJobsOnly) this.startJob(job, []);
    else this.publish(job);
  }

  /** Swaps the ring of a replaced peer for the replacement's. */
  replaceVictim(id: number, ring: SharedArrayBuffer): void {
    const at = this.victimIds.indexOf(id);
    if (at >= 0) this.victims[at] = new JobRing(ring);
  }

  // ---- the run loop's hooks -------------------------------------------------------------------

  beforeSlice(): void {
    this.leaveProcessCode();
    this.markAwake();
    this.doorbells.awake(this.nodeId);
    this.stats.tick(this.nodeId);
    // Signals from other schedulers are read at every slice boundary while busy: no event-loop task.
    this.drainRingsWhileBusy();
    if (++this.slices % HOUSEKEEPING_EVERY !== 0) return;
    this.flush();
    // Stats are read by the main thread at human speed: write them at most every STATS_MS, not
    // every few slices (a coroutine draining its mailbox makes a slice every 64 messages).
    const now = performance.now();
    if (now - this.statsWrittenAt < STATS_MS) return;
    this.statsWrittenAt = now;
    this.writeStats();
    this.balancer.continueGiving();
    // Our own jobs are our run queue's too: a scheduler that never goes idle still starts
    // one now and then, or a job only we may start (one signalled before it started) would
    // wait for as long as we stay busy. Thieves take the rest meanwhile.
    this.startOwnJob();
  }

  private statsWrittenAt = 0;

  /** Whether a process here is still far behind its senders on other threads, and catching up (see drainRingsWhileBusy). */
  private stillCongested(): boolean {
    const congested = this.congested;
    if (congested === undefined) return false;
    const { proc } = congested;
    const now = performance.now();
    if (proc.handled !== congested.handled) {
      congested.handled = proc.handled;
      congested.tookAt = now;
    }
    if (proc.alive && proc.mailbox.length >= LONG_MAILBOX_LEFT && now - congested.tookAt < CONGESTED_STALL_MS && now - congested.since < CONGESTED_MAX_MS) return true;
    this.congested = undefined;
    return false;
  }

  afterSlice(): void {
    this.leaveProcessCode();
  }

  /** What runs from here is the scheduler's own code, until the next `enter`. */
  private leaveProcessCode(): void {
    runAsScheduler();
    this.ranAs = undefined;
  }

  afterLongStep(): void {
    this.drainRingsWhileBusy();
    this.flush();
  }

  /**
   * Reads the rings between two steps, unless a mailbox here is already long with what they
   * brought (`congested`): reading more would only make it longer, a backlog of live objects
   * that the garbage collector copies again and again (a third of a stream reader's time),
   * where in the ring it is bytes and its writer waits for room (peer-link.ts, "A full ring").
   * The rings are read again once that process has taken half its mailbox, once it stops
   * taking messages (it may wait, in a selective receive, for one still in a ring), or after
   * CONGESTED_MAX_MS. An idle scheduler always reads them.
   */
  private drainRingsWhileBusy(): void {
    if (!this.stillCongested()) this.drainRings();
  }

  enter(proc: { readonly self: number; readonly key: string; readonly def: object | undefined }, direct = false): void {
    // Process code runs from here: whatever happens next, this thread is not asleep.
    this.markAwake();
    this.stats.enter(this.nodeId, proc.self, proc.def ?? proc.key, proc.key);
    // A direct resume comes from the sender's code, which goes on after this: it stays the
    // sender's. The resumed continuation carries its own owner (captured at its await).
    if (direct || proc.self === this.ranAs) return;
    runAs(proc.self);
    this.ranAs = proc.self;
  }

  /**
   * The pid this slice last made the owner of the code that runs (undefined: the scheduler).
   * A slice runs synchronously in one async context, which only `enter` changes: a process
   * that takes several steps in a row (an actor draining its mailbox) is entered once.
   */
  private ranAs: number | undefined;

  idle(): void {
    this.leaveProcessCode();
    this.stats.beat(this.nodeId, 0);
    this.flush();
    if (this.drainRings() > 0) {
      // What arrived may or may not be work: a slice looks, and comes back here if not.
      this.runtime.wake();
      return;
    }
    if (this.findWork()) return;
    if (this.spinMs >= SPIN_MIN_MS && this.spin()) {
      this.spinMs = SPIN_MS;
      return;
    }
    this.spinMs = this.spinMs / 2;
    this.sleep();
  }

  /** The next spin's length (see SPIN_MS). */
  private spinMs = SPIN_MS;
  private sleptAt = 0;
  private bellArmed = false;

  /** Looks for work for at most `spinMs`; true if it found some (and set it going). */
  private spin(): boolean {
    const until = performance.now() + this.spinMs;
    for (let i = 1; ; i++) {
      if (this.ringsDue()) {
        this.drainRings();
        this.runtime.wake();
        return true;
      }
      if ((i & 31) === 0) {
        if (this.findWork()) return true;
        if (performance.now() >= until) return false;
      }
    }
  }

  private sleep(): void {
    const id = this.nodeId;
    this.markedAsleep = true;
    Atomics.store(this.stats.sleeping, id, 1);
    const seen = this.doorbells.goingToSleep(id);
    if (this.ringsDue() || this.findWork()) {
      this.markAwake();
      this.doorbells.awake(id);
      this.runtime.wake();
      return;
    }
    this.writeStats();
    this.sleptAt = performance.now();
    if (!this.bellArmed) {
      this.bellArmed = true;
      this.doorbells.wait(id, seen, this.onBell);
    }
    // Asleep, with runnable processes elsewhere: ask a busy peer for one (balancer.ts).
    if (this.schedulers > 1) this.balancer.requestSteal();
  }

  /**
   * Whether this scheduler raised its `sleeping` flag and has not lowered it since. Only the
   * scheduler raises it (the main thread may lower it, picking a sleeper for a job): this
   * flag spares every step an atomic load of the shared one.
   */
  private markedAsleep = false;

  private markAwake(): void {
    if (!this.markedAsleep) return;
    this.markedAsleep = false;
    Atomics.store(this.stats.sleeping, this.nodeId, 0);
  }

  private readonly onBell = (): void => {
    this.bellArmed = false;
    // Woken this soon: a spin would have caught it.
    if (performance.now() - this.sleptAt < 2 * SPIN_MS) this.spinMs = SPIN_MS;
    this.markAwake();
    this.doorbells.awake(this.nodeId);
    this.drainRings();
    // A slice looks at the run queue and the jobs, and ends in idle() if there is nothing.
    this.runtime.wake();
  };

  protected override scheduleFlush(): void {
    // Batches are posted at the end of the slice or when the loop goes idle; a send from
    // outside the loop (a timer, an I/O callback) needs its own flush.
    setImmediate(this.flush);
  }

  /** Starts our own oldest published job, if any is left. */
  private startOwnJob(): boolean {
    const own = this.ring.claim(() => true);
    if (!own) return false;
    this.ring.finish(own);
    const entry = this.published.get(own.pid);
    this.published.delete(own.pid);
    this.startOrFollow(entry?.job ?? decodeJob(own.bytes), own.group);
    return true;
  }

  /**
   * A signal for a job of ours is held here (the spawner sends to it before it started: more
   * than a job carries, see carryInJob). No thief may take it now, so it starts here at once:
   * its later messages go straight into its mailbox, not counted and held one by one. Savina's
   * counting (one step sends a million messages to the counter it just spawned) ran 1.5-2x
   * slower on 2 schedulers than on 1 before this.
   */
  protected override jobSignalled(pid: number): void {
    const entry = this.published.get(pid);
    if (entry === undefined) return;
    const job = this.reclaimOwnJob(pid);
    if (job !== undefined) this.startOrFollow(job, entry.group);
  }

  /** Starts a job we claimed from our own ring, unless a thief placed its group elsewhere: then it follows it there. */
  private startOrFollow(job: SpawnJob, group: number): void {
    this.startOrSend(job, this.ring.placeOwn(group, this.nodeId));
  }

  /** Starts a job we hold here, or sends it to node `to`, where its group runs. */
  private startOrSend(job: SpawnJob, to: number): void {
    if (to === this.nodeId || !this.peers.has(to)) {
      this.startJob(job, []);
      return;
    }
    this.following.push({ job, to, tries: 0 });
    this.handOffFollowing();
    // Nothing started here: a slice must still look again (and end in idle() if nothing is left).
    this.runtime.wake();
  }

  /** Jobs we hold on their way to where their group runs (see startOrSend), not started anywhere yet. */
  private following: { job: SpawnJob; to: number; tries: number }[] = [];

  /**
   * Hands the following jobs over. One fails while a signal for it is still on its way here
   * (its partner, already there, wrote to it at once): it waits for the signal, held with
   * it, and tries again after the event loop's turn (port batches come in then), for
   * FOLLOW_TRIES turns at most; then, or if that node is gone, it starts here after all.
   */
  private readonly handOffFollowing = (): void => {
    this.drainRings();
    const waiting = this.following;
    this.following = [];
    for (const f of waiting) {
      if (!this.peers.has(f.to) || f.tries >= FOLLOW_TRIES) this.startJob(f.job, []);
      else if (!this.handOff(f.job, f.to)) this.following.push({ ...f, tries: f.tries + 1 });
    }
    if (this.following.length > 0) setImmediate(this.handOffFollowing);
    else if (waiting.some((f) => f.tries > 0)) this.runtime.wake();
  };

  /** The group of the jobs spawned now: the running process's current step (job-ring.ts, groups). */
  protected override spawnGroup(): number {
    const pid = runningProcess();
    const steps = pid === undefined ? undefined : this.runtime.procs.get(pid)?.steps;
    if (steps === undefined) return 0;
    return (Math.imul(pid! % 0x7fffffff | 0, 0x01000193) + steps) | 0 || 1;
  }

  /** Takes one job: our own oldest first, else one from another node's ring (with its pair, or the older half of its group). */
  private findWork(): boolean {
    if (this.startOwnJob()) return true;
    const now = epochNow();
    /** When a job we had to leave may be taken (too young, or held by its owner). */
    let retryIn = Infinity;
    for (let k = 0; k < this.victims.length; k++) {
      const victim = this.victimIds[k];
      // The main thread runs no jobs: its are everyone's at once, stealing or not.
      if (!this.stealing && victim !== MAIN_NODE) continue;
      const ring = this.victims[k];
      const minAge = victim === MAIN_NODE ? 0 : this.stealAfterMs;
      const takeable = (pid: number): boolean => this.dir.isCurrent(pid) && this.dir.wordOf(pid) === makeWord(victim, true, 0);
      // A group begun elsewhere (its owner, or another thief) stays there for a while: its members talk to the one started.
      const heldElsewhere = (group: number, age: number): boolean => {
        if (group === 0 || age >= GROUP_HOLD_MS) return false;
        const place = ring.placeOf(group);
        return place !== undefined && place !== this.nodeId;
      };
      const first = ring.claim((pid, publishedAt, group) => {
        if (!takeable(pid)) return false;
        const age = now - publishedAt;
        const wait = heldElsewhere(group, age) ? GROUP_HOLD_MS - age : minAge - age;
        if (wait <= 0) return true;
        retryIn = Math.min(retryIn, wait);
        return false;
      });
      if (!first) continue;
      const group = first.group;
      const mates = group === 0 ? 0 : ring.readyInGroup(group, takeable);
      // A pair goes whole, with whatever of it its owner publishes later; a larger group, its older half.
      const whole = mates <= 1;
      if (!whole && heldElsewhere(group, now - first.publishedAt)) {
        this.giveBack(first, ring, victim);
        continue;
      }
      const job = this.take(first, ring, victim);
      if (!job) continue;
      if (whole) {
        // The job is ours now: place the pair here, so its partner follows us whoever claims
        // it (its owner may claim it first). If the owner (or another thief) started a member
        // before us, ours goes there instead (see job-ring.ts, groups); an old hold is over.
        const to = ring.placeGroup(group, this.nodeId, 1, victim, now - first.publishedAt >= GROUP_HOLD_MS);
        if (to !== this.nodeId) {
          this.startOrSend(job, to);
          continue;
        }
      }
      this.counters.steals++;
      this.startJob(job, []);
      for (let more = whole ? mates : Math.ceil((mates + 1) / 2) - 1; more > 0; more--) {
        const next = ring.claim((pid, _at, g) => g === group && takeable(pid));
        if (!next) break;
        const mate = this.take(next, ring, victim);
        if (!mate) continue;
        this.counters.steals++;
        this.startJob(mate, []);
      }
      return true;
    }
    if (retryIn !== Infinity && this.recheck === undefined) {
      this.recheck = setTimeout(() => {
        this.recheck = undefined;
        this.runtime.wake();
      }, Math.max(0, retryIn));
    }
    return false;
  }

  /**
   * Puts a job we claimed back in `victim`'s ring, and wakes the victim if it sleeps. While we
   * held the claim, the victim may have looked for its own jobs for the last time before
   * sleeping (its `jobSignalled` and its idle look both skip a claimed job) and gone to sleep:
   * nobody else would start the job, and whatever waits for it would wait forever (both
   * schedulers asleep, a job ready, seen in the property test of spawn-then-send ordering).
   */
  private giveBack(claimed: ClaimedJob, ring: JobRing, victim: number): void {
    ring.unclaim(claimed);
    this.doorbells.wakeIfSleeping(victim);
  }

  /**
   * Makes a job claimed in `victim`'s ring ours (the directory's owner, not started); undefined
   * (and back in the ring) if it was signalled meanwhile: then it stays with its owner.
   */
  private take(claimed: ClaimedJob, ring: JobRing, victim: number): SpawnJob | undefined {
    if (!this.dir.transfer(claimed.pid, victim, true, 0, this.nodeId, true)) {
      this.giveBack(claimed, ring, victim);
      return undefined;
    }
    ring.finish(claimed);
    return decodeJob(claimed.bytes);
  }

  private recheck: ReturnType<typeof setTimeout> | undefined;

  protected override jobPublished(): void {
    // A job published by a continuation that runs after this loop went idle (a process that
    // spawns after a few awaits) would wait for the next wake-up: look at our ring again.
    this.runtime.wake();
    // Wake one sleeping peer: there is now something to take.
    const sleeping = this.stats.sleeping;
    for (let k = 1; k < this.schedulers; k++) {
      const peer = (this.nodeId + k) % this.schedulers;
      if (Atomics.load(sleeping, peer) === 1 && Atomics.compareExchange(sleeping, peer, 1, 0) === 1) {
        this.wakePeer(peer);
        return;
      }
    }
  }

  // ---- load balancing (balancer.ts) and placement (placement.ts) ------------------------------

  private rebalance(): void {
    this.writeStats();
    this.balancer.round();
    this.reportMoves();
  }

  protected override spawnerLoad(): Load {
    return this.meter;
  }

  /** Ourselves first (ties stay local), then the peers in order after us. */
  protected override placementCandidates(): number[] {
    const ids = [this.nodeId];
    for (let k = 1; k < this.schedulers; k++) {
      const id = (this.nodeId + k) % this.schedulers;
      if (this.peers.has(id)) ids.push(id);
    }
    return ids;
  }

  protected override onArrived(pid: number): void {
    this.balancer.arrived(pid);
  }

  protected override onStealRequest(from: number): void {
    this.balancer.onStealRequest(from);
  }

  /** Migrates a behaviour process if it can move now, and keeps a record of the move. */
  move(pid: number, to: number, why: MoveRecord['why']): boolean {
    const name = this.runtime.procs.get(pid)?.name ?? '';
    if (!this.migrate(pid, to)) return false;
    this.moves.push({ pid, name, from: this.nodeId, to, why, at: Date.now() });
    if (why !== 'balance') this.reportMoves();
    return true;
  }

  private reportMoves(): void {
    if (this.moves.length === 0) return;
    const moves = this.moves;
    this.moves = [];
    this.onMoves(moves);
  }

  // ---- stats ------------------------------------------------------------------------------------

  writeStats(): void {
    const now = performance.now();
    const snapshot = this.runtime.snapshot();
    this.meter.sample(snapshot.steps, now);
    this.stats.write(
      this.nodeId,
      statsFields(snapshot, { queuedJobs: this.ring.ready, ...this.counters }, {
        recentUtilization: this.meter.utilization,
        msPerStep: this.meter.msPerStep,
        balanceRounds: this.balancer.rounds,
        loadAt: this.meter.measuredAt,
        active: this.balancer.active,
      }),
    );
  }

  snapshot(): SchedulerStats {
    this.writeStats();
    return this.stats.read(this.nodeId);
  }

  stop(): void {
    if (this.balanceTimer) clearInterval(this.balanceTimer);
  }
}

