/**
 * Savina actor benchmarks: the same driver process on a single-thread runtime (one plain
 * Node thread, no VM), on the VM with 1 scheduler and with one per core. Trapezoid, Savina's
 * parallel one, also runs across the scheduler sweep for the speedup chart.
 */
import type { ProcessDefinition } from '@beamjs/runtime';
import { expectEqual, timeRuns } from '../harness/measure.js';
import type { Suite, SuiteContext } from '../harness/results.js';
import { withRuntime, withVM } from '../harness/runners.js';
import { runOnRuntime } from '../workloads/run-on-runtime.js';
import { pingPong } from '../workloads/savina/ping-pong.js';
import { threadRing } from '../workloads/savina/thread-ring.js';
import { counting } from '../workloads/savina/counting.js';
import { forkJoinThroughput } from '../workloads/savina/fork-join-throughput.js';
import { forkJoinCreation } from '../workloads/savina/fork-join-creation.js';
import { big } from '../workloads/savina/big.js';
import { chameneos } from '../workloads/savina/chameneos.js';
import { trapezoid, trapezoidSequential, type TrapezoidParams } from '../workloads/savina/trapezoid.js';

const MODULES = ['ping-pong', 'thread-ring', 'counting', 'fork-join-throughput', 'fork-join-creation', 'big', 'chameneos', 'trapezoid'].map(
  (m) => new URL(`../workloads/savina/${m}.ts`, import.meta.url),
);

interface ActorBench {
  name: string;
  def: ProcessDefinition<any, [any], any>;
  params: object;
  expected: unknown;
  note: string;
}

const n = (v: number): string => v.toLocaleString('en-US');

/** The Savina programs with their published default parameters (`--quick`: a fifth of the work). */
export function savinaBenches(quick: boolean): ActorBench[] {
  const k = quick ? 5 : 1;
  const pings = 40_000 / k;
  const ring = { actors: 100, hops: 100_000 / k };
  const messages = 1_000_000 / k;
  const fjt = { actors: 60, messages: 10_000 / k };
  const fjc = 40_000 / k;
  const bigP = { actors: 120, pings: 20_000 / k };
  const cham = { creatures: 100, meetings: 200_000 / k };
  return [
    { name: 'savina ping-pong', def: pingPong, params: { pings }, expected: pings, note: `${n(pings)} round trips between two actors, one message in flight` },
    { name: 'savina thread ring', def: threadRing, params: ring, expected: ring.hops % ring.actors, note: `${ring.actors} actors, token passed ${n(ring.hops)} times` },
    { name: 'savina counting', def: counting, params: { messages }, expected: messages, note: `${n(messages)} increments from one producer to one counter actor` },
    {
      name: 'savina fork-join throughput',
      def: forkJoinThroughput,
      params: fjt,
      expected: fjt.actors * fjt.messages,
      note: `${fjt.actors} actors x ${n(fjt.messages)} messages, sin^2 per message`,
    },
    { name: 'savina fork-join creation', def: forkJoinCreation, params: { actors: fjc }, expected: fjc, note: `${n(fjc)} processes spawned, one message each, answer and exit` },
    { name: 'savina big', def: big, params: bigP, expected: bigP.actors * bigP.pings, note: `${bigP.actors} actors x ${n(bigP.pings)} pings to random peers, each answered` },
    { name: 'savina chameneos', def: chameneos, params: cham, expected: 2 * cham.meetings, note: `${cham.creatures} creatures, ${n(cham.meetings)} meetings at one mall actor` },
  ];
}

function trapezoidParams(quick: boolean): TrapezoidParams {
  return { pieces: quick ? 1_000_000 : 4_000_000, workers: 64, left: 1, right: 5 };
}

export const savinaSuite: Suite = {
  name: 'savina',
  workloads: [...savinaBenches(false).map((b) => b.name), 'savina trapezoid'],
  async run(ctx: SuiteContext): Promise<void> {
    const list = savinaBenches(ctx.quick).filter((b) => ctx.selected(b.name));
    const trap = trapezoidParams(ctx.quick);
    const trapName = 'savina trapezoid';
    const trapNote = `integral with ${n(trap.pieces)} trapezoids split among ${trap.workers} actors`;
    const wantTrap = ctx.selected(trapName);
    const reps = { warmup: ctx.warmup, reps: ctx.reps };
    let trapExpected: number | undefined;

    if (wantTrap) {
      await ctx.workload(trapName, 'thread', async () => {
        const summary = await timeRuns(() => trapezoidSequential(trap), reps, (r) => {
          trapExpected ??= r;
          expectEqual(trapName, r, trapExpected);
        });
        ctx.record({ workload: trapName, runner: 'thread', unit: 'ms', better: 'lower', baseline: 'thread', summary, note: `${trapNote} (thread: the same sum in a plain loop)` });
      });
    }
    if (list.length > 0) {
      await withRuntime(async (rt) => {
        for (const b of list) {
          await ctx.workload(b.name, 'thread', async () => {
            const summary = await timeRuns(() => runOnRuntime(rt, b.def, b.params), reps, (r) => expectEqual(b.name, r, b.expected));
            ctx.record({ workload: b.name, runner: 'thread', unit: 'ms', better: 'lower', baseline: 'thread', summary, note: `${b.note} (thread: single-thread runtime)` });
          });
        }
      });
    }

    const counts = [...new Set([1, ctx.cores, ...(wantTrap ? ctx.sweep : [])])].sort((a, b) => a - b);
    for (const schedulers of counts) {
      const actors = schedulers === 1 || schedulers === ctx.cores ? list : [];
      if (actors.length === 0 && !wantTrap) continue;
      const runner = `vm-${schedulers}`;
      await withVM(schedulers, MODULES, async (vm) => {
        for (const b of actors) {
          await ctx.workload(b.name, runner, async () => {
            const summary = await timeRuns(() => vm.run(b.def, b.params), reps, (r) => expectEqual(b.name, r, b.expected));
            ctx.record({ workload: b.name, runner, unit: 'ms', better: 'lower', baseline: 'thread', summary, note: b.note });
          });
        }
        if (wantTrap) {
          await ctx.workload(trapName, runner, async () => {
            trapExpected ??= trapezoidSequential(trap);
            const summary = await timeRuns(() => vm.run(trapezoid, trap), reps, (r) => expectEqual(trapName, r, trapExpected));
            ctx.record({ workload: trapName, runner, unit: 'ms', better: 'lower', baseline: 'thread', summary, note: trapNote });
          });
        }
      });
    }
  },
};
