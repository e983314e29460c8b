import { receiveMessageOnPort, type TransferListItem } from 'node:worker_threads';
import {
  Runtime,
  creationOf,
  deepCopy,
  isCloneable,
  slotOf,
  type Definition,
  type Host,
  type MigratingProcess,
  type RuntimeEvent,
  type Signal,
  type SpawnJob,
  type TimerCells,
} from '@beamjs/runtime';
import { runningProcess } from './fault-attribution.js';
import { fireNoconnection, missedNoconnection } from './cluster/noconnection.js';
import type { ProcessCluster } from './cluster/hooks.js';
import type { RemoteOutbox } from './cluster/remote-outbox.js';
import { Directory, MAIN_NODE, NO_OWNER, SlotAllocator, inflightOf, isJob, ownerOf } from './directory.js';
import { JobRing } from './job-ring.js';
import { encodeJob } from './job-codec.js';
import { SharedNames } from './names.js';
import type { Doorbells } from './doorbell.js';
import { PeerLink, type LinkReceiver, type PeerWiring } from './peer-link.js';
import { Residency, placementOf, roomiest, type Load } from './placement.js';
import type { StatsBlock } from './stats-block.js';
import type { Envelope, PeerMessage } from './protocol.js';

/** A port batch is posted once this many envelopes wait for one peer, without waiting for the slice to end. */
const BATCH_MAX = 512;

export interface NodeHostInit {
  nodeId: number;
  directory: Directory;
  names: SharedNames;
  ring: JobRing;
  doorbells: Doorbells;
  report: (event: RuntimeEvent) => void;
  /** Shared per-node stats: where spread placement looks for room. */
  stats: StatsBlock;
  /** The window over which schedulers measure their load (ms). */
  loadWindowMs: number;
  /** The VM's timer cells, this node's region (cancelTimer/readTimer from any thread); default: this thread's own. */
  timerCells?: TimerCells;
}

/**
 * A node is one thread of the VM with a runtime on it: a scheduler worker, or the main
 * thread. This is its Host: pids come from the shared directory, signals for pids elsewhere
 * are counted in the directory and sent to their owner over its link (peer-link.ts: a
 * shared-memory ring between schedulers, the port otherwise), and new processes are
 * published as spawn jobs in this node's ring, where any scheduler can take them.
 *
 * Signals that reach a node for a pid it owns but does not run yet are held:
 * - `heldForJob`: the pid is a spawn job (JOB) still in a ring. The signals stay counted in
 *   the directory, which keeps thieves off the job (see directory.ts); they are handed to the
 *   process when it starts, wherever that is.
 * - `arrivals`: the pid moved here (migration or adoption) and its package has not arrived
 *   yet; signals sent after the move can overtake it on another port. They are applied right
 *   after the package.
 */
/** A mailbox this long means its process is behind its senders on other threads (see `congested`). */
const LONG_MAILBOX = 4096;

/** The most signals a job carries (see carryInJob). */
const CARRIED_MAX = 8;

export class NodeHost implements Host {
  readonly nodeId: number;
  readonly names: SharedNames;
  /** Distribution hooks for processes (cluster/hooks.ts), on a cluster node. */
  cluster: ProcessCluster | undefined;
  /** A scheduler's messages to other nodes, encoded at the send (cluster/remote-outbox.ts), on a cluster node. */
  remote: RemoteOutbox | undefined;
  readonly timerCells: TimerCells | undefined;
  readonly dir: Directory;
  readonly ring: JobRing;
  runtime!: Runtime;
  private readonly slots: SlotAllocator;
  private readonly reportSink: (event: RuntimeEvent) => void;
  readonly peers = new Map<number, PeerLink>();
  /** Links with an inbound ring, read at every slice boundary. */
  private ringLinks: PeerLink[] = [];
  readonly doorbells: Doorbells;
  private outboxSize = 0;
  private flushQueued = false;
  readonly heldForJob = new Map<number, Signal[]>();
  readonly arrivals = new Map<number, Signal[]>();
  /** Jobs this node published, by pid, so taking its own job back needs no deserialization. */
  readonly published = new Map<number, { index: number; job: SpawnJob; group: number }>();
  counters = { steals: 0, migrationsIn: 0, migrationsOut: 0, remoteIn: 0, remoteOut: 0 };
  readonly stats: StatsBlock;
  readonly residency: Residency;
  /** Scheduler ids a `scheduler` spawn option may name: 0 .. schedulerCount - 1. */
  schedulerCount = 1;
  protected readonly loadWindowMs: number;

  constructor(init: NodeHostInit) {
    this.nodeId = init.nodeId;
    this.dir = init.directory;
    this.names = init.names;
    this.timerCells = init.timerCells;
    this.ring = init.ring;
    this.doorbells = init.doorbells;
    this.slots = new SlotAllocator(init.directory);
    this.reportSink = init.report;
    this.stats = init.stats;
    this.loadWindowMs = init.loadWindowMs;
    this.residency = new Residency(init.stats, init.nodeId);
  }

  // ---- Host --------------------------------------------------------------------------------

  allocatePid(): number {
    // Every new pid starts as a spawn job; mailbox handles are marked started at once.
    return this.dir.claimSlot(this.slots.take(), this.nodeId, true);
  }

  releasePid(pid: number): void {
    // Signals held for a job that never started are still counted: uncount them, or the slot
    // keeps an in-flight count that keeps thieves off every later job in it.
    const held = this.heldForJob.get(pid);
    if (held?.length) this.dir.uncount(pid, held.length);
    this.dir.release(pid);
    this.slots.give(slotOf(pid));
    this.heldForJob.delete(pid);
    this.arrivals.delete(pid);
    this.residency.exited(pid);
  }

  isAlive(pid: number): boolean {
    if (this.dir.isForeign(pid)) return this.foreignAlive(pid);
    return this.dir.ownerOfPid(pid) !== NO_OWNER;
  }

  report(event: RuntimeEvent): void {
    this.reportSink(event);
  }

  /** A signal for a pid with no process on this node. */
  route(signal: Signal, transfer?: TransferListItem[]): void {
    if (this.dir.isForeign(signal.to)) {
      this.routeForeign(signal);
      return;
    }
    const before = this.dir.countSignal(signal.to);
    if (before === undefined) {
      this.runtime.bounce(signal);
      return;
    }
    this.routeCounted(signal, before, transfer);
  }

  /**
   * A message not copied yet (Host.routeMessage). To another scheduler, it is written straight
   * into the ring: that is its only copy. Otherwise it is deep-copied (which throws the typed
   * error for what cannot be cloned: the count is undone, nothing is sent) and routed.
   */
  routeMessage(to: number, msg: unknown): void {
    // Another cluster node's pid: through the main thread's gateway, as every signal to it.
    if (this.dir.isForeign(to)) {
      const sender = runningProcess();
      if (this.remote === undefined || sender === undefined || !this.runtime.procs.has(sender)) return this.route({ kind: 'message', to, msg: deepCopy(msg) });
      if (this.remote.message(to, msg, slotOf(sender))) this.flush();
      else this.requestFlush();
      return;
    }
    const before = this.dir.countSignal(to);
    if (before === undefined) {
      // Dead: a no-op, as in Erlang, but a message that could never be sent still throws.
      deepCopy(msg);
      return;
    }
    const owner = ownerOf(before);
    let copied: unknown;
    try {
      if (owner !== this.nodeId) {
        const sent = this.peers.get(owner)?.sendMessage(to, msg);
        if (sent !== undefined) {
          this.counters.remoteOut++;
          if (sent === 'ring') this.doorbells.wakeIfSleeping(owner);
          else this.batched();
          return;
        }
      }
      copied = deepCopy(msg);
    } catch (err) {
      this.dir.uncount(to);
      throw err;
    }
    this.routeCounted({ kind: 'message', to, msg: copied }, before);
  }

  /** A signal already counted in the directory (`before`: the word as it was). */
  private routeCounted(signal: Signal, before: number, transfer?: TransferListItem[]): void {
    const owner = ownerOf(before);
    if (owner !== this.nodeId) {
      this.enqueue(owner, signal, transfer);
      return;
    }
    if (isJob(before)) {
      // Ours, not started: the job carries it if it can, else hold it, still counted (see the class comment).
      if (inflightOf(before) === 0 && !transfer?.length && this.carryInJob(signal)) return;
      pushTo(this.heldForJob, signal.to, signal);
      this.jobSignalled(signal.to);
    } else {
      this.dir.uncount(signal.to);
      pushTo(this.arrivals, signal.to, signal);
    }
  }

  /**
   * A signal for another cluster node's pid (cluster/): a scheduler passes it to the main
   * thread, whose gateway publishes it. Sent from a process's code, it is counted for that
   * process until the gateway takes it: the process does not migrate meanwhile (see
   * `migrate`), so its remote sends leave this node in the order it made them.
   */
  protected routeForeign(signal: Signal): void {
    if (this.dir.creation === 0) {
      this.runtime.bounce(signal);
      return;
    }
    this.drainRemote(); // messages sent before this signal reach the gateway before it
    const sender = runningProcess();
    if (sender !== undefined && this.runtime.procs.has(sender)) {
      Atomics.add(this.dir.outgoing, slotOf(sender), 1);
      this.enqueue(MAIN_NODE, { kind: 'remote', sender, signal });
    } else {
      this.enqueue(MAIN_NODE, signal);
    }
  }

  /** Whether another node's pid may be alive: its node is up (Erlang cannot ask a remote node synchronously either). */
  protected foreignAlive(pid: number): boolean {
    return this.cluster?.isUp(creationOf(pid)) ?? false;
  }

  /** Whether signals to our unstarted jobs travel inside the job (schedulers) or are held here (see carryInJob). */
  protected carriesSignals = false;

  /**
   * Spawn, then send at once: the commonest pattern of actor code. A held signal pins the job
   * to this node (a thief cannot take the signals with it), so a scheduler that spawns workers
   * and messages them would run them all itself. Instead the job is taken back from our ring
   * (only if no thief holds it), the signal is put in it, uncounted, and the job republished:
   * still stealable, its first messages with it. Only when nothing is held or in flight for it,
   * so the signals it carries are the oldest it has. A job carries a few at most (each one
   * means serializing it again): a stream to a process that has not started is held here
   * (and a scheduler then starts it at once: see `jobSignalled`).
   */
  private carryInJob(signal: Signal): boolean {
    if (!this.carriesSignals || this.heldForJob.has(signal.to)) return false;
    if ((this.published.get(signal.to)?.job.signals?.length ?? 0) >= CARRIED_MAX) return false;
    const job = this.reclaimOwnJob(signal.to);
    if (!job) return false;
    (job.signals ??= []).push(signal);
    this.dir.uncount(signal.to);
    this.publish(job);
    return true;
  }

  /** A new process: in our ring, or straight to the scheduler chosen for it (see placement.ts). */
  submit(job: SpawnJob, def: Definition): void {
    const where = placementOf(job, def, this.spawnerLoad());
    if (where.kind === 'local') {
      this.startLocal(job);
      return;
    }
    const target = where.kind === 'bound' ? where.scheduler : roomiest(this.stats, this.placementCandidates(), this.loadWindowMs);
    const placed = this.placeOn(job, target);
    // Counted before it can arrive (batches are posted later), so a burst of spawns spreads.
    if (where.kind === 'spread') Residency.reserve(this.stats, placed);
  }

  /** A job that stays with its spawner: in our ring, where a thief may take it (schedulers alone start it at once). */
  protected startLocal(job: SpawnJob): void {
    this.publish(job);
  }

  /** How busy this node has been (undefined: it runs no processes, so it is never the one without room). */
  protected spawnerLoad(): Load | undefined {
    return undefined;
  }

  /** Schedulers a spread process may start on, the preferred one first. */
  protected placementCandidates(): number[] {
    return [...this.peers.keys()];
  }

  /** Starts a job on scheduler `target`, not through our ring; returns where it starts. */
  protected placeOn(job: SpawnJob, target: number): number {
    if (target !== this.nodeId && this.peers.has(target) && this.handOff(job, target)) return target;
    this.startJob(job, []);
    return this.nodeId;
  }

  /** Puts a job where any scheduler can take it; a job that cannot go there is handed to a scheduler directly. */
  publish(job: SpawnJob): void {
    let bytes: Uint8Array | undefined;
    try {
      bytes = encodeJob(job);
    } catch {
      // e.g. a SharedArrayBuffer (or a view over one) in its arguments: it can travel by postMessage only.
      bytes = undefined;
    }
    const group = this.spawnGroup();
    const index = bytes === undefined ? undefined : this.ring.publish(job.pid, bytes, group);
    if (index === undefined) {
      this.placeUnpublished(job);
      return;
    }
    this.published.set(job.pid, { index, job, group });
    if (this.published.size > 4096) this.prunePublished();
    this.jobPublished();
  }

  /** Forgets published jobs that another node took (it cannot tell us: we may be busy). */
  prunePublished(): void {
    for (const pid of this.published.keys()) {
      const word = this.dir.wordOf(pid);
      if (!this.dir.isCurrent(pid) || ownerOf(word) !== this.nodeId || !isJob(word)) this.published.delete(pid);
    }
  }

  /**
   * Scheduler `id` died and took `pids` with it: their links and monitors on this node fire
   * now, with a reason that says so. Nothing more will come from it.
   */
  peerDied(id: number, pids: readonly number[], cause: string): void {
    // What it sent before it died comes first (a record in our ring was complete when published).
    this.peers.get(id)?.drain();
    this.disconnect(id);
    const dead = new Set(pids);
    const reason = { schedulerDown: id, cause };
    const signals: Signal[] = [];
    for (const proc of this.runtime.procs.values()) {
      for (const pid of proc.links ?? []) if (dead.has(pid)) signals.push({ kind: 'exit', to: proc.self, from: pid, reason, linked: true });
      for (const [ref, pid] of proc.monitors ?? []) if (dead.has(pid)) signals.push({ kind: 'down', to: proc.self, from: pid, ref, reason });
    }
    for (const signal of signals) this.runtime.deliver(signal);
  }

  /** The group a job published now belongs to (job-ring.ts, groups); 0: none. */
  protected spawnGroup(): number {
    return 0;
  }

  /** Called after a job is published: a scheduler wakes a sleeping peer. */
  protected jobPublished(): void {}

  /** A job that does not fit the ring: schedulers run it themselves, the main thread hands it over. */
  protected placeUnpublished(job: SpawnJob): void {
    this.startJob(job, []);
  }

  /**
   * A signal for our unstarted job `pid` is held here, so no thief may take the job now: the
   * main thread hands it over, a scheduler starts it (see their overrides).
   */
  protected jobSignalled(_pid: number): void {}

  // ---- starting, adopting, migrating ----------------------------------------------------------

  /** Starts a job on this node's runtime: the job is ours (JOB set), `early` came with it. */
  startJob(job: SpawnJob, early: readonly Signal[]): void {
    this.residency.started(job);
    const held = this.heldForJob.get(job.pid);
    if (held) this.heldForJob.delete(job.pid);
    this.dir.started(job.pid, held?.length ?? 0);
    const arrived = this.arrivals.get(job.pid);
    if (arrived) this.arrivals.delete(job.pid);
    const carried = job.signals;
    job.signals = undefined;
    const all = carried || held || arrived || early.length ? [...(carried ?? []), ...early, ...(held ?? []), ...(arrived ?? [])] : early;
    this.runtime.start(job, all);
  }

  /** Takes our own published job back out of the ring, if nobody took it meanwhile. */
  reclaimOwnJob(pid: number): SpawnJob | undefined {
    const entry = this.published.get(pid);
    if (!entry) return undefined;
    const claimed = this.ring.claimAt(entry.index, pid);
    if (!claimed) return undefined;
    this.ring.finish(claimed);
    this.published.delete(pid);
    return entry.job;
  }

  /**
   * Hands a job of ours that has not started to node `to`, with the signals we hold for it.
   * False if signals for it are still on their way to us (try again once they arrive).
   */
  handOff(job: SpawnJob, to: number, transfer?: TransferListItem[]): boolean {
    const held = this.heldForJob.get(job.pid) ?? [];
    if (!this.dir.transfer(job.pid, this.nodeId, true, held.length, to, true)) return false;
    this.heldForJob.delete(job.pid);
    this.enqueue(to, { kind: 'adopt', job, early: held }, transfer);
    return true;
  }

  /**
   * Moves an idle behaviour process to node `to`. Ownership changes first, only while no
   * signal is on its way here; then the process, its mailbox and timers travel in order after
   * everything this node already sent to `to`.
   */
  migrate(pid: number, to: number): boolean {
    if (to === this.nodeId || !this.peers.has(to)) return false;
    const word = this.dir.wordOf(pid);
    if (ownerOf(word) !== this.nodeId || isJob(word) || inflightOf(word) !== 0) return false;
    if (Atomics.load(this.dir.outgoing, slotOf(pid)) !== 0) return false;
    const moving = this.runtime.detach(pid);
    if (!moving) return false;
    // A state postMessage cannot carry faithfully (a function, a class instance, nesting too
    // deep) would be lost or changed on the way: such a process stays where it is.
    if (!isCloneable(moving.state)) {
      this.runtime.attach(moving);
      return false;
    }
    if (!this.dir.transfer(pid, this.nodeId, false, 0, to, false)) {
      this.runtime.attach(moving);
      return false;
    }
    this.counters.migrationsOut++;
    this.enqueue(to, { kind: 'migrate', proc: moving, ...this.residency.leaving(pid, to) });
    return true;
  }

  private attach(moving: MigratingProcess, flags: { resident?: boolean; bound?: boolean }): void {
    this.counters.migrationsIn++;
    this.residency.arrived(moving.pid, flags);
    this.onArrived(moving.pid);
    const arrived = this.arrivals.get(moving.pid) ?? [];
    this.arrivals.delete(moving.pid);
    // A module this thread has not imported yet is loaded by the runtime; the process exists
    // meanwhile (see Runtime.load).
    this.runtime.attach(moving, arrived);
    if (this.cluster) for (const signal of missedNoconnection(moving, this.dir.creation, this.cluster)) this.runtime.deliver(signal);
  }

  // ---- the mesh -----------------------------------------------------------------------------

  /** Joins a peer: its port, and (between schedulers) the two rings of the pair. */
  connect(wiring: PeerWiring): void {
    const { id, port } = wiring;
    this.disconnect(id);
    const link = new PeerLink(id, port, wiring.out, wiring.in, this.linkReceiver, this.dropped, {
      wake: (peer) => this.doorbells.wakeIfSleeping(peer),
      beats: (peer) => this.stats.beatsOf(peer),
    });
    this.peers.set(id, link);
    if (wiring.in) this.ringLinks = [...this.ringLinks, link];
    port.on('message', (message: PeerMessage) => this.onPortMessage(link, message));
    // Ports must not keep a VM's threads alive on their own: the VM decides when to stop.
    port.unref();
  }

  /** Forgets a dead peer: what we were about to send it is dropped (its processes are gone). */
  disconnect(peer: number): void {
    const link = this.peers.get(peer);
    if (!link) return;
    this.peers.delete(peer);
    this.ringLinks = this.ringLinks.filter((l) => l !== link);
    // Uncount envelopes, not items: a message is two items, and a total below the truth
    // would make a flush that sees 0 post nothing while batches wait.
    this.outboxSize -= link.envelopes;
    link.close();
  }

  /**
   * Takes, synchronously, everything other nodes have already sent us: what is queued on the
   * ports, then what is due in the rings. At stop: a scheduler's shutdown reply (control port)
   * may overtake what its processes sent here just before (mesh port: no order between two
   * ports), and what was sent must arrive before the VM says it has stopped.
   */
  drainPeers(): void {
    for (const link of this.peers.values()) {
      this.takeFromPort(link, false);
      link.drain();
    }
  }

  /** A port message: a numbered batch (the link applies it in order), or a steal request (out of band). */
  private onPortMessage(link: PeerLink, message: PeerMessage): void {
    if (Array.isArray(message)) link.onPortBatch(message);
    else this.onStealRequest(message.from);
  }

  /**
   * Reads every inbound ring (what is due of it); the number of signals and batches applied
   * (at least). A ring whose next record waits for a port batch (its writer found it full)
   * would wait for this thread's next event-loop turn, a few ms away while it is busy, and its
   * writer with it (peer-link.ts, "A full ring"): the batch is taken from the port now.
   */
  drainRings(): number {
    let applied = 0;
    const links = this.ringLinks;
    for (let i = 0; i < links.length; i++) {
      const link = links[i];
      if (link.ringDue) applied += link.drain();
      else if (link.ringBlocked) applied += this.takeFromPort(link, true);
    }
    return applied;
  }

  /** Takes what is queued on `link`'s port, all of it or (`untilUnblocked`) until its ring is no longer blocked; how many messages. */
  private takeFromPort(link: PeerLink, untilUnblocked: boolean): number {
    let taken = 0;
    for (let queued = receiveMessageOnPort(link.port); queued !== undefined; queued = receiveMessageOnPort(link.port)) {
      this.onPortMessage(link, queued.message as PeerMessage);
      taken++;
      if (untilUnblocked && !link.ringBlocked) break;
    }
    return taken;
  }

  /** Whether an inbound ring holds a record that may be read now (a few atomic loads). */
  ringsDue(): boolean {
    const links = this.ringLinks;
    for (let i = 0; i < links.length; i++) if (links[i].ringDue) return true;
    return false;
  }

  /**
   * A port batch postMessage refused and an entry of it that failed alone too (send checks
   * every message, so this is a last line: memory, a stack already deep at the flush): it is
   * dropped, uncounted and reported; the others of the batch arrive, in order.
   */
  private readonly dropped = (peer: number, entry: unknown, err: unknown): void => {
    const kind = Array.isArray(entry) ? 'message' : (entry as Envelope).kind;
    const env = entry as { to?: number; job?: SpawnJob; proc?: MigratingProcess };
    const to = Array.isArray(entry) ? (entry[0] as number) : (env.to ?? env.job?.pid ?? env.proc?.pid);
    // A signal was counted in flight to its target when routed: it will never arrive.
    if (kind !== 'adopt' && kind !== 'migrate' && to !== undefined) this.dir.uncount(to);
    process.emitWarning(`beamjs: a ${kind} for pid ${to} could not be posted to node ${peer} and was dropped: ${(err as Error)?.message ?? String(err)}`, { code: 'BEAMJS_POST_FAILED' });
  };

  private readonly linkReceiver: LinkReceiver = {
    message: (pid, msg) => {
      this.counters.remoteIn++;
      const proc = this.runtime.procs.get(pid);
      if (proc !== undefined) {
        this.dir.uncount(pid);
        this.runtime.deliverMessage(proc, msg);
        if (this.congested === undefined && proc.mailbox.length >= LONG_MAILBOX) {
          const now = performance.now();
          this.congested = { proc, since: now, handled: proc.handled, tookAt: now };
        }
      } else {
        this.receiveSignal({ kind: 'message', to: pid, msg });
      }
    },
    envelope: (envelope) => this.receive(envelope),
  };

  /**
   * A process here whose mailbox a message from another thread made LONG_MAILBOX long: its
   * senders are ahead of it. Since when (performance.now()), and when it last took a message
   * (`handled` is its count then). A busy scheduler leaves its rings unread meanwhile (see
   * Scheduler.drainRingsWhileBusy).
   */
  protected congested:
    | { proc: { readonly alive: boolean; readonly handled: number; readonly mailbox: { readonly length: number } }; since: number; handled: number; tookAt: number }
    | undefined;

  /** A process migrated here. */
  protected onArrived(_pid: number): void {}

  /** An idle scheduler asks for one of our runnable processes (schedulers answer, see balancer.ts). */
  protected onStealRequest(_from: number): void {}

  private receive(envelope: Envelope): void {
    switch (envelope.kind) {
      case 'migrate':
        this.attach(envelope.proc, envelope);
        return;
      case 'adopt':
        this.adopt(envelope.job, envelope.early);
        return;
      case 'remote':
        this.routeForeign(envelope.signal);
        Atomics.sub(this.dir.outgoing, slotOf(envelope.sender), 1);
        return;
      case 'remoteChunk':
        this.forwardRemote(envelope);
        for (let i = 0; i < envelope.senders.length; i += 2) Atomics.sub(this.dir.outgoing, envelope.senders[i]!, envelope.senders[i + 1]!);
        return;
      case 'nodedown':
        fireNoconnection(this.runtime, envelope.creation);
        return;
      default:
        this.counters.remoteIn++;
        this.receiveSignal(envelope);
    }
  }

  /** A job handed to us: we own it now. */
  protected adopt(job: SpawnJob, early: Signal[]): void {
    this.startJob(job, early);
  }

  private receiveSignal(signal: Signal): void {
    const to = signal.to;
    if (this.dir.isForeign(to)) {
      this.routeForeign(signal);
      return;
    }
    if (this.runtime.procs.has(to)) {
      this.dir.uncount(to);
      this.runtime.deliver(signal);
      return;
    }
    if (!this.dir.isCurrent(to)) {
      this.dir.uncount(to);
      this.runtime.bounce(signal);
      return;
    }
    const word = this.dir.wordOf(to);
    if (ownerOf(word) === this.nodeId) {
      if (isJob(word)) {
        pushTo(this.heldForJob, to, signal);
        this.jobSignalled(to);
      } else {
        this.dir.uncount(to);
        pushTo(this.arrivals, to, signal);
      }
      return;
    }
    // Not ours any more (cannot happen while owners change only at zero in-flight): pass it on.
    this.dir.uncount(to);
    this.route(signal);
  }

  /** Sends an envelope to node `to`: through the ring if it can go there, else in the port batch. */
  enqueue(to: number, envelope: Envelope, transfer?: TransferListItem[]): void {
    const link = this.peers.get(to);
    if (!link) return; // a dead peer: its processes are gone
    this.counters.remoteOut++;
    if (!transfer?.length && link.ringEnvelope(envelope)) {
      this.doorbells.wakeIfSleeping(to);
      return;
    }
    link.queue(envelope, transfer);
    this.batched();
  }

  /** One more envelope waits in a port batch: post the batches when they are big enough, else soon. */
  private batched(): void {
    if (++this.outboxSize >= BATCH_MAX) this.flush();
    else this.requestFlush();
  }

  private requestFlush(): void {
    if (!this.flushQueued) {
      this.flushQueued = true;
      this.scheduleFlush();
    }
  }

  private drainRemote(): void {
    this.remote?.drain((envelope) => this.enqueue(MAIN_NODE, envelope));
  }

  /** Encoded messages from a scheduler for another node: only the main thread's gateway takes them. */
  protected forwardRemote(_chunk: Extract<Envelope, { kind: 'remoteChunk' }>): void {}

  /** How a queued batch gets posted if nothing else posts it first. */
  protected scheduleFlush(): void {
    queueMicrotask(this.flush);
  }

  /** Posts every waiting port batch: one postMessage per peer. */
  readonly flush = (): void => {
    this.flushQueued = false;
    this.drainRemote();
    if (this.outboxSize === 0) return;
    for (const link of this.peers.values()) link.flush();
    this.outboxSize = 0;
  };

  get pendingOut(): number {
    return this.outboxSize;
  }

  /** Wakes a sleeping peer whose flag the caller cleared. */
  wakePeer(peer: number): void {
    this.doorbells.ring(peer);
  }

  /**
   * Asks a busy peer for one of its runnable processes (balancer.ts). Out of band, on the
   * port and unnumbered: a request needs no order, and its answer (a migrate) is a signal of
   * the pair like any other.
   */
  sendStealRequest(peer: number): void {
    this.peers.get(peer)?.port.postMessage({ kind: 'steal', from: this.nodeId } satisfies PeerMessage);
  }
}

function pushTo(map: Map<number, Signal[]>, pid: number, signal: Signal): void {
  const list = map.get(pid);
  if (list) list.push(signal);
  else map.set(pid, [signal]);
}
