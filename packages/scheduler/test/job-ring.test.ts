import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { JobRing } from '../src/job-ring.js';

const SIZES = { cells: 8, arenaBytes: 4096 };
const TAIL = 0;
const SCAN = 1;
const bytes = (n: number): Uint8Array => new Uint8Array([n]);

/** Runs `claim` and `ready` of the compiled ring in a worker, so a scan that never ends fails the test instead of hanging it. */
function inWorker(buffer: SharedArrayBuffer, timeoutMs: number): Promise<{ claimed: boolean; ready: number }> {
  const ringUrl = new URL('../dist/job-ring.js', import.meta.url).href;
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(${JSON.stringify(ringUrl)}).then(({ JobRing }) => {
      const ring = new JobRing(workerData.buffer, workerData.sizes);
      const claimed = ring.claim(() => true) !== undefined;
      parentPort.postMessage({ claimed, ready: ring.ready });
    });`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { buffer, sizes: SIZES } });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`claim/ready still scanning after ${timeoutMs} ms`));
    }, timeoutMs);
    worker.once('message', (result) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    });
    worker.once('error', reject);
  });
}

describe('JobRing', () => {
  it('a consumer whose TAIL is stale (SCAN already past it) scans nothing instead of running until the index wraps', async () => {
    const buffer = JobRing.create(SIZES);
    const ring = new JobRing(buffer, SIZES);
    for (let pid = 1; pid <= 5; pid++) ring.publish(pid, bytes(pid));
    for (let job = ring.claim(() => true); job; job = ring.claim(() => true)) ring.finish(job);
    // What a consumer sees when, between its load of TAIL and its load of SCAN, the producer
    // published more and another consumer raised SCAN past the TAIL it read.
    const control = new Int32Array(buffer, 0, 16);
    Atomics.store(control, SCAN, Atomics.load(control, TAIL) + 3);
    expect(await inWorker(buffer, 10_000)).toEqual({ claimed: false, ready: 0 });
  });

  it('a SCAN that lags more than a ring behind TAIL still finds the ready job, and ready counts at most a ring', () => {
    const ring = new JobRing(JobRing.create(SIZES), SIZES);
    // The owner takes its own jobs back by index, which never moves SCAN.
    for (let pid = 1; pid <= 20; pid++) ring.finish(ring.claimAt(ring.publish(pid, bytes(pid))!, pid)!);
    ring.publish(21, bytes(21));
    expect(ring.ready).toBe(1);
    const job = ring.claim(() => true);
    expect(job?.pid).toBe(21);
    expect(Array.from(job!.bytes)).toEqual([21]);
    expect(ring.ready).toBe(0);
  });

  it('jobs carry their group: a consumer sees it, counts its ready members, and a pair taken by a thief draws one later member after it', () => {
    const ring = new JobRing(JobRing.create(SIZES), SIZES);
    ring.publish(1, bytes(1), 7);
    ring.publish(2, bytes(2), 9);
    ring.publish(3, bytes(3), 7);
    expect(ring.readyInGroup(7, () => true)).toBe(2);
    expect(ring.readyInGroup(7, (pid) => pid !== 3)).toBe(1);
    const first = ring.claim((_pid, _at, group) => group === 7)!;
    expect([first.pid, first.group]).toEqual([1, 7]);
    ring.finish(first);
    // A thief (node 4) took group 7 from owner 1: one later member the owner claims follows it, no more.
    expect(ring.placeGroup(7, 4, 1, 1, false)).toBe(4);
    expect(ring.placeOf(7)).toBe(4);
    expect(ring.placeOf(9)).toBeUndefined();
    expect(ring.placeOwn(7, 1)).toBe(4);
    expect(ring.placeOwn(7, 1)).toBe(1);
    // Another thief finds the group placed: it goes there too.
    expect(ring.placeGroup(7, 5, 1, 1, false)).toBe(4);
  });

  it('places a group where a member started first: the owner or a thief, and the other sends its member there', () => {
    const ring = new JobRing(JobRing.create(SIZES), SIZES);
    // The owner (1) starts a member of group 9 first: a thief holding the other sends it to the owner.
    expect(ring.placeOwn(9, 1)).toBe(1);
    expect(ring.placeGroup(9, 4, 1, 1, false)).toBe(1);
    // Unless the owner's hold is over (its member started long ago and it did not get to the other).
    expect(ring.placeGroup(9, 4, 1, 1, true)).toBe(4);
    expect(ring.placeOwn(9, 1)).toBe(4);
    // A new group replaces the record; group 0 (none) is never placed.
    expect(ring.placeOwn(11, 1)).toBe(1);
    expect(ring.placeOf(9)).toBeUndefined();
    expect(ring.placeOwn(0, 1)).toBe(1);
    expect(ring.placeGroup(0, 4, 1, 1, false)).toBe(4);
    expect(ring.placeOf(0)).toBeUndefined();
    // Group ids whose keys would be 0 or negative when packed still round-trip.
    for (const group of [0x400000, -2, 0x7fffffff, -0x80000000]) {
      expect(ring.placeGroup(group, 120, 1, 1, false)).toBe(120);
      expect(ring.placeOf(group)).toBe(120);
      expect(ring.placeOwn(group, 1)).toBe(120);
      expect(ring.placeOwn(group, 1)).toBe(1);
    }
  });

  it('never hands out a newer job under an older index whose cell it reuses', () => {
    const ring = new JobRing(JobRing.create(SIZES), SIZES);
    const first = ring.publish(1, bytes(1))!;
    ring.finish(ring.claimAt(first, 1)!);
    // Publish until cell 0 is reused for index 8.
    for (let pid = 2; pid <= 8; pid++) ring.finish(ring.claimAt(ring.publish(pid, bytes(pid))!, pid)!);
    const reused = ring.publish(9, bytes(9))!;
    expect(reused & 7).toBe(first & 7);
    // The owner's handle on the old index does not take the new job.
    expect(ring.claimAt(first, 9)).toBeUndefined();
    expect(ring.claimAt(reused, 9)?.pid).toBe(9);
  });

  it('every published job is claimed exactly once across interleaved publishing and claiming', () => {
    const ring = new JobRing(JobRing.create(SIZES), SIZES);
    const seen: number[] = [];
    let next = 1;
    for (let round = 0; round < 50; round++) {
      for (let k = 0; k < (round % 5) + 1; k++) if (ring.publish(next, bytes(next & 255)) !== undefined) next++;
      for (let k = 0; k < (round % 3) + 1; k++) {
        const job = ring.claim(() => true);
        if (job) {
          seen.push(job.pid);
          ring.finish(job);
        }
      }
    }
    for (let job = ring.claim(() => true); job; job = ring.claim(() => true)) {
      seen.push(job.pid);
      ring.finish(job);
    }
    expect(seen).toEqual(Array.from({ length: next - 1 }, (_, i) => i + 1));
  });
});
