import type { TransferListItem } from 'node:worker_threads';
import type { Signal, SpawnJob } from '@beamjs/runtime';
import { MAIN_NODE, isJob, ownerOf } from './directory.js';
import { NodeHost, type NodeHostInit } from './node-host.js';
import type { Envelope } from './protocol.js';

/** What the main thread's host needs of a cluster gateway. */
export interface ForeignGateway {
  route(signal: Signal): void;
  forward(creation: number, records: Uint8Array, count: number): void;
}

/**
 * The main thread's node. It runs no spawned process itself: what it spawns goes to its own
 * job ring, where every scheduler takes work from, and the mailboxes of the program's own code
 * (vm.self, the job replies) live here.
 *
 * A job of ours that gets signalled before a scheduler took it (spawn, then send at once —
 * common) cannot be stolen any more (see directory.ts), so we take it back from the ring and
 * hand it, with the signals, to a scheduler ourselves.
 */
export class MainHost extends NodeHost {
  /** Distribution: where signals for other nodes' pids leave this node (cluster/gateway.ts). */
  gateway: ForeignGateway | undefined;
  private readonly retry = new Map<number, SpawnJob | undefined>();
  private retryQueued = false;
  private next = 0;

  constructor(
    init: Omit<NodeHostInit, 'nodeId'>,
    private readonly schedulerIds: () => readonly number[],
  ) {
    super({ ...init, nodeId: MAIN_NODE });
    // Spawn-then-monitor (vm.run) or spawn-then-send: the first signals travel inside the job,
    // which stays in our ring for whichever scheduler is free to take it. Handing it to one
    // picked from here could pick one stuck in a long step (invariant 6): from here a
    // scheduler that just started a hog looks the same as a busy one.
    this.carriesSignals = true;
  }

  protected override routeForeign(signal: Signal): void {
    if (this.gateway) this.gateway.route(signal);
    else this.runtime.bounce(signal);
  }

  protected override forwardRemote(chunk: Extract<Envelope, { kind: 'remoteChunk' }>): void {
    this.gateway?.forward(chunk.creation, chunk.records, chunk.count);
  }

  /** Live schedulers, rotated at each spread spawn so that ties do not all go to the first. */
  protected override placementCandidates(): number[] {
    const ids = this.schedulerIds();
    const start = this.next++ % Math.max(1, ids.length);
    return [...ids.slice(start), ...ids.slice(0, start)];
  }

  protected override placeOn(job: SpawnJob, target: number): number {
    this.handOffNew(job, [], target);
    return target;
  }

  /**
   * Round-robin over live schedulers, preferring one that sleeps. Its flag is cleared as it is
   * picked: a sleeper picked for one job of a burst is no longer idle for the next, which
   * would otherwise all go to it before it wakes up and clears the flag itself.
   */
  pickScheduler(): number {
    const ids = this.schedulerIds();
    for (const id of ids) if (Atomics.compareExchange(this.stats.sleeping, id, 1, 0) === 1) return id;
    return ids[this.next++ % ids.length];
  }

  protected override jobPublished(): void {
    for (const id of this.schedulerIds()) {
      if (Atomics.compareExchange(this.stats.sleeping, id, 1, 0) === 1) {
        this.wakePeer(id);
        return;
      }
    }
  }

  protected override placeUnpublished(job: SpawnJob): void {
    this.tryHandOff(job.pid, job);
  }

  /** A job built by the caller, never published: handed to `target` (or any scheduler), `transfer` buffers moving with it. */
  handOffNew(job: SpawnJob, transfer: TransferListItem[] = [], target?: number): void {
    if (transfer.length) this.transfers.set(job.pid, transfer);
    if (target !== undefined) this.targets.set(job.pid, target);
    this.tryHandOff(job.pid, job);
  }

  private readonly transfers = new Map<number, TransferListItem[]>();
  private readonly targets = new Map<number, number>();

  protected override jobSignalled(pid: number): void {
    this.tryHandOff(pid, this.retry.get(pid));
  }

  private tryHandOff(pid: number, known: SpawnJob | undefined): void {
    const job = known ?? this.reclaimOwnJob(pid);
    if (job && this.handOff(job, this.targets.get(pid) ?? this.pickScheduler(), this.transfers.get(pid))) {
      this.retry.delete(pid);
      this.transfers.delete(pid);
      this.targets.delete(pid);
      return;
    }
    // A thief holds the job's cell right now, or signals for it are still on their way here:
    // both settle within microseconds.
    this.retry.set(pid, job);
    if (!this.retryQueued) {
      this.retryQueued = true;
      setImmediate(this.retryAll);
    }
  }

  private readonly retryAll = (): void => {
    this.retryQueued = false;
    for (const [pid, job] of [...this.retry]) {
      const word = this.dir.wordOf(pid);
      if (!this.dir.isCurrent(pid) || ownerOf(word) !== this.nodeId || !isJob(word)) {
        this.retry.delete(pid);
        continue;
      }
      this.tryHandOff(pid, job);
    }
  };
}
