/**
 * Messaging: the local ring on one thread (single-thread runtime, and the VM with one
 * scheduler), then messages between two threads on the VM against two raw worker threads
 * joined by a MessagePort, in the same run: a stream (one postMessage per message, and
 * batches of 256) and ping-pong round trips.
 */
import type { VM } from '@beamjs/scheduler';
import { expectEqual, timeRuns, toRate } from '../harness/measure.js';
import type { Suite, SuiteContext } from '../harness/results.js';
import { withRuntime, withVM } from '../harness/runners.js';
import { RawPair } from '../raw/pair.js';
import { runOnRuntime } from '../workloads/run-on-runtime.js';
import { ring, type RingParams } from '../workloads/ring.js';
import { spawnBack } from '../workloads/spawn-back.js';
import { actorSink, isPingReport, isSinkReport, pinger, ponger, sink, source, type PingReport, type SinkReport } from '../workloads/cross-thread.js';

const MODULES = ['ring', 'cross-thread', 'spawn-back'].map((m) => new URL(`../workloads/${m}.ts`, import.meta.url));
const n = (v: number): string => v.toLocaleString('en-US');

const RING_KINDS = ['coroutine', 'actor'] as const;
const ringName = (kind: RingParams['kind']): string => `ring (${kind})`;
const STREAM = 'cross-thread stream';
export const RING_COROUTINE = ringName('coroutine');
export const SPAWN_BACK = 'spawn + reply';
export const ringHops = (quick: boolean): number => (quick ? 200_000 : 1_000_000);
export const spawnBackCount = (quick: boolean): number => (quick ? 200_000 : 1_000_000);
const PINGPONG = 'cross-thread ping-pong';

/** One stream on the VM: a sink bound to scheduler 0 (a coroutine or an actor), a source bound to scheduler 1. */
async function vmStream(vm: VM, count: number, kind: 'coroutine' | 'actor'): Promise<SinkReport> {
  // Bound (spawnWith scheduler), not only placed (spawnOn): the balancer may move a placed actor,
  // and the stream would stop crossing threads.
  const sinkPid = kind === 'coroutine' ? vm.spawnWith(sink, [count, vm.self], { scheduler: 0 }) : vm.spawnWith(actorSink, [count, vm.self], { scheduler: 0 });
  vm.spawnWith(source, [sinkPid, count], { scheduler: 1 });
  const report = (await vm.receive(isSinkReport)) as SinkReport;
  if (!report.inOrder || report.received !== count || report.scheduler !== 0) throw new Error(`stream went wrong: ${JSON.stringify(report)}`);
  return report;
}

async function vmPingPong(vm: VM, rounds: number): Promise<PingReport> {
  const pong = vm.spawnWith(ponger, [], { scheduler: 1 });
  vm.spawnWith(pinger, [pong, 1, rounds, vm.self], { scheduler: 0 });
  const report = (await vm.receive(isPingReport)) as PingReport;
  if (!report.inOrder || report.rounds !== rounds || report.scheduler === report.ponger) throw new Error(`ping-pong went wrong: ${JSON.stringify(report)}`);
  return report;
}

export const messagingSuite: Suite = {
  name: 'messaging',
  workloads: [...RING_KINDS.map(ringName), SPAWN_BACK, STREAM, PINGPONG],
  async run(ctx: SuiteContext): Promise<void> {
    const reps = { warmup: ctx.warmup, reps: ctx.reps };
    const ringParams = (kind: RingParams['kind']): RingParams => ({ processes: 1000, hops: ringHops(ctx.quick), kind });
    const kinds = RING_KINDS.filter((k) => ctx.selected(ringName(k)));
    const ringNote = `1,000 processes pass a token { n } ${n(ringParams('actor').hops)} times on one thread`;

    if (kinds.length > 0) {
      await withRuntime(async (rt) => {
        for (const kind of kinds) {
          const p = ringParams(kind);
          await ctx.workload(ringName(kind), 'thread', async () => {
            const times = await timeRuns(() => runOnRuntime(rt, ring, p), reps, (r) => expectEqual('ring', r, p.hops));
            ctx.record({ workload: ringName(kind), runner: 'thread', unit: 'hops/s', better: 'higher', baseline: 'thread', summary: toRate(times, p.hops), note: `${ringNote} (thread: single-thread runtime)` });
          });
        }
      });
      for (const schedulers of [...new Set([1, ctx.cores])]) {
        await withVM(schedulers, MODULES, async (vm) => {
          for (const kind of kinds) {
            const p = ringParams(kind);
            await ctx.workload(ringName(kind), `vm-${schedulers}`, async () => {
              const times = await timeRuns(() => vm.run(ring, p), reps, (r) => expectEqual('ring', r, p.hops));
              ctx.record({ workload: ringName(kind), runner: `vm-${schedulers}`, unit: 'hops/s', better: 'higher', baseline: 'thread', summary: toRate(times, p.hops) });
            });
          }
        });
      }
      if (kinds.includes('coroutine')) {
        // The same ring with AsyncLocalStorage tracking whose code runs (VMOptions.faultAttribution):
        // what the other mechanism would cost coroutines, measured in this run.
        const p = ringParams('coroutine');
        const runner = 'vm-1 async-hooks';
        await withVM(
          1,
          MODULES,
          (vm) =>
            ctx.workload(RING_COROUTINE, runner, async () => {
              const times = await timeRuns(() => vm.run(ring, p), reps, (r) => expectEqual('ring', r, p.hops));
              ctx.record({ workload: RING_COROUTINE, runner, unit: 'hops/s', better: 'higher', baseline: 'vm-1', summary: toRate(times, p.hops), note: `${ringNote}; vm-1 async-hooks: the VM with faultAttribution 'async-hooks' (AsyncLocalStorage), its "vs baseline" against vm-1` });
            }),
          { faultAttribution: 'async-hooks' },
        );
      }
    }

    if (ctx.selected(SPAWN_BACK)) {
      const count = spawnBackCount(ctx.quick);
      const note = `main spawns ${n(count)} processes that each send one message back, then receives them all (thread: single-thread runtime; vm-N: as a CLI script's main sees it)`;
      await withRuntime(async (rt) => {
        await ctx.workload(SPAWN_BACK, 'thread', async () => {
          const times = await timeRuns(() => runOnRuntime(rt, spawnBack, count), reps, (r) => expectEqual(SPAWN_BACK, r, count));
          ctx.record({ workload: SPAWN_BACK, runner: 'thread', unit: 'spawns/s', better: 'higher', baseline: 'thread', summary: toRate(times, count), note });
        });
      });
      for (const schedulers of [...new Set([1, ctx.cores])]) {
        await withVM(schedulers, MODULES, async (vm) => {
          await ctx.workload(SPAWN_BACK, `vm-${schedulers}`, async () => {
            const times = await timeRuns(() => vm.run(spawnBack, count), reps, (r) => expectEqual(SPAWN_BACK, r, count));
            ctx.record({ workload: SPAWN_BACK, runner: `vm-${schedulers}`, unit: 'spawns/s', better: 'higher', baseline: 'thread', summary: toRate(times, count), note });
          });
        });
      }
    }

    const wantStream = ctx.selected(STREAM);
    const wantPing = ctx.selected(PINGPONG);
    if (!wantStream && !wantPing) return;
    if (ctx.cores < 2) {
      ctx.log('cross-thread workloads need 2 cores: skipped');
      return;
    }
    const count = ctx.quick ? 200_000 : 1_000_000;
    const rounds = ctx.quick ? 5_000 : 20_000;
    const streamNote = `${n(count)} messages { seq } from a process on one thread to a process on another, checked in order (vm: the sink is a coroutine in receive; "actor sink": an actor)`;
    const pingNote = `${n(rounds)} round trips between two threads, one message in flight`;
    const vmRunner = `vm-${ctx.cores}`;

    if (wantStream) {
      const pair = await RawPair.streaming();
      try {
        for (const batch of [1, 256]) {
          const runner = `raw x${batch}`;
          await ctx.workload(STREAM, runner, async () => {
            const times = await timeRuns(() => pair.stream(count, batch), reps, (r) => {
              if (!r.inOrder || r.count !== count) throw new Error(`raw stream went wrong: ${JSON.stringify(r)}`);
            });
            ctx.record({
              workload: STREAM,
              runner,
              unit: 'msgs/s',
              better: 'higher',
              baseline: 'raw x256',
              summary: toRate(times, count),
              note: `${streamNote}; raw xB: two plain workers, postMessage of B messages at a time`,
            });
          });
        }
      } finally {
        await pair.close();
      }
    }
    if (wantPing) {
      const pair = await RawPair.pingPong();
      try {
        await ctx.workload(PINGPONG, 'raw', async () => {
          const times = await timeRuns(() => pair.pingPong(rounds), reps, (r) => {
            if (!r.inOrder || r.rounds !== rounds) throw new Error(`raw ping-pong went wrong: ${JSON.stringify(r)}`);
          });
          ctx.record({ workload: PINGPONG, runner: 'raw', unit: 'round trips/s', better: 'higher', baseline: 'raw', summary: toRate(times, rounds), note: `${pingNote}; raw: two plain workers, postMessage` });
        });
      } finally {
        await pair.close();
      }
    }
    await withVM(ctx.cores, MODULES, async (vm) => {
      if (wantStream) {
        // The coroutine sink is the target's figure; the actor sink shows what a receive costs on top.
        for (const kind of ['coroutine', 'actor'] as const) {
          const runner = kind === 'coroutine' ? vmRunner : `${vmRunner} actor sink`;
          await ctx.workload(STREAM, runner, async () => {
            const times = await timeRuns(() => vmStream(vm, count, kind), reps);
            ctx.record({ workload: STREAM, runner, unit: 'msgs/s', better: 'higher', baseline: 'raw x256', summary: toRate(times, count) });
          });
        }
      }
      if (wantPing) {
        await ctx.workload(PINGPONG, vmRunner, async () => {
          const times = await timeRuns(() => vmPingPong(vm, rounds), reps);
          ctx.record({ workload: PINGPONG, runner: vmRunner, unit: 'round trips/s', better: 'higher', baseline: 'raw', summary: toRate(times, rounds) });
        });
      }
    });
  },
};
