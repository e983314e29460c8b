import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VM } from '@beamjs/scheduler';
import { hog, spin } from './fixtures/procs.js';
import { isType, testVM } from './helpers.js';

describe('work stealing', () => {
  let vm: VM;
  beforeAll(async () => {
    ({ vm } = await testVM({ schedulers: 2 }));
  });
  afterAll(() => vm.stop());

  it('answers requests queued behind a scheduler stuck in a synchronous loop, from the other scheduler', async () => {
    const release = new SharedArrayBuffer(4);
    const requests = 100;
    const pid = vm.spawn(hog, requests, vm.self, release, 20_000);
    const answers: { id: number; scheduler: number }[] = [];
    while (answers.length < requests) answers.push((await vm.receive(isType('answer'))) as { id: number; scheduler: number });
    // Every request was answered while the hog still held its scheduler (what it sends is
    // still waiting on its blocked thread)...
    const hogScheduler = vm.schedulerOf(pid);
    Atomics.store(new Int32Array(release), 0, 1);
    const started = (await vm.receive(isType('hog-started'))) as { scheduler: number };
    const done = (await vm.receive(isType('hog-done'))) as { released: boolean };
    expect(done.released).toBe(true);
    expect(started.scheduler).toBe(hogScheduler);
    // ...by the other scheduler, taking them from the hog's queue without its help.
    expect(new Set(answers.map((a) => a.scheduler))).toEqual(new Set([1 - started.scheduler]));
    expect(new Set(answers.map((a) => a.id)).size).toBe(requests);
  });

  it('spreads CPU-bound jobs from the main thread over every scheduler', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => vm.run(spin, 30)));
    expect(new Set(results.map((r) => r.scheduler))).toEqual(new Set([0, 1]));
    const stats = await vm.stats();
    expect(stats.reduce((n, s) => n + s.steals, 0)).toBeGreaterThan(0);
  });

  it('runs every job exactly once when many are queued at once', async () => {
    const results = await vm.map(Array.from({ length: 500 }, (_, i) => i % 3), spin, { chunkSize: 1, concurrency: 64 });
    expect(results).toHaveLength(500);
    expect(new Set(results.map((r) => r.scheduler))).toEqual(new Set([0, 1]));
  });
});
