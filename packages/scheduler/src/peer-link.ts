import type { MessagePort, TransferListItem } from 'node:worker_threads';
import { NOT_PLAIN, type PlainReader, type PlainWriter } from './plain-codec.js';
import { SignalRing } from './signal-ring.js';
import type { Envelope, PeerBatch } from './protocol.js';

/**
 * Everything one node sends to one peer, and receives from it: the transport of one ordered
 * pair of threads in each direction.
 *
 * Two paths, one order. Between two scheduler threads a signal is written into a
 * single-producer single-consumer ring in shared memory (signal-ring.ts), serialized once by
 * plain-codec.ts; the receiver reads it at its next slice boundary while busy, or is woken
 * through its doorbell (doorbell.ts) when it sleeps. What the ring cannot carry goes over the
 * MessagePort as today, in batches: values that are not plain data (deep-copied, then
 * structured-cloned), buffers being transferred, records over the ring's `maxRecord` (an
 * eighth of the ring: 32 KB by default), and everything while the ring is full. The main
 * thread's links have no rings (it is woken by its event loop, never spins): port only.
 *
 * Per-pair FIFO (invariant 3, which the directory's in-flight counting relies on) holds
 * across the two paths by sequence numbers: every ring record and every port batch of a
 * direction takes the next number of that direction, and the receiver applies them strictly
 * in number order. A ring record whose number is not due yet waits in the ring (it stops the
 * reading) until the port batch before it arrives; a port batch that comes early waits in
 * `early`. And while a port batch is being collected for the peer, later signals join it
 * rather than the ring, so that a batch never has to be numbered after signals sent later.
 *
 * A peer that dies leaves at most published records in our inbound ring (a record is only
 * published when complete): they are read before its death is announced (NodeHost.peerDied).
 * Its replacement gets a new link, new rings and new numbers.
 */
const MESSAGE = 0;
const ENVELOPE = 1;

/** What a link hands to its node as it reads signals, in order. */
export interface LinkReceiver {
  /** A plain message for `pid`. */
  message(pid: number, msg: unknown): void;
  envelope(envelope: Envelope): void;
}

export interface PeerWiring {
  id: number;
  port: MessagePort;
  /** Ring we write for this peer, and the one it writes for us (schedulers only). */
  out?: SharedArrayBuffer;
  in?: SharedArrayBuffer;
}

export class PeerLink {
  private readonly out: SignalRing | undefined;
  private readonly in: SignalRing | undefined;
  private sendSeq = 0;
  private recvSeq = 0;
  /** The port batch being collected: wire format of PeerBatch after its sequence number. */
  items: unknown[] = [];
  transfer: TransferListItem[] = [];
  /** Envelopes in `items` (a message takes two items). */
  envelopes = 0;
  /** Port batches that arrived before their turn, by sequence number. */
  private readonly early = new Map<number, PeerBatch>();
  private encodeTo = 0;
  private encodeValue: unknown = undefined;

  constructor(
    readonly peer: number,
    readonly port: MessagePort,
    out: SharedArrayBuffer | undefined,
    inbound: SharedArrayBuffer | undefined,
    private readonly receiver: LinkReceiver,
    /** An entry of a refused port batch that could not be posted alone either ([pid, msg] for a message). */
    private readonly dropped: (peer: number, entry: unknown, err: unknown) => void,
  ) {
    this.out = out && new SignalRing(out);
    this.in = inbound && new SignalRing(inbound);
  }

  // ---- sending ------------------------------------------------------------------------------

  /**
   * Writes a message (not copied yet: this is its copy) into the ring. False if it must go by
   * the port instead (no ring, a batch for the port is open, not plain data, too big, no room).
   */
  ringMessage(pid: number, msg: unknown): boolean {
    if (this.out === undefined || this.items.length !== 0) return false;
    this.encodeTo = pid;
    this.encodeValue = msg;
    return this.ringWrite(this.writeMessage);
  }

  /** Writes any other envelope into the ring (already a private copy); false as above. */
  ringEnvelope(envelope: Envelope): boolean {
    if (this.out === undefined || this.items.length !== 0) return false;
    this.encodeValue = envelope;
    return this.ringWrite(this.writeEnvelope);
  }

  private ringWrite(encode: (w: PlainWriter) => void): boolean {
    try {
      if (!this.out!.write(this.sendSeq, encode)) return false;
    } catch (err) {
      if (err === NOT_PLAIN) return false;
      throw err;
    } finally {
      this.encodeValue = undefined;
    }
    this.sendSeq = (this.sendSeq + 1) | 0;
    return true;
  }

  private readonly writeMessage = (w: PlainWriter): void => {
    w.byte(MESSAGE);
    w.float64(this.encodeTo);
    w.value(this.encodeValue);
  };

  private readonly writeEnvelope = (w: PlainWriter): void => {
    w.byte(ENVELOPE);
    w.value(this.encodeValue);
  };

  /** Adds an envelope to the port batch being collected. */
  queue(envelope: Envelope, transfer?: TransferListItem[]): void {
    if (envelope.kind === 'message') this.items.push(envelope.to, envelope.msg);
    else this.items.push(envelope);
    this.envelopes++;
    if (transfer) this.transfer.push(...transfer);
  }

  /** Posts the collected port batch, numbered. A batch that fails is never posted again: its entries go one by one. */
  flush(): void {
    if (this.items.length === 0) return;
    const { items, transfer } = this;
    this.items = [];
    this.transfer = [];
    this.envelopes = 0;
    try {
      this.port.postMessage([this.sendSeq, ...items] satisfies PeerBatch, transfer.length ? transfer : undefined);
      this.sendSeq = (this.sendSeq + 1) | 0;
    } catch {
      this.postOneByOne(items, transfer);
    }
  }

  /** Each entry of a refused batch alone (numbered like a batch); only those that fail are dropped. */
  private postOneByOne(items: unknown[], transfer: TransferListItem[]): void {
    let moving: TransferListItem[] | undefined = transfer.length ? transfer : undefined;
    for (let i = 0; i < items.length; i++) {
      const entry = items[i];
      const single = typeof entry === 'number' ? [entry, items[++i]] : [entry];
      // Only a job handed over with moved buffers carries a transfer list.
      const list = typeof entry !== 'number' && (entry as Envelope).kind === 'adopt' ? moving : undefined;
      try {
        this.port.postMessage([this.sendSeq, ...single] satisfies PeerBatch, list);
        this.sendSeq = (this.sendSeq + 1) | 0;
        if (list) moving = undefined;
      } catch (err) {
        this.dropped(this.peer, typeof entry === 'number' ? single : entry, err);
      }
    }
  }

  // ---- receiving ----------------------------------------------------------------------------

  /**
   * Whether our inbound ring holds a record that may be read now (one atomic load when it is
   * empty). A record waiting for an earlier port batch does not count: that batch comes
   * through the event loop, which a spinning reader must let run.
   */
  get ringDue(): boolean {
    return this.in !== undefined && this.in.pending && this.in.nextSeq() === this.recvSeq;
  }

  /** A port batch arrived: apply it and whatever it unblocks, in sequence order. */
  onPortBatch(batch: PeerBatch): void {
    this.early.set(batch[0] as number, batch);
    this.drain();
  }

  /** Applies everything that is due: ring records and early port batches, in sequence order. Returns how many units it applied. */
  drain(): number {
    // A signal applied here never reads a ring itself; the guard keeps it that way.
    if (this.draining) return 0;
    this.draining = true;
    try {
      return this.drainDue();
    } finally {
      this.draining = false;
    }
  }

  private draining = false;

  private drainDue(): number {
    let applied = 0;
    for (;;) {
      if (this.in !== undefined) applied += this.in.drain(this.isDue, this.readRecord);
      const batch = this.early.get(this.recvSeq);
      if (batch === undefined) return applied;
      this.early.delete(this.recvSeq);
      this.recvSeq = (this.recvSeq + 1) | 0;
      this.applyBatch(batch);
      applied++;
    }
  }

  private readonly isDue = (seq: number): boolean => seq === this.recvSeq;

  private readonly readRecord = (r: PlainReader): void => {
    this.recvSeq = (this.recvSeq + 1) | 0;
    if (r.byte() === MESSAGE) {
      const pid = r.float64();
      this.receiver.message(pid, r.value());
    } else {
      this.receiver.envelope(r.value() as Envelope);
    }
  };

  private applyBatch(batch: PeerBatch): void {
    const receiver = this.receiver;
    for (let i = 1; i < batch.length; i++) {
      const entry = batch[i];
      // A plain message is two entries, [pid, msg]: the common case builds no signal object.
      if (typeof entry === 'number') receiver.message(entry, batch[++i]);
      else receiver.envelope(entry as Envelope);
    }
  }

  close(): void {
    this.port.close();
  }
}
