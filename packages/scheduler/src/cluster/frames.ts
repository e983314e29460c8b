/**
 * A batch of signals on the wire: one NATS message when it fits the server's `max_payload`
 * (1 MB by default), else consecutive fragments. A node publishes a batch's fragments one after
 * the other on one subject, so they arrive in order; fragments of different sending nodes may
 * interleave, so each carries its sender's creation.
 *
 * Header: [kind, creation low byte, creation high byte], then the bytes.
 */
const WHOLE = 0;
const MORE = 1;
const LAST = 2;
const HEADER = 3;

export function frame(bytes: Uint8Array, from: number, maxPayload: number): Uint8Array[] {
  const room = Math.max(1, maxPayload - HEADER);
  if (bytes.length <= room) return [withHeader(WHOLE, from, bytes)];
  const frames: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += room) {
    const end = Math.min(bytes.length, at + room);
    frames.push(withHeader(end === bytes.length ? LAST : MORE, from, bytes.subarray(at, end)));
  }
  return frames;
}

function withHeader(kind: number, from: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + body.length);
  out[0] = kind;
  out[1] = from & 0xff;
  out[2] = from >> 8;
  out.set(body, HEADER);
  return out;
}

/** Puts fragments back together, per sending node. */
export class Defragmenter {
  private readonly partial = new Map<number, Uint8Array[]>();

  /** The whole batch once its last fragment is in, else undefined. */
  accept(data: Uint8Array): Uint8Array | undefined {
    const from = data[1]! | (data[2]! << 8);
    const body = data.subarray(HEADER);
    if (data[0] === WHOLE) return body;
    const parts = this.partial.get(from) ?? [];
    parts.push(body);
    if (data[0] === MORE) {
      this.partial.set(from, parts);
      return undefined;
    }
    this.partial.delete(from);
    return Buffer.concat(parts);
  }

  /** A node went down: a batch it left half-sent is dropped. */
  forget(from: number): void {
    this.partial.delete(from);
  }
}
