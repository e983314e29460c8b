import { afterEach, describe, expect, it } from 'vitest';
import { DynamicSupervisor, GenServer, type Pid } from '@beamjs/runtime';
import type { VM, VMEvent } from '@beamjs/scheduler';
import { coroutineWorker, jobQueue, longCallback, poolWorker, startLocalWorkers, type Step } from './fixtures/pool.js';
import { rallyPair } from './fixtures/procs.js';
import { isType, testVM } from './helpers.js';

const POOL = new URL('./fixtures/pool.ts', import.meta.url);
const PROCS = new URL('./fixtures/procs.ts', import.meta.url);

/**
 * Long-lived busy workers spread over the schedulers: by placement at spawn (supervisors'
 * children, which cannot all stay on their supervisor's scheduler), and by the balancer (which
 * looks at utilization, not only run-queue length). Assertions are on where each worker's
 * steps ran, and on balancing rounds counted by the schedulers, never on time.
 */
describe('long-lived workers spread over the schedulers', () => {
  let vm: VM | undefined;
  let reports: VMEvent[] = [];
  afterEach(async () => {
    await vm?.stop(200);
    vm = undefined;
  });

  async function start(options: Parameters<typeof testVM>[0] = {}): Promise<VM> {
    ({ vm, reports } = await testVM({ schedulers: 2, balanceIntervalMs: 20, modules: [POOL], ...options }));
    return vm;
  }

  /** Collects step reports until `enough` says so (or `limit` steps: then the assertions fail, not hang). */
  async function steps(v: VM, enough: (seen: Step[]) => boolean, limit = 4000): Promise<Step[]> {
    const seen: Step[] = [];
    while (!enough(seen) && seen.length < limit) seen.push((await v.receive(isType('step'))) as unknown as Step);
    return seen;
  }

  const rounds = (v: VM): number => Math.max(...v.statsNow().map((s) => s.balanceRounds));
  const lastScheduler = (seen: Step[]): Map<number, number> => new Map(seen.map((s) => [s.worker, s.scheduler]));
  const onBoth = (seen: Step[]): boolean => new Set([...lastScheduler(seen).values()]).size === 2;

  it('four CPU-bound GenServer workers under a DynamicSupervisor run on both schedulers', async () => {
    const v = await start();
    const me = v.context;
    const queue = await GenServer.start(me, jobQueue, [-1]);
    const sup = await DynamicSupervisor.start(me);
    for (let i = 0; i < 4; i++) await DynamicSupervisor.startChild(me, sup, { start: { def: poolWorker, args: [queue as Pid<unknown>, 3, v.self] } });
    const seen = await steps(v, (s) => lastScheduler(s).size === 4 && s.length >= 40);
    // Placed two and two (supervisors' children spread); balancing may shift one later.
    expect(onBoth(seen)).toBe(true);
    expect(rounds(v)).toBeLessThanOrEqual(200);
  });

  it('the balancer moves busy GenServer workers that all started on one scheduler to the idle one, within a bounded number of rounds', async () => {
    // Jobs of the starter stay its own (long stealAfterMs): all four workers start on scheduler 0.
    const v = await start({ stealAfterMs: 5000 });
    const queue = await GenServer.start(v.context, jobQueue, [-1], { scheduler: 0 });
    v.spawnOn(0, startLocalWorkers, 4, queue as Pid<unknown>, 3, v.self);
    expect(await v.receive(isType('started'))).toMatchObject({ scheduler: 0 });
    const startRound = rounds(v);
    const seen = await steps(v, onBoth);
    expect(onBoth(seen)).toBe(true);
    expect(rounds(v) - startRound).toBeLessThanOrEqual(40);
    // The workers' own steps ran on scheduler 1 after a move the VM recorded.
    const moved = v.migrations().filter((m) => m.name === 'poolWorker' && m.why !== 'explicit');
    expect(moved.length).toBeGreaterThan(0);
    expect(seen.some((s) => s.scheduler === 1 && moved.some((m) => m.pid === s.worker))).toBe(true);
  });

  it('four coroutine workers under a DynamicSupervisor start two on each scheduler and stay there', async () => {
    const v = await start();
    const me = v.context;
    const queue = await GenServer.start(me, jobQueue, [-1]);
    const sup = await DynamicSupervisor.start(me);
    for (let i = 0; i < 4; i++) await DynamicSupervisor.startChild(me, sup, { start: { def: coroutineWorker, args: [queue as Pid<unknown>, 3, v.self] } });
    const seen = await steps(v, (s) => lastScheduler(s).size === 4 && s.length >= 40);
    const where = lastScheduler(seen);
    expect([...where.values()].filter((s) => s === 0)).toHaveLength(2);
    // A started coroutine never moves: every step of a worker ran where it started.
    for (const step of seen) expect(step.scheduler).toBe(where.get(step.worker));
  });

  it('a chatty pair (spawn, then send, then ping-pong) stays on one scheduler while balancing runs', async () => {
    // The pair's module is loaded up front: importing it on first spawn fills scheduler 0's
    // first load window with a few steps and a long import, which reads as saturated and
    // CPU-bound, and an idle peer's steal request then takes one of the pair (a load-meter
    // weakness, not what this test is about).
    const v = await start({ balanceIntervalMs: 20, stealAfterMs: 500, modules: [POOL, PROCS] });
    v.spawnOn(0, rallyPair, 5_000, v.self);
    const done = (await v.receive(isType('rally-done'))) as { schedulers: number[] };
    expect({ schedulers: done.schedulers, moves: v.migrations() }).toEqual({ schedulers: [0, 0], moves: [] });
    expect(rounds(v)).toBeGreaterThan(0);
  });

  it('a long synchronous callback is reported and does not keep the other workers from being balanced', async () => {
    const v = await start({ stealAfterMs: 5000, longScheduleMs: 100 });
    const queue = await GenServer.start(v.context, jobQueue, [-1], { scheduler: 0 });
    const hog = await GenServer.start(v.context, longCallback, [], { scheduler: 0 });
    v.spawnOn(0, startLocalWorkers, 4, queue as Pid<unknown>, 3, v.self);
    await v.receive(isType('started'));
    GenServer.cast(v.context, hog, 300);
    const seen = await steps(v, onBoth);
    expect(onBoth(seen)).toBe(true);
    for (let i = 0; i < 200 && !reports.some((r) => r.type === 'long_schedule' && r.pid === hog); i++) await new Promise((r) => setTimeout(r, 10));
    expect(reports.find((r) => r.type === 'long_schedule' && r.pid === hog)).toMatchObject({ name: 'longCallback' });
    // Bound with `scheduler`: the balancer left the hog where it was.
    expect(v.schedulerOf(hog)).toBe(0);
  });

  it('rejects a scheduler id that does not exist, and scheduler with placement, naming the fix', async () => {
    const v = await start();
    expect(() => v.context.spawnWith(poolWorker as never, [] as never, { scheduler: 2 })).toThrow(/scheduler id from 0 to 1/);
    expect(() => v.context.spawnWith(poolWorker as never, [] as never, { scheduler: 0, placement: 'spread' })).toThrow(/exclude each other/);
    expect(() => v.context.spawnWith(poolWorker as never, [] as never, { placement: 'far' as never })).toThrow(/'spread' or 'local'/);
  });
});
