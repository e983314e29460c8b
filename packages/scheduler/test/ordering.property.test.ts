import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TIMEOUT, type Pid } from '@beamjs/runtime';
import type { VM } from '@beamjs/scheduler';
import { burstFeeder, busySequenceChecker, sequenceChecker, sequenceSender, type SeqMsg, type SeqReport } from './fixtures/procs.js';
import { isType, testVM } from './helpers.js';

describe('ordering across threads and migrations', () => {
  let vm: VM;
  beforeAll(async () => {
    // Three schedulers on two cores: more interleavings; no automatic balancing, so every
    // move is one the property asked for.
    ({ vm } = await testVM({ schedulers: 3, balanceIntervalMs: 0 }));
  });
  afterAll(() => vm.stop());

  it('delivers each sender\'s messages complete, in order and once, while receivers migrate at random', async () => {
    let migrations = 0;
    /** Receivers that handled messages on three schedulers or more: moved while the streams flowed. */
    let movedMidStream = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 50, max: 400 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 2 })), { minLength: 5, maxLength: 40 }),
        async (senders, receivers, count, moves) => {
          const receiverPids: Pid<SeqMsg>[] = [];
          for (let r = 0; r < receivers; r++) receiverPids.push(vm.spawnOn(r % vm.schedulers, sequenceChecker));
          const senderPids = Array.from({ length: senders }, (_, s) => vm.spawnOn((s + 1) % vm.schedulers, sequenceSender, receiverPids, count, vm.self));
          // Move receivers around, following the generated plan round and round, for as long as the streams flow.
          let streaming = true;
          const mover = (async () => {
            for (let i = 0; streaming; i++) {
              const [which, to] = moves[i % moves.length];
              if (await vm.migrate(receiverPids[which % receivers], to)) migrations++;
              await new Promise((resolve) => setImmediate(resolve));
            }
          })();
          for (let s = 0; s < senders; s++) await vm.receive(isType('sent'));
          streaming = false;
          await mover;
          for (const r of receiverPids) {
            const report = await settledReport(vm, r, senders * count);
            expect(report.errors).toEqual([]);
            if (report.schedulers.length > 2) movedMidStream++;
            expect(report.received).toBe(senders * count);
            for (const s of senderPids) expect(report.last[s]).toBe(count - 1);
          }
          for (const r of receiverPids) vm.context.exit(r, 'kill');
        },
      ),
      { numRuns: 12 },
    );
    // The property is only meaningful if receivers really moved while messages were flowing.
    expect(migrations).toBeGreaterThan(0);
    expect(movedMidStream).toBeGreaterThan(0);
  });
});

describe('ordering across threads while the balancer moves receivers', () => {
  let vm: VM;
  beforeAll(async () => {
    // Short rounds and no hand-made moves: every move here is the balancer's or a steal request's.
    ({ vm } = await testVM({ schedulers: 2, balanceIntervalMs: 5 }));
  });
  afterAll(() => vm.stop());

  it('delivers each sender\'s messages complete, in order and once, while busy receivers are balanced', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 3 }),
        fc.integer({ min: 60, max: 250 }),
        async (senders, receivers, count) => {
          // CPU-bound receivers, all started on scheduler 0: it is saturated, scheduler 1 idle.
          const receiverPids: Pid<SeqMsg>[] = [];
          for (let r = 0; r < receivers; r++) receiverPids.push(vm.spawnOn(0, busySequenceChecker, 0.6));
          const senderPids = Array.from({ length: senders }, () => vm.spawnOn(1, sequenceSender, receiverPids, count, vm.self));
          for (let s = 0; s < senders; s++) await vm.receive(isType('sent'));
          for (const r of receiverPids) {
            const report = await settledReport(vm, r, senders * count);
            expect(report.errors).toEqual([]);
            expect(report.received).toBe(senders * count);
            for (const s of senderPids) expect(report.last[s]).toBe(count - 1);
          }
          for (const r of receiverPids) vm.context.exit(r, 'kill');
        },
      ),
      { numRuns: 8 },
    );
    // Meaningful only if the balancer really moved receivers while the streams flowed.
    const moved = vm.migrations().filter((m) => m.name === 'busySequenceChecker' && m.why !== 'explicit');
    expect(moved.length).toBeGreaterThan(0);
  });
});

/**
 * The receiver's report once everything sent has arrived. The senders' 'sent' and this request
 * come from other threads than the senders' messages, in no fixed order, so a report may be
 * asked before the last messages land: ask again (bounded; a real loss fails the count).
 */
async function settledReport(vm: VM, r: Pid<SeqMsg>, expected: number): Promise<SeqReport> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    vm.send(r, { type: 'report', to: vm.self as Pid<SeqReport> });
    const report = (await vm.receive((m) => isType('seq-report')(m) && (m as SeqReport).self === r)) as SeqReport;
    if (report.received >= expected || Date.now() > deadline) return report;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('ordering of messages sent to a process right after its spawn', () => {
  let vm: VM;
  beforeAll(async () => {
    // Thieves may take a job the moment it is published: they race the spawner's first sends.
    ({ vm } = await testVM({ schedulers: 2, stealAfterMs: 0, balanceIntervalMs: 5 }));
  });
  afterAll(() => vm.stop());

  it('delivers every message complete, in order and once, whether the job carries them, holds them, starts at once or is stolen', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 1, max: 3 }),
        // Around the 8 messages a job carries: 0 (nothing to carry) to well past it (started at once).
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 2 }),
        async (scheduler, rounds, burst, busyMs) => {
          const feeder = vm.spawnOn(scheduler, burstFeeder, rounds, burst, busyMs, vm.self);
          // Bounded, so that a lost message fails with its seed instead of the test's timeout.
          const fed = (await vm.receive((m) => isType('fed')(m) && m.self === feeder, 5000)) as { report: SeqReport };
          expect(fed, `no report from feeder ${feeder}: ${JSON.stringify(vm.isAlive(feeder) ? await vm.processInfo(feeder) : 'exited')}; stats ${JSON.stringify(await vm.stats())}`).not.toBe(TIMEOUT);
          expect(fed.report.errors).toEqual([]);
          expect(fed.report.received).toBe(rounds * burst);
        },
      ),
      { numRuns: 25 },
    );
  });
});
