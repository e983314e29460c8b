import { Serializer, deserialize } from 'node:v8';
import type { SpawnJob } from '@beamjs/runtime';
import { NOT_PLAIN, NO_ROOM, PlainReader, PlainWriter } from './plain-codec.js';

/**
 * The bytes of a spawn job in a job ring (job-ring.ts). Its arguments were deep-copied at
 * spawn: plain data (almost always) is written with plain-codec.ts, several times cheaper than
 * V8's serializer, which stays for the rest (typed arrays, Maps, Dates...). First byte: which.
 *
 * V8's own serializer rather than Node's `v8.serialize`: Node's writes each typed array as a
 * copy of its own bytes (views on one buffer come apart, and a view over a SharedArrayBuffer
 * arrives as a copy); V8's keeps views on their buffer and throws on shared memory, which must
 * travel by postMessage to stay shared. `v8.deserialize` reads it back.
 */
const PLAIN = 0;
const V8 = 1;
const MAX_PLAIN = 1 << 20;

let scratch = new ArrayBuffer(4096);
let writer = new PlainWriter(scratch, 0, scratch.byteLength);

export function encodeJob(job: SpawnJob): Uint8Array {
  for (;;) {
    writer.pos = 0;
    writer.limit = scratch.byteLength;
    try {
      writer.byte(PLAIN);
      writer.value(job);
      return new Uint8Array(scratch, 0, writer.pos);
    } catch (err) {
      if (err === NOT_PLAIN) break;
      if (err !== NO_ROOM || scratch.byteLength >= MAX_PLAIN) break;
      scratch = new ArrayBuffer(scratch.byteLength * 4);
      writer = new PlainWriter(scratch, 0, scratch.byteLength);
    }
  }
  // Throws for what v8 cannot serialize (a SharedArrayBuffer): the caller hands the job over by port.
  const serializer = new Serializer();
  serializer.writeHeader();
  serializer.writeValue(job);
  const v8 = serializer.releaseBuffer();
  const out = new Uint8Array(v8.length + 1);
  out[0] = V8;
  out.set(v8, 1);
  return out;
}

export function decodeJob(bytes: Uint8Array): SpawnJob {
  if (bytes[0] === V8) return deserialize(bytes.subarray(1)) as SpawnJob;
  const reader = new PlainReader(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  reader.pos = 1;
  return reader.value() as SpawnJob;
}
