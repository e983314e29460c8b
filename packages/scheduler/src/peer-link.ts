import type { MessagePort, TransferListItem } from 'node:worker_threads';
import { NO_ROOM, NOT_PLAIN, PlainReader, PlainWriter } from './plain-codec.js';
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
 * A full ring. Its reader is behind: a producer streams faster than the consumer takes in.
 * The writer then waits for room (spinning briefly, then in short naps that give the core
 * away; see waitForRoom for how long), so the stream runs at its reader's pace and its backlog
 * stays bytes in the ring, not a mailbox of live objects that the garbage collector copies
 * again and again (a third of the reader's time in a 1M-message stream before; the reader
 * also holds back while such a mailbox is long: Scheduler.drainRingsWhileBusy). The reader frees room
 * as it reads (signal-ring.ts), at every slice boundary. A wait that gives up (the reader
 * is in a long step, or two writers wait on each other's full rings) sends the link into
 * overflow: messages go as below until the reader has read half the ring, so ring records
 * and port batches do not alternate one by one (each record would wait for the batch before it).
 *
 * Overflow chunks. A plain message the ring has no room for, or that comes while a port batch is open, is
 * still encoded by plain-codec.ts: into a chunk, an ArrayBuffer that joins the port batch in
 * its place and is transferred, not cloned. So a stream that outruns its reader still copies
 * each message once, and its reader decodes it as it decodes ring records: before chunks,
 * such messages (most of a 1M-message stream) were deep-copied, structured-cloned by
 * `postMessage` and deserialized by V8, and the stream ran at ~0.6x raw batched postMessage
 * (scheduler README, Transport). A batch's first chunk has CHUNK_BYTES, the next ones
 * BIG_CHUNK_BYTES; a message that fits neither goes by the port as before.
 *
 * A peer that dies leaves at most published records in our inbound ring (a record is only
 * published when complete): they are read before its death is announced (NodeHost.peerDied).
 * Its replacement gets a new link, new rings and new numbers.
 */
const MESSAGE = 0;
const ENVELOPE = 1;
/** The longest a writer waits for room in a full ring, and for a reader's thread that does not move on; how long of that it spins, and its naps after (see "A full ring"). */
const ROOM_WAIT_MS = 100;
const ROOM_STALL_MS = 10;
const ROOM_SPIN_MS = 0.05;
const ROOM_NAP_MS = 0.2;
/** Sizes of a batch's first overflow chunk and of the ones after it (see "Overflow chunks"). */
const CHUNK_BYTES = 4 << 10;
const BIG_CHUNK_BYTES = 64 << 10;

/** An overflow chunk being written: its bytes and where in `items` it sits. */
interface Chunk {
  buffer: ArrayBuffer;
  writer: PlainWriter;
  at: number;
}

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
  /** Envelopes in `items` (a message takes two items; a chunk counts its messages). */
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
    /** The peer's thread: wake it if it sleeps, and its heartbeat (stats-block.ts), for a writer that waits for it to free room. */
    private readonly peerThread: { wake(peer: number): void; beats(peer: number): number } = { wake() {}, beats: () => 0 },
  ) {
    this.out = out && new SignalRing(out);
    this.in = inbound && new SignalRing(inbound);
  }

  // ---- sending ------------------------------------------------------------------------------

  /**
   * Sends a message (not copied yet: this is its copy) encoded: into the ring, or, when the
   * ring has no room or a port batch is open, into an overflow chunk of that batch. 'ring' or
   * 'batch' (the caller flushes the batch); undefined if it must be deep-copied and go by the
   * port instead (no ring, not plain data, too big for a chunk).
   */
  sendMessage(pid: number, msg: unknown): 'ring' | 'batch' | undefined {
    if (this.out === undefined) return undefined;
    try {
      if (this.items.length === 0 && this.ringOpen() && (this.ringMessage(pid, msg) || (this.waitForRoom() && this.ringMessage(pid, msg)))) return 'ring';
      return this.chunkMessage(pid, msg) ? 'batch' : undefined;
    } catch (err) {
      if (err === NOT_PLAIN) return undefined;
      throw err;
    }
  }

  private ringMessage(pid: number, msg: unknown): boolean {
    this.encodeTo = pid;
    this.encodeValue = msg;
    return this.ringWrite(this.writeMessage);
  }

  /** Set when a wait for room gave up: messages go by port batches until the reader has read half the ring (see "A full ring"). */
  private overflowing = false;

  /** Whether messages may go into the ring now (not while it overflows). */
  private ringOpen(): boolean {
    if (this.overflowing && this.out!.halfFree) this.overflowing = false;
    return !this.overflowing;
  }

  /**
   * Waits for the reader of the full out ring to free room: true once it did. False once the
   * reader's thread has not moved on (its heartbeat) for ROOM_STALL_MS: it is in a long
   * step, or itself waits for room in our ring; or after ROOM_WAIT_MS however busy it is
   * (while a process there catches up with its mailbox, it leaves its rings unread: see
   * Scheduler.drainRingsWhileBusy). It spins for ROOM_SPIN_MS, then sleeps in short naps:
   * with more threads than cores (8 schedulers on 2), a spinning writer would take the core
   * its reader needs.
   */
  private waitForRoom(): boolean {
    const ring = this.out!;
    // Room would not help a record over the ring's maxRecord: it takes a chunk or the port.
    if (ring.tooBig) return false;
    const at = ring.readAt;
    const thread = this.peerThread;
    thread.wake(this.peer);
    const start = performance.now();
    let beats = thread.beats(this.peer);
    let movedAt = start;
    for (let i = 1; ; i++) {
      if (ring.readAt !== at) return true;
      if ((i & 63) !== 0) continue;
      const now = performance.now();
      const beat = thread.beats(this.peer);
      if (beat !== beats) {
        beats = beat;
        movedAt = now;
      }
      if (now - movedAt >= ROOM_STALL_MS || now - start >= ROOM_WAIT_MS) {
        this.overflowing = true;
        return false;
      }
      if (now - start >= ROOM_SPIN_MS) ring.sleepWhileReadAt(at, ROOM_NAP_MS);
    }
  }

  /** Encodes a message into the open batch's last chunk, or a new one; false if it fits no chunk. Throws NOT_PLAIN. */
  private chunkMessage(pid: number, msg: unknown): boolean {
    const open = this.chunk !== undefined && this.chunk.at === this.items.length - 1 ? this.chunk : undefined;
    if (open !== undefined && encodeRecord(open.writer, pid, msg)) {
      this.envelopes++;
      return true;
    }
    for (const bytes of open !== undefined || this.chunk !== undefined ? [BIG_CHUNK_BYTES] : [CHUNK_BYTES, BIG_CHUNK_BYTES]) {
      const buffer = new ArrayBuffer(bytes);
      const writer = new PlainWriter(buffer, 0, bytes);
      writer.limit = bytes;
      if (!encodeRecord(writer, pid, msg)) continue;
      this.sealChunk();
      this.chunk = { buffer, writer, at: this.items.length };
      this.items.push(undefined);
      this.envelopes++;
      return true;
    }
    return false;
  }

  /** Puts the chunk being written into its place in `items`, its buffer moved by the post. */
  private sealChunk(): void {
    const chunk = this.chunk;
    if (chunk === undefined) return;
    this.chunk = undefined;
    this.items[chunk.at] = new Uint8Array(chunk.buffer, 0, chunk.writer.pos);
    this.chunkBuffers.push(chunk.buffer);
  }

  private chunk: Chunk | undefined;
  /** The buffers of the batch's chunks, moved with it (apart from `transfer`: a batch posted entry by entry moves each with its chunk). */
  private chunkBuffers: ArrayBuffer[] = [];

  /** Writes any other envelope into the ring (already a private copy); false as above. */
  ringEnvelope(envelope: Envelope): boolean {
    if (this.out === undefined || this.items.length !== 0) return false;
    this.encodeValue = envelope;
    try {
      return this.ringWrite(this.writeEnvelope);
    } catch (err) {
      if (err === NOT_PLAIN) return false;
      throw err;
    }
  }

  /** Writes one record into the ring; false if there is no room. Throws NOT_PLAIN (nothing written then). */
  private ringWrite(encode: (w: PlainWriter) => void): boolean {
    try {
      if (!this.out!.write(this.sendSeq, encode)) return false;
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
    this.sealChunk();
    const { items, transfer, chunkBuffers } = this;
    this.items = [];
    this.transfer = [];
    this.chunkBuffers = [];
    this.envelopes = 0;
    try {
      const moving = chunkBuffers.length === 0 ? transfer : [...transfer, ...chunkBuffers];
      this.port.postMessage([this.sendSeq, ...items] satisfies PeerBatch, moving.length ? moving : undefined);
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
      if (entry instanceof Uint8Array) {
        // An overflow chunk: its own buffer moves with it; nothing in it can fail to post.
        this.port.postMessage([this.sendSeq, entry] satisfies PeerBatch, [entry.buffer as ArrayBuffer]);
        this.sendSeq = (this.sendSeq + 1) | 0;
        continue;
      }
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

  /**
   * Whether the next record of our inbound ring waits for an earlier port batch: posted by
   * the writer when its ring was full, and not taken from the port yet (see NodeHost.drainRings).
   */
  get ringBlocked(): boolean {
    return this.in !== undefined && this.in.pending && this.in.nextSeq() !== this.recvSeq;
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
      else if (entry instanceof Uint8Array) this.readChunk(entry);
      else receiver.envelope(entry as Envelope);
    }
  }

  /** The messages of an overflow chunk, in order. */
  private readChunk(bytes: Uint8Array): void {
    const reader = new PlainReader(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    while (reader.pos < bytes.byteLength) {
      const pid = reader.float64();
      this.receiver.message(pid, reader.value());
    }
  }

  close(): void {
    this.port.close();
  }
}

/** Writes one chunk record, the target pid then the message; false (nothing written) if it does not fit. Throws NOT_PLAIN. */
function encodeRecord(writer: PlainWriter, pid: number, msg: unknown): boolean {
  const start = writer.pos;
  try {
    writer.float64(pid);
    writer.value(msg);
    return true;
  } catch (err) {
    writer.pos = start;
    if (err === NO_ROOM) return false;
    throw err;
  }
}
