/**
 * The Erlang/OTP reference, measured in the same run: when `erl` is on the PATH (Debian's
 * `erlang-base`), the Erlang versions of the same workloads (benchmarks/erlang/beam_bench.erl)
 * run with `erl +S 1` and `+S <cores>`, as rows `otp-1` / `otp-N` beside the VM's `vm-1` /
 * `vm-N`. Without it the suite records nothing and the targets say "not installed".
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize, toRate } from '../harness/measure.js';
import type { Suite, SuiteContext } from '../harness/results.js';
import { savinaBenches } from './savina.js';
import { ringHops, spawnBackCount, RING_COROUTINE, SPAWN_BACK } from './messaging.js';

const SOURCE = fileURLToPath(new URL('../../erlang/beam_bench.erl', import.meta.url));

let installed: boolean | undefined;
/**
 * Whether `erl` and `erlc` can be run here. `erlc -help` exits with 1 on OTP 25 (Debian 12's
 * erlang-base), so erlc counts as present when it could be started at all.
 */
export function erlangInstalled(): boolean {
  installed ??= spawnSync('erlc', ['-help'], { stdio: 'ignore' }).error === undefined && spawnSync('erl', ['-noshell', '-eval', 'halt().'], { stdio: 'ignore' }).status === 0;
  return installed;
}

interface ErlangRun {
  workload: string;
  fn: string;
  args: number[];
  /** For rate rows: the count the rate is per (hops, spawns). */
  rate?: { count: number; unit: string };
}

function runs(quick: boolean): ErlangRun[] {
  const fns: Record<string, string> = {
    'savina ping-pong': 'pingpong',
    'savina thread ring': 'threadring',
    'savina counting': 'counting',
    'savina fork-join throughput': 'fjthroughput',
    'savina fork-join creation': 'fjcreation',
    'savina big': 'big',
    'savina chameneos': 'chameneos',
  };
  const out: ErlangRun[] = savinaBenches(quick).map((b) => ({ workload: b.name, fn: fns[b.name], args: Object.values(b.params) as number[] }));
  const hops = ringHops(quick);
  out.push({ workload: RING_COROUTINE, fn: 'ring', args: [1000, hops], rate: { count: hops, unit: 'hops/s' } });
  const count = spawnBackCount(quick);
  out.push({ workload: SPAWN_BACK, fn: 'spawn', args: [count], rate: { count, unit: 'spawns/s' } });
  return out;
}

export const erlangSuite: Suite = {
  name: 'erlang',
  workloads: runs(false).map((r) => r.workload),
  async run(ctx: SuiteContext): Promise<void> {
    const selected = runs(ctx.quick).filter((r) => ctx.selected(r.workload));
    if (selected.length === 0) return;
    if (!erlangInstalled()) {
      ctx.log('erl is not installed (Debian: apt-get install erlang-base): the Erlang/OTP column says "not installed"');
      return;
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'beamjs-erl-'));
    try {
      execFileSync('erlc', ['-o', dir, SOURCE]);
      for (const schedulers of [...new Set([1, ctx.cores])]) {
        const runner = `otp-${schedulers}`;
        for (const r of selected) {
          await ctx.workload(r.workload, runner, async () => {
            const out = execFileSync('erl', ['-noshell', `+S`, String(schedulers), '-pa', dir, '-run', 'beam_bench', 'main', r.fn, String(ctx.reps), ...r.args.map(String), '-s', 'init', 'stop'], {
              encoding: 'utf8',
              timeout: 600_000,
            });
            const times = [...out.matchAll(/^ms ([\d.]+)/gm)].map((m) => Number(m[1]));
            if (times.length !== ctx.reps) throw new Error(`erl printed ${times.length} timings, not ${ctx.reps}: ${out.slice(0, 500)}`);
            const summary = r.rate ? toRate(summarize(times), r.rate.count) : summarize(times);
            ctx.record({
              workload: r.workload,
              runner,
              unit: r.rate?.unit ?? 'ms',
              better: r.rate ? 'higher' : 'lower',
              baseline: 'thread',
              summary,
              note: `otp-N: Erlang/OTP (${erlVersion()}) with erl +S N, the same workload in benchmarks/erlang/beam_bench.erl`,
            });
          });
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

function erlVersion(): string {
  const out = spawnSync('erl', ['-noshell', '-eval', 'io:format("~s", [erlang:system_info(otp_release)]), halt().'], { encoding: 'utf8' });
  return `OTP ${out.stdout.trim() || '?'}`;
}
