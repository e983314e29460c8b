/**
 * `pnpm bench [--quick] [--only name,...] [--reps n]`: runs the suites, prints the tables,
 * and writes results/<date>.json, results/latest.md and results/speedup.svg. Targets are
 * reported, never asserted: the exit code is 1 only if a workload failed (an exception or
 * a wrong answer).
 */
import os from 'node:os';
import path from 'node:path';
import { describeMachine, machineLine } from './harness/machine.js';
import { summarize } from './harness/measure.js';
import { measurementTable, targetTable, toMarkdown, toText, workloadNotes } from './harness/report-table.js';
import { writeResults, type RunRecord } from './harness/results-json.js';
import type { Measurement, RunError, Suite, SuiteContext, SuiteOptions } from './harness/results.js';
import { vmProblems } from './harness/runners.js';
import { speedupChart } from './harness/svg-chart.js';
import { evaluateTargets } from './harness/targets.js';
import { cpuSuite } from './suites/cpu.js';
import { savinaSuite } from './suites/savina.js';
import { messagingSuite } from './suites/messaging.js';
import { spawnMemorySuite } from './suites/spawn-memory.js';
import { microSuite } from './suites/micro.js';
import { workerPoolSuite } from './suites/worker-pool.js';
import { transferSuite } from './suites/transfer.js';
import { observerSuite } from './suites/observer.js';
import { distributionSuite } from './suites/distribution.js';
import { erlangInstalled, erlangSuite } from './suites/erlang.js';

const SUITES: Suite[] = [cpuSuite, workerPoolSuite, savinaSuite, messagingSuite, spawnMemorySuite, microSuite, transferSuite, observerSuite, distributionSuite, erlangSuite];

interface Args {
  quick: boolean;
  only: string[];
  reps: number | undefined;
  help: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, only: [], reps: undefined, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const eq = arg.indexOf('=');
      if (eq >= 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--') continue;
    else if (arg === '--quick') args.quick = true;
    else if (arg === '--help' || arg === '-h') args.help = true;
    else if (arg === '--only' || arg.startsWith('--only=')) args.only.push(...value().split(',').map((s) => s.trim()).filter(Boolean));
    else if (arg === '--reps' || arg.startsWith('--reps=')) {
      args.reps = Number(value());
      if (!Number.isInteger(args.reps) || args.reps < 1) throw new Error(`--reps needs a whole number >= 1`);
    } else throw new Error(`unknown argument ${JSON.stringify(arg)} (try --help)`);
  }
  return args;
}

/** A name as typed on the command line: `savina ping-pong` -> `savina-ping-pong`, `ring (actor)` -> `ring-actor`. */
function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9+]+/g, '-')
    .replace(/^-|-$/g, '');
}

function usage(): string {
  const lines = [
    'usage: pnpm bench [--quick] [--only name,...] [--reps n]',
    '',
    '  --quick        fewer runs and smaller sizes, same workloads (under two minutes)',
    '  --only a,b     only these suites or workloads (names below; a suite name selects all of it)',
    '  --reps n       timed runs per measurement (default 5, quick 3)',
    '',
    'suites and workloads:',
    ...SUITES.map((s) => `  ${s.name}: ${s.workloads.map(slug).join(', ')}`),
  ];
  return lines.join('\n');
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage()}`);
    return 2;
  }
  if (args.help) {
    console.log(usage());
    return 0;
  }
  args.only = args.only.map(slug);
  const known = new Set(SUITES.flatMap((s) => [s.name, ...s.workloads].map(slug)));
  const unknown = args.only.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    console.error(`unknown --only name(s): ${unknown.join(', ')}\n\n${usage()}`);
    return 2;
  }

  const started = performance.now();
  const date = new Date().toISOString();
  const machine = describeMachine();
  const cores = os.availableParallelism();
  const options: SuiteOptions = {
    quick: args.quick,
    reps: args.reps ?? (args.quick ? 3 : 5),
    warmup: 1,
    cores,
    sweep: [1, 2, 4, 8],
  };
  console.error(`beamjs benchmarks${args.quick ? ' (quick)' : ''}: ${machineLine(machine)}`);
  console.error(`${options.reps} timed runs after ${options.warmup} warm-up run per measurement${args.only.length ? `; only ${args.only.join(', ')}` : ''}\n`);

  const measurements: Measurement[] = [];
  const errors: RunError[] = [];
  for (const suite of SUITES) {
    const suiteSelected = args.only.length === 0 || args.only.includes(suite.name);
    const selected = (workload: string): boolean => suiteSelected || args.only.includes(slug(workload));
    if (!suite.workloads.some(selected)) continue;
    const t0 = performance.now();
    console.error(`== ${suite.name}`);
    const ctx: SuiteContext = {
      ...options,
      selected,
      log: (line) => console.error(`   ${line}`),
      async workload(name, runner, run) {
        if (!selected(name)) return;
        const t = performance.now();
        try {
          await run();
          const last = measurements[measurements.length - 1];
          const shown = last && last.workload === name ? ` ${last.median.toFixed(last.unit === 'ms' ? 1 : 0)} ${last.unit}` : '';
          console.error(`   ${name} on ${runner}:${shown} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
        } catch (err) {
          const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
          errors.push({ suite: suite.name, workload: `${name} on ${runner}`, message });
          console.error(`   ${name} on ${runner}: ERROR ${message}`);
        }
      },
      record(m) {
        const { summary, ...rest } = m;
        measurements.push({ suite: suite.name, ...rest, ...summarize(summary.samples) });
      },
    };
    try {
      await suite.run(ctx);
    } catch (err) {
      // Outside any one workload: starting or stopping a VM or a pool.
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      errors.push({ suite: suite.name, workload: '(suite)', message });
      console.error(`   ${suite.name}: ERROR ${message}`);
    }
    console.error(`   (${suite.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  }

  // The report: rows grouped by workload, in the order the workloads first appeared.
  const order = [...new Set(measurements.map((m) => m.workload))];
  measurements.sort((a, b) => order.indexOf(a.workload) - order.indexOf(b.workload));
  // With --only, the targets that were not measured are left out.
  const targets = evaluateTargets(measurements, cores, erlangInstalled()).filter((t) => args.only.length === 0 || t.met !== undefined);
  const durationMs = performance.now() - started;
  const mTable = measurementTable(measurements, cores);
  const tTable = targetTable(targets);
  const notes = workloadNotes(measurements);
  const heading = `${date.slice(0, 19).replace('T', ' ')} UTC${args.quick ? ' (--quick)' : ''}: ${machineLine(machine)}`;

  console.log(`\n${heading}\n`);
  console.log(toText(mTable));
  console.log(`\n${toText(tTable)}\n`);
  console.log(notes.map((n) => `  ${n}`).join('\n'));
  console.log(
    `\nmedian of ${options.reps} runs; "vs baseline": times faster than the row marked baseline (1 plain thread, or raw MessagePort); "vs piscina": times faster than piscina with ${cores} threads`,
  );
  if (errors.length) console.log(`\n${errors.length} error(s):\n${errors.map((e) => `  ${e.suite} / ${e.workload}: ${e.message.split('\n')[0]}`).join('\n')}`);

  const markdown = [
    `## Benchmarks`,
    '',
    `Measured ${heading}. \`pnpm bench${args.quick ? ' --quick' : ''}\`, median of ${options.reps} runs (${(durationMs / 60000).toFixed(1)} min in all).`,
    '',
    toMarkdown(mTable),
    '',
    '"vs baseline": how many times faster than the row marked baseline (one plain Node thread, or raw `MessagePort` for messaging). ' +
      `"vs piscina": how many times faster than piscina with ${cores} threads.`,
    '',
    '### Targets',
    '',
    toMarkdown(tTable),
    '',
    '### Workloads',
    '',
    ...notes.map((n) => `- ${n}`),
    '',
    '![speedup vs schedulers](speedup.svg)',
    '',
  ].join('\n');
  const svg = speedupChart({ measurements, cores, sweep: options.sweep, title: `beamjs: speedup vs schedulers (${machine.cores} cores, Node ${machine.node})` });
  const record: RunRecord = { date, machine, options: { ...options, only: args.only }, durationMs, measurements, targets, errors, vmProblems };
  // A partial run (--only) leaves latest.md and speedup.svg as the last complete run wrote them;
  // a quick one writes latest-quick.md and speedup-quick.svg, never the committed full-run files.
  const partial = args.only.length > 0;
  const files = await writeResults(record, partial ? undefined : markdown, partial ? undefined : svg, undefined, args.quick ? '-quick' : '');
  const written = [files.json, files.markdown, files.svg].filter((f): f is string => f !== undefined).map((p) => path.relative(process.cwd(), p));
  console.log(`\nwrote ${written.join(', ')} (${(durationMs / 1000).toFixed(0)} s)`);
  return errors.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
