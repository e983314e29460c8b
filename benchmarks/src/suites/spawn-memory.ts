/**
 * Spawn rate and memory per idle process on the single-thread runtime (createRuntime): a
 * million processes if the heap allows it (the largest count it holds otherwise, said in
 * the report), measured with the garbage collector run before and after.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createRuntime, type Definition } from '@beamjs/runtime';
import { summarize, timeRuns, toRate } from '../harness/measure.js';
import type { Suite, SuiteContext } from '../harness/results.js';
import { empty, idleActor, idleCoroutine } from '../workloads/lifecycle.js';

const n = (v: number): string => v.toLocaleString('en-US');

/** `gc()` without starting Node with --expose-gc: the flag applies to contexts made after it is set. */
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A generous guess of an idle process's cost, to size the count to the heap (measured: well under 2 KB). */
const GUESS_BYTES = 2048;

/** The count to hold: `wanted`, or less if the heap limit would not hold it comfortably. */
function countThatFits(wanted: number): number {
  const stats = v8.getHeapStatistics();
  const room = (stats.heap_size_limit - stats.used_heap_size) * 0.6;
  if (wanted * GUESS_BYTES <= room) return wanted;
  return Math.max(10_000, Math.floor(room / GUESS_BYTES / 10_000) * 10_000);
}

interface IdleRun {
  spawnsPerSecond: number;
  bytesPerProcess: number;
}

/** Spawns `count` idle processes, waits until every one has started, and weighs them. */
async function holdIdle(def: Definition, count: number, gc: () => void): Promise<IdleRun> {
  const rt = createRuntime();
  try {
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    const start = performance.now();
    for (let i = 0; i < count; i++) rt.spawn(def);
    while (rt.snapshot().runQueue > 0) await settle();
    const ms = performance.now() - start;
    const alive = rt.snapshot().processes;
    if (alive !== count) throw new Error(`expected ${count} idle processes, found ${alive}`);
    gc();
    gc();
    const after = process.memoryUsage().heapUsed;
    return { spawnsPerSecond: (count * 1000) / ms, bytesPerProcess: (after - before) / count };
  } finally {
    await rt.stop(10_000);
  }
}

const KINDS = [
  ['actor', idleActor],
  ['coroutine', idleCoroutine],
] as const;

export const spawnMemorySuite: Suite = {
  name: 'spawn-memory',
  workloads: ['spawn empty', ...KINDS.flatMap(([k]) => [`spawn idle ${k}`, `memory idle ${k}`])],
  async run(ctx: SuiteContext): Promise<void> {
    const gc = exposeGc();
    const lifeCount = ctx.quick ? 200_000 : 1_000_000;
    await ctx.workload('spawn empty', 'thread', async () => {
      const rt = createRuntime();
      try {
        const times = await timeRuns(
          async () => {
            for (let i = 0; i < lifeCount; i++) rt.spawn(empty);
            while (rt.snapshot().runQueue > 0 || rt.snapshot().processes > 0) await settle();
          },
          { warmup: ctx.warmup, reps: ctx.reps },
        );
        ctx.record({
          workload: 'spawn empty',
          runner: 'thread',
          unit: 'spawns/s',
          better: 'higher',
          summary: toRate(times, lifeCount),
          note: `${n(lifeCount)} processes that return at once: spawn, run and exit (single-thread runtime)`,
        });
      } finally {
        await rt.stop(1000);
      }
    });

    const wanted = ctx.quick ? 200_000 : 1_000_000;
    // Each run holds up to a million processes for a few seconds: fewer runs than elsewhere.
    const runs = ctx.quick ? 1 : 3;
    for (const [kind, def] of KINDS) {
      const spawnName = `spawn idle ${kind}`;
      const memName = `memory idle ${kind}`;
      if (!ctx.selected(spawnName) && !ctx.selected(memName)) continue;
      // One set of runs gives both figures; named after whichever --only selected.
      await ctx.workload(ctx.selected(spawnName) ? spawnName : memName, 'thread', async () => {
        const count = countThatFits(wanted);
        const held = count === wanted ? `${n(count)} idle processes` : `${n(count)} idle processes (the most this heap of ${Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20)} MB holds comfortably; ${n(wanted)} wanted)`;
        const results: IdleRun[] = [];
        for (let i = 0; i < runs; i++) results.push(await holdIdle(def, count, gc));
        const what = kind === 'actor' ? 'actors between messages' : 'coroutines waiting in receive';
        ctx.record({
          workload: spawnName,
          runner: 'thread',
          unit: 'spawns/s',
          better: 'higher',
          summary: summarize(results.map((r) => r.spawnsPerSecond)),
          note: `${held}, ${what}: spawn calls until every one has started (single-thread runtime)`,
        });
        ctx.record({
          workload: memName,
          runner: 'thread',
          unit: 'B/process',
          better: 'lower',
          summary: summarize(results.map((r) => r.bytesPerProcess)),
          note: `${held}, ${what}: JS heap after minus before, after a full GC`,
        });
      });
    }
  },
};
