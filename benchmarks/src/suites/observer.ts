/**
 * What the web observer costs: the primes demo (examples/primes.ts: one process per chunk,
 * each sends its count to the main thread) on one VM, first with no observer, then with the
 * observer serving and nobody watching, then with its page open. "Page open" is a client on
 * the page's event stream, which makes the server do exactly what an open page makes it do
 * (a snapshot request to every scheduler per tick, at the default 1 s); drawing the page is
 * the browser's work, in another process. Idle and open runs alternate so drift hits both.
 */
import { loadDefinition, type ProcessDefinition } from '@beamjs/runtime';
import type { Observer, VM } from '@beamjs/scheduler';
import { expectEqual, median, summarize, timeRuns } from '../harness/measure.js';
import { withVM } from '../harness/runners.js';
import type { Suite, SuiteContext } from '../harness/results.js';
import { PRIMES_BELOW } from '../workloads/primes.js';

const EXAMPLE = new URL('../../../examples/primes.ts', import.meta.url);
const CHUNKS = 100;

type ChunkCounter = ProcessDefinition<never, [replyTo: number, chunk: number, from: number, to: number], void>;

/** The demo's main, from the main thread: spawn one counter per chunk, add up their answers. */
async function primesDemo(vm: VM, counter: ChunkCounter, bound: number): Promise<number> {
  const size = Math.ceil(bound / CHUNKS);
  let spawned = 0;
  for (let from = 0; from < bound; from += size) vm.spawn(counter, vm.self, spawned++, from, Math.min(bound, from + size));
  let total = 0;
  for (let i = 0; i < spawned; i++) total += ((await vm.receive()) as { primes: number }).primes;
  return total;
}

/** A page's worth of load on the observer: reads its event stream until `close`. */
async function openPage(observer: Observer, costs: number[]): Promise<{ close(): Promise<void>; events: () => number }> {
  const res = await fetch(new URL(`/events?token=${observer.token}`, observer.url));
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let events = 0;
  let text = '';
  const reading = (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      text += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const event = text.slice(0, end);
        text = text.slice(end + 2);
        const tick = /^event: tick\ndata: (.*)$/s.exec(event);
        if (!tick) continue;
        events++;
        costs.push((JSON.parse(tick[1]) as { processes: { costMs: number } }).processes.costMs);
      }
    }
  })();
  return {
    events: () => events,
    close: async () => {
      await reader.cancel().catch(() => undefined);
      await reading;
    },
  };
}

export const observerSuite: Suite = {
  name: 'observer',
  workloads: ['observer overhead (primes demo)'],
  async run(ctx: SuiteContext): Promise<void> {
    if (!ctx.selected('observer overhead (primes demo)')) return;
    const bound = ctx.quick ? 2_000_000 : 5_000_000;
    const expected = PRIMES_BELOW[bound];
    const note = `examples/primes.ts below ${bound.toLocaleString('en-US')}, ${CHUNKS} chunks`;
    const workload = 'observer overhead (primes demo)';
    const baseline = `vm-${ctx.cores}`;
    await withVM(ctx.cores, [EXAMPLE], async (vm) => {
      const counter = (await loadDefinition(`${EXAMPLE.href}#chunkCounter`)) as ChunkCounter;
      const run = () => primesDemo(vm, counter, bound);
      const check = (r: number) => expectEqual('primes below the bound', r, expected);
      await ctx.workload(workload, baseline, async () => {
        const summary = await timeRuns(run, { warmup: ctx.warmup, reps: ctx.reps }, check);
        ctx.record({ workload, runner: baseline, unit: 'ms', better: 'lower', baseline, summary, note: `${note}; no observer` });
      });
      const observer = await vm.observe();
      const idle: number[] = [];
      const open: number[] = [];
      let ticks = 0;
      const costs: number[] = [];
      await ctx.workload(workload, `${baseline} + page`, async () => {
        for (let i = 0; i < ctx.warmup + ctx.reps; i++) {
          const idleRun = await timeRuns(run, { warmup: 0, reps: 1 }, check);
          const page = await openPage(observer, costs);
          // The first snapshot happens as the page connects: measure from there.
          while (page.events() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
          const openRun = await timeRuns(run, { warmup: 0, reps: 1 }, check);
          ticks += page.events();
          await page.close();
          if (i < ctx.warmup) continue;
          idle.push(idleRun.median);
          open.push(openRun.median);
        }
        ctx.record({ workload, runner: `${baseline} + observer, nobody watching`, unit: 'ms', better: 'lower', baseline, summary: summarize(idle), note: `${note}; observer serving, no page` });
        ctx.record({
          workload,
          runner: `${baseline} + observer page open`,
          unit: 'ms',
          better: 'lower',
          baseline,
          summary: summarize(open),
          // Back-to-back pairs see the same machine load: their ratio is the steadier figure.
          note: `${note}; a client on the page's event stream, ${ticks} updates (1 per s) during the runs; page open / nobody watching, median of ${open.length} back-to-back pairs: ${median(open.map((t, k) => t / idle[k])).toFixed(3)}; a snapshot took ${median(costs).toFixed(2)} ms (median; at most ${Math.max(...costs).toFixed(2)} ms) on the slowest scheduler, once per 1 s tick`,
        });
      });
    });
  },
};
