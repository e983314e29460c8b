import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Pid } from '@beamjs/runtime';
import type { VM } from '@beamjs/scheduler';
import { busySequenceChecker, sequenceChecker, spin, type SeqMsg, type SeqReport } from './fixtures/procs.js';
import { burstSender, chatter, echo, type PayloadKind } from './fixtures/transport-procs.js';
import { FIXTURES, isType, testVM } from './helpers.js';

const TRANSPORT_FIXTURES = new URL('./fixtures/transport-procs.ts', import.meta.url);

/**
 * The receiver's report once it has `expected` messages (or after 20 s). Signals from two
 * threads have no order between them: the request from the main thread may overtake the
 * last messages of a sender on another scheduler, so ask until they are all in.
 */
async function report(vm: VM, receiver: Pid<SeqMsg>, expected: number): Promise<SeqReport> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    vm.send(receiver, { type: 'report', to: vm.self as Pid<SeqReport> });
    const got = (await vm.receive((m) => isType('seq-report')(m) && (m as SeqReport).self === receiver, 20_000)) as SeqReport;
    if (got.received >= expected || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the transport between schedulers (shared-memory rings, the port for the rest)', () => {
  let vm: VM;
  beforeAll(async () => {
    ({ vm } = await testVM({ schedulers: 3, balanceIntervalMs: 0, modules: [FIXTURES, TRANSPORT_FIXTURES] }));
  });
  afterAll(() => vm.stop());

  it('keeps each sender\'s messages complete, in order and once when they mix the ring and the port (large, not plain data) while receivers migrate', async () => {
    let migrations = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<PayloadKind>('small', 'small', 'nested', 'large', 'map'), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 20, max: 300 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 10 }),
        async (kinds, senders, count, moves) => {
          const receiver = vm.spawnOn(0, sequenceChecker);
          const senderPids = Array.from({ length: senders }, (_, s) => vm.spawnOn(1 + (s % 2), burstSender, receiver, count, kinds, vm.self));
          let streaming = true;
          const mover = (async () => {
            for (let i = 0; streaming; i++) {
              if (await vm.migrate(receiver, moves[i % moves.length])) migrations++;
              await new Promise((resolve) => setImmediate(resolve));
            }
          })();
          for (let s = 0; s < senders; s++) await vm.receive(isType('sent'), 20_000);
          streaming = false;
          await mover;
          const got = await report(vm, receiver, senders * count);
          expect(got.errors).toEqual([]);
          expect(got.received).toBe(senders * count);
          for (const s of senderPids) expect(got.last[s]).toBe(count - 1);
          vm.context.exit(receiver, 'kill');
        },
      ),
      { numRuns: 10 },
    );
    expect(migrations).toBeGreaterThan(0);
  });

  it('loses nothing and keeps the order when the ring fills up behind a receiver stuck in a synchronous loop', async () => {
    const receiver = vm.spawnOn(0, sequenceChecker);
    // Scheduler 0 is held for 500 ms; 30,000 messages are far more than one ring holds.
    const hog = vm.spawnOn(0, spin, 500);
    const hogDone = vm.waitFor(hog);
    await new Promise((r) => setTimeout(r, 50));
    const count = 30_000;
    const sender = vm.spawnOn(1, burstSender, receiver, count, ['small', 'nested'], vm.self);
    await vm.receive(isType('sent'), 20_000);
    await hogDone;
    const got = await report(vm, receiver, count);
    expect(got.errors).toEqual([]);
    expect(got.received).toBe(count);
    expect(got.last[sender]).toBe(count - 1);
    vm.context.exit(receiver, 'kill');
  });

  it('loses nothing and keeps the order when a stream outruns its reader (the writer waits for room, the reader holds back while it catches up)', async () => {
    // ~3 us of work per message: the sender (~0.5 us per send) is far ahead, fills the ring,
    // waits for room, and the reader's mailbox gets long enough for it to leave its rings
    // unread for a while. How long the mailbox gets depends on the machine's load (a reader
    // the OS deschedules for 10 ms sends the writer to the port), so it is not asserted here.
    const receiver = vm.spawnOn(0, busySequenceChecker, 0.003);
    const count = 100_000;
    const sender = vm.spawnOn(1, burstSender, receiver, count, ['small', 'small', 'small', 'nested'], vm.self);
    await vm.receive(isType('sent'), 20_000);
    const got = await report(vm, receiver, count);
    expect(got.errors).toEqual([]);
    expect(got.received).toBe(count);
    expect(got.last[sender]).toBe(count - 1);
    vm.context.exit(receiver, 'kill');
  });

  it('ends its spin: after a conversation between two schedulers they sleep again and use almost no CPU', async () => {
    const partner = vm.spawnOn(2, echo);
    vm.spawnOn(0, chatter, partner, 2000, vm.self);
    expect(((await vm.receive(isType('chatted'), 20_000)) as { rounds: number }).rounds).toBe(2000);
    // The conversation ended: within a moment every scheduler is asleep, not spinning.
    const deadline = Date.now() + 5000;
    while (!vm.statsNow().every((s) => s.sleeping) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(vm.statsNow().map((s) => s.sleeping)).toEqual([true, true, true]);
    const before = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 500));
    const used = process.cpuUsage(before);
    // A scheduler that kept spinning would burn ~500 ms here.
    expect((used.user + used.system) / 1000).toBeLessThan(100);
  });
});
