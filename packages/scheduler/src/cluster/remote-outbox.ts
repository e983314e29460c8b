import { creationOf, deepCopy } from '@beamjs/runtime';
import type { Envelope } from '../protocol.js';
import { RecordWriter, unsendable } from './batch-codec.js';

/**
 * A scheduler's messages to other nodes' pids, encoded where they are sent.
 *
 * Without it a remote message was copied four times on this node: deep-copied at the send,
 * structured-cloned to the main thread (write and read), then serialized into the gateway's
 * batch. Here the send encodes it once into the batch's wire format (that encoding is its copy)
 * and, at the scheduler's next flush, the main thread gets one chunk of bytes per destination
 * node that its gateway appends to the batch as it is (`Gateway.forward`).
 *
 * Order: a chunk is posted to the main thread before any other signal this scheduler routes to
 * another node after it (NodeHost.routeForeign drains the outbox first), so the sends of one
 * process reach the gateway in the order it made them; and each message counts in the
 * directory's `outgoing` for its sender until the main thread has taken its chunk, so the
 * process does not migrate meanwhile (see gateway.ts).
 */
/** A chunk is posted once it holds this many messages, or bytes. */
const CHUNK_MESSAGES = 512;
const CHUNK_BYTES = 256 * 1024;

export class RemoteOutbox {
  private readonly boxes = new Map<number, { chunk: RecordWriter; count: number; senders: Map<number, number> }>();

  constructor(
    private readonly nodes: { isUp(creation: number): boolean },
    /** The directory's per-slot count of remote sends not yet taken by the gateway. */
    private readonly outgoing: Int32Array,
  ) {}


  /**
   * A message from the process in slot `senderSlot` for `to`, a pid of another node. Throws the
   * typed error of a message that cannot be cloned, with nothing queued. A message for a node
   * that is not up vanishes, as in Erlang. True once a chunk is big enough to be posted now
   * (as a port batch is at BATCH_MAX envelopes) rather than at the scheduler's next flush.
   */
  message(to: number, msg: unknown, senderSlot: number): boolean {
    const creation = creationOf(to);
    if (!this.nodes.isUp(creation)) {
      deepCopy(msg);
      return false;
    }
    let box = this.boxes.get(creation);
    if (box === undefined) {
      box = { chunk: new RecordWriter(), count: 0, senders: new Map() };
      this.boxes.set(creation, box);
    }
    box.chunk.add({ kind: 'message', to, msg }, (_signal, err) => unsendable(creation, err), true);
    box.count++;
    box.senders.set(senderSlot, (box.senders.get(senderSlot) ?? 0) + 1);
    Atomics.add(this.outgoing, senderSlot, 1);
    return box.count >= CHUNK_MESSAGES || box.chunk.size >= CHUNK_BYTES;
  }

  /** Hands every pending chunk to `post` (for the main thread), in one envelope per destination node. */
  drain(post: (envelope: Envelope) => void): void {
    for (const [creation, box] of this.boxes) {
      if (box.count === 0) continue;
      const senders: number[] = [];
      for (const [slot, n] of box.senders) senders.push(slot, n);
      const envelope: Envelope = { kind: 'remoteChunk', creation, records: box.chunk.take(), count: box.count, senders };
      // Emptied before it is posted: posting may flush, and a flush drains again.
      box.count = 0;
      box.senders.clear();
      post(envelope);
    }
  }
}
