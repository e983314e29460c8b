import { creationOf, type Runtime, type Signal } from '@beamjs/runtime';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { ForeignGateway } from '../main-host.js';
import type { NodeTable } from './node-table.js';
import { RecordWriter, decodeBatch, unsendable } from './batch-codec.js';
import { Defragmenter, frame } from './frames.js';
import { subjects } from './options.js';

/**
 * Where signals between this node and the others cross NATS, on the main thread.
 *
 * Order (per sender -> receiver FIFO across nodes): every signal for node N leaves through
 * this one connection, in the order it reaches the gateway, on N's one subject; NATS keeps
 * the order of one publisher's messages to a subscriber, and N's gateway dispatches them in
 * that order (its own threads keep per-sender order from there: the directory's in-flight
 * counts). What could reorder is *before* the gateway: a process that sends from scheduler 1,
 * migrates, then sends from scheduler 2 uses two ports to this thread, which have no order
 * between them. So a process does not migrate while a signal it sent to another node has not
 * reached the gateway (the directory's `outgoing` count, see NodeHost.routeForeign): the
 * balancer simply tries again later, as it does for a process with incoming signals in flight.
 * Messages a scheduler's processes send come already encoded, in chunks (remote-outbox.ts);
 * the scheduler posts a chunk before any later signal of its own for another node, so one
 * port still carries one process's remote sends in order.
 *
 * Delivery is at most once, as Erlang distribution's: what is in flight when a node goes
 * down is lost, and links and monitors fire with `noconnection` instead.
 */
export class Gateway implements ForeignGateway {
  /** Per destination node, its next batch, encoded as signals arrive (batch-codec.ts). */
  private readonly outbox = new Map<number, { batch: RecordWriter; signals: number }>();
  private flushQueued = false;
  private readonly fragments = new Defragmenter();
  private readonly subscription: Subscription;
  private readonly s;
  counters = { batchesOut: 0, signalsOut: 0, batchesIn: 0, signalsIn: 0 };

  constructor(
    private readonly nc: NatsConnection,
    prefix: string,
    private readonly self: number,
    private readonly table: NodeTable,
    private readonly runtime: Runtime,
  ) {
    this.s = subjects(prefix);
    this.subscription = nc.subscribe(this.s.signals(self), { callback: (err, msg) => { if (!err) this.onBatch(msg.data); } });
  }

  route(signal: Signal): void {
    const creation = creationOf(signal.to);
    if (creation === this.self || !this.table.isUp(creation)) {
      this.unreachable(signal);
      return;
    }
    const box = this.boxFor(creation);
    box.batch.add(signal, (_signal, err) => unsendable(creation, err));
    box.signals++;
  }

  /**
   * Messages a scheduler's processes sent to node `creation`, already encoded there
   * (remote-outbox.ts): they join its batch as they are, in the order they arrive here.
   * For a node that went down meanwhile they vanish, as any message to a gone node.
   */
  forward(creation: number, records: Uint8Array, count: number): void {
    if (creation === this.self || !this.table.isUp(creation)) return;
    const box = this.boxFor(creation);
    box.batch.append(records);
    box.signals += count;
  }

  /** Node `creation` went down: what waited for it is dropped (at most once). */
  dropFor(creation: number): void {
    this.outbox.delete(creation);
    this.fragments.forget(creation);
  }

  private boxFor(creation: number): { batch: RecordWriter; signals: number } {
    let box = this.outbox.get(creation);
    if (box === undefined) {
      box = { batch: new RecordWriter(this.self), signals: 0 };
      this.outbox.set(creation, box);
    }
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flush);
    }
    return box;
  }

  readonly flush = (): void => {
    this.flushQueued = false;
    for (const [creation, box] of this.outbox) {
      if (box.signals === 0) continue;
      const data = box.batch.take();
      this.counters.batchesOut++;
      this.counters.signalsOut += box.signals;
      box.signals = 0;
      if (this.nc.isClosed()) continue;
      try {
        for (const part of frame(data, this.self, this.nc.info?.max_payload ?? 1024 * 1024)) this.nc.publish(this.s.signals(creation), part);
      } catch (err) {
        // The connection is closing or broken: membership declares the nodes down (at most once).
        process.emitWarning(`beamjs: signals for node creation ${creation} were dropped: ${(err as Error).message}`, { code: 'BEAMJS_REMOTE_DROPPED' });
      }
    }
  };

  private onBatch(data: Uint8Array): void {
    const whole = this.fragments.accept(data);
    if (whole === undefined) return;
    const batch = decodeBatch(whole);
    // From a node we hold for down: its signals belong to a connection that is gone.
    if (!this.table.isUp(batch.from)) return;
    this.counters.batchesIn++;
    this.counters.signalsIn += batch.signals.length;
    for (const signal of batch.signals) this.runtime.dispatch(signal);
  }

  /** A signal for a node that is not up: links and monitors hear `noconnection`; messages vanish (Erlang's send to a gone node). */
  private unreachable(signal: Signal): void {
    if (signal.kind === 'link') this.runtime.dispatch({ kind: 'exit', to: signal.from, from: signal.to, reason: 'noconnection', linked: true });
    else if (signal.kind === 'monitor') this.runtime.dispatch({ kind: 'down', to: signal.from, from: signal.to, ref: signal.ref, reason: 'noconnection' });
  }

  close(): void {
    this.flush();
    this.subscription.unsubscribe();
  }
}
