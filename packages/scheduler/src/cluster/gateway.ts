import { creationOf, type Runtime, type Signal } from '@beamjs/runtime';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { ForeignGateway } from '../main-host.js';
import type { NodeTable } from './node-table.js';
import { BatchEncoder, decodeBatch } from './batch-codec.js';
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
 *
 * Delivery is at most once, as Erlang distribution's: what is in flight when a node goes
 * down is lost, and links and monitors fire with `noconnection` instead.
 */
export class Gateway implements ForeignGateway {
  private readonly outbox = new Map<number, Signal[]>();
  private flushQueued = false;
  private readonly fragments = new Defragmenter();
  private readonly encoder = new BatchEncoder();
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
    const box = this.outbox.get(creation);
    if (box) box.push(signal);
    else this.outbox.set(creation, [signal]);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flush);
    }
  }

  /** Node `creation` went down: what waited for it is dropped (at most once). */
  dropFor(creation: number): void {
    this.outbox.delete(creation);
    this.fragments.forget(creation);
  }

  readonly flush = (): void => {
    this.flushQueued = false;
    for (const [creation, signals] of this.outbox) {
      this.outbox.delete(creation);
      const data = this.encoder.encode(this.self, signals, (_signal, err) => {
        // Messages were copied (checked cloneable) at send: only a value that cannot leave the
        // machine (a SharedArrayBuffer) gets here; such a signal is dropped, the others go.
        process.emitWarning(`beamjs: a message for node creation ${creation} held a value that cannot leave this machine (shared memory) and was dropped: ${(err as Error).message}`, { code: 'BEAMJS_REMOTE_UNSERIALIZABLE' });
      });
      this.counters.batchesOut++;
      this.counters.signalsOut += signals.length;
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
