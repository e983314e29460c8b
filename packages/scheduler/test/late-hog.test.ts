import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VM, VMEvent } from '@beamjs/scheduler';
import { endlessLoop, lateHog, whereAmI } from './fixtures/late-hog.js';
import { isType, testVM } from './helpers.js';

const LATE_HOG = new URL('./fixtures/late-hog.ts', import.meta.url);
const BOUND_MS = 10_000;

/** Polls until `found` returns something, or fails after BOUND_MS. */
async function until<T>(what: string, found: () => T | undefined): Promise<T> {
  const deadline = Date.now() + BOUND_MS;
  for (;;) {
    const value = found();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not seen within ${BOUND_MS} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('a process that holds its scheduler', () => {
  let vm: VM;
  let reports: VMEvent[];
  beforeAll(async () => {
    ({ vm, reports } = await testVM({ schedulers: 2, modules: [LATE_HOG], longScheduleMs: 200 }));
  });
  afterAll(() => vm.stop());

  it('after an await, does not keep work from main from being served by the other scheduler (invariant 6)', async () => {
    const release = new SharedArrayBuffer(4);
    // The hog cannot say it started (its messages wait on its blocked thread): the watchdog can.
    const pid = vm.spawn(lateHog, 50, vm.self, release, 30_000);
    const held = await until('the hog holding its scheduler', () => vm.statsNow().find((s) => s.holding?.pid === pid));
    const served = await Promise.race([
      Promise.all([vm.run(whereAmI), vm.run(whereAmI)]),
      new Promise<'unserved'>((resolve) => setTimeout(resolve, BOUND_MS, 'unserved')),
    ]);
    Atomics.store(new Int32Array(release), 0, 1);
    expect((await vm.receive(isType('late-hog-started'))) as { scheduler: number }).toMatchObject({ scheduler: held.id });
    expect((await vm.receive(isType('late-hog-done'))) as { released: boolean }).toMatchObject({ released: true });
    expect(served).toEqual([1 - held.id, 1 - held.id]);
  });

  it('after an await, is reported as a long schedule while it runs, with its pid and definition', async () => {
    const release = new SharedArrayBuffer(4);
    const pid = vm.spawn(lateHog, 20, vm.self, release, 30_000);
    const report = await until('a long_schedule report for the hog', () => reports.find((r) => r.type === 'long_schedule' && r.pid === pid));
    // Reported while the hog still holds its scheduler: it has not been released yet.
    expect(report).toMatchObject({ type: 'long_schedule', pid, name: 'lateHog', key: lateHog.key, running: true });
    Atomics.store(new Int32Array(release), 0, 1);
    expect((await vm.receive(isType('late-hog-done'))) as { released: boolean }).toMatchObject({ released: true });
    await until('the holding mark cleared', () => (vm.statsNow().some((s) => s.holding) ? undefined : true));
  });

  it('in an endless loop, is reported while it loops, and shown as holding in the stats', async () => {
    const pid = vm.spawn(endlessLoop, vm.self);
    const report = await until('a long_schedule report for the loop', () => reports.find((r) => r.type === 'long_schedule' && r.pid === pid));
    expect(report).toMatchObject({ type: 'long_schedule', pid, name: 'endlessLoop', running: true });
    const held = await until('the loop shown as holding', () => vm.statsNow().find((s) => s.holding?.pid === pid));
    expect(held.holding).toMatchObject({ pid, name: 'endlessLoop', key: endlessLoop.key });
    expect(held.holding!.ms).toBeGreaterThanOrEqual(200);
    // The other scheduler still serves work.
    expect(await vm.run(whereAmI)).toBe(1 - held.id);
  });
});
