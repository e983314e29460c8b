import { Runtime, TimerCells, type Definition, type SpawnJob } from '@beamjs/runtime';
import { decodeJob } from './job-codec.js';
import { Directory, MAIN_NODE, makeWord } from './directory.js';
import { JobRing, epochNow } from './job-ring.js';
import { NodeHost } from './node-host.js';
import { SharedNames } from './names.js';
import { StatsBlock, statsFields } from './stats-block.js';
import { Doorbells } from './doorbell.js';
import type { SchedulerInit, SchedulerStats } from './protocol.js';
import type { RuntimeEvent } from '@beamjs/runtime';

/** Slices between two batch flushes while busy. */
const HOUSEKEEPING_EVERY = 8;
/** Milliseconds between two stats writes while busy (and between two looks at our own jobs). */
const STATS_MS = 1;
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
  readonly stats: StatsBlock;
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

  constructor(init: SchedulerInit, report: (event: RuntimeEvent) => void) {
    super({
      nodeId: init.id,
      directory: new Directory(init.directory),
      names: new SharedNames(init.names),
      timerCells: new TimerCells(init.timers, init.id),
      ring: new JobRing(init.rings[init.id]),
      doorbells: new Doorbells(init.bells),
      report,
    });
    this.carriesSignals = true;
    this.runsOwnJobsOnly = init.schedulers === 1 || !init.stealing;
    this.stats = new StatsBlock(init.stats);
    this.stats.clear(init.id);
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

  override submit(job: SpawnJob, def: Definition): void {
    if (this.runsOwnJobsOnly) this.startJob(job, []);
    else super.submit(job, def);
  }

  /** Swaps the ring of a replaced peer for the replacement's. */
  replaceVictim(id: number, ring: SharedArrayBuffer): void {
    const at = this.victimIds.indexOf(id);
    if (at >= 0) this.victims[at] = new JobRing(ring);
  }

  // ---- the run loop's hooks -------------------------------------------------------------------

  beforeSlice(): void {
    if (Atomics.load(this.stats.sleeping, this.nodeId) === 1) Atomics.store(this.stats.sleeping, this.nodeId, 0);
    this.doorbells.awake(this.nodeId);
    // Signals from other schedulers are read at every slice boundary while busy: no event-loop task.
    this.drainRings();
    if (++this.slices % HOUSEKEEPING_EVERY !== 0) return;
    this.flush();
    // Stats are read by the main thread at human speed: write them at most every STATS_MS, not
    // every few slices (a coroutine draining its mailbox makes a slice every 64 messages).
    const now = performance.now();
    if (now - this.statsWrittenAt < STATS_MS) return;
    this.statsWrittenAt = now;
    this.writeStats();
    // Our own jobs are our run queue's too: a scheduler that never goes idle still starts
    // one now and then, or a job only we may start (one signalled before it started) would
    // wait for as long as we stay busy. Thieves take the rest meanwhile.
    this.startOwnJob();
  }

  private statsWrittenAt = 0;

  idle(): void {
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
    Atomics.store(this.stats.sleeping, id, 1);
    const seen = this.doorbells.goingToSleep(id);
    if (this.ringsDue() || this.findWork()) {
      Atomics.store(this.stats.sleeping, id, 0);
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
  }

  private readonly onBell = (): void => {
    this.bellArmed = false;
    // Woken this soon: a spin would have caught it.
    if (performance.now() - this.sleptAt < 2 * SPIN_MS) this.spinMs = SPIN_MS;
    Atomics.store(this.stats.sleeping, this.nodeId, 0);
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
    const job = entry?.job ?? (decodeJob(own.bytes));
    this.startJob(job, []);
    return true;
  }

  /** Takes one job: our own oldest first, else one from another node's ring. */
  private findWork(): boolean {
    if (this.startOwnJob()) return true;
    if (!this.stealing) return false;
    const now = epochNow();
    let youngest = Infinity;
    for (let k = 0; k < this.victims.length; k++) {
      const victim = this.victimIds[k];
      const ring = this.victims[k];
      // The main thread runs no jobs: its are everyone's at once.
      const minAge = victim === MAIN_NODE ? 0 : this.stealAfterMs;
      const stolen = ring.claim((pid, publishedAt) => {
        if (!this.dir.isCurrent(pid) || this.dir.wordOf(pid) !== makeWord(victim, true, 0)) return false;
        const age = now - publishedAt;
        if (age >= minAge) return true;
        youngest = Math.min(youngest, age);
        return false;
      });
      if (!stolen) continue;
      if (!this.dir.transfer(stolen.pid, victim, true, 0, this.nodeId, true)) {
        // Someone signalled it since we looked: it stays with its owner.
        ring.unclaim(stolen);
        continue;
      }
      ring.finish(stolen);
      this.counters.steals++;
      this.startJob(decodeJob(stolen.bytes), []);
      return true;
    }
    // Jobs too young to take: look again when they are old enough (unless their owner took them).
    if (youngest !== Infinity && this.recheck === undefined) {
      this.recheck = setTimeout(() => {
        this.recheck = undefined;
        this.runtime.wake();
      }, Math.max(0, this.stealAfterMs - youngest));
    }
    return false;
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

  // ---- load balancing ---------------------------------------------------------------------------

  /**
   * BEAM-style periodic migration: when this scheduler's run queue stays well above the
   * lightest peer's, it pushes some of its movable processes (behaviour processes waiting
   * between two messages) there. Damped so that processes are not passed back and forth:
   * only a scheduler with more than twice the lightest load acts, it moves a third of the
   * difference, and a scheduler that has just received processes waits a round before it
   * gives any away.
   */
  private rebalance(): void {
    const received = this.counters.migrationsIn;
    const justReceived = received !== this.seenMigrationsIn;
    this.seenMigrationsIn = received;
    if (justReceived) return;
    const mine = this.runtime.snapshot().runQueue;
    let target = -1;
    let lightest = Infinity;
    for (let id = 0; id < this.schedulers; id++) {
      if (id === this.nodeId || !this.peers.has(id)) continue;
      const load = this.stats.read(id).runQueue;
      if (load < lightest) {
        lightest = load;
        target = id;
      }
    }
    if (target < 0 || mine < 4 || mine < lightest * 2 + 4) return;
    let budget = Math.floor((mine - lightest) / 3);
    for (const proc of this.runtime.procs.values()) {
      if (budget === 0) break;
      if (!proc.isActor || proc.busy || proc.status !== 'runnable') continue;
      if (this.migrate(proc.self, target)) budget--;
    }
    this.flush();
  }

  private seenMigrationsIn = 0;

  // ---- stats ------------------------------------------------------------------------------------

  writeStats(): void {
    this.stats.write(this.nodeId, statsFields(this.runtime.snapshot(), { queuedJobs: this.ring.ready, ...this.counters }));
  }

  snapshot(): SchedulerStats {
    this.writeStats();
    return this.stats.read(this.nodeId);
  }

  stop(): void {
    if (this.balanceTimer) clearInterval(this.balanceTimer);
  }
}

