import { BeamError, isDownMessage, type DownMessage, type ExitReason } from '@beamjs/runtime';
import { startVM, type SchedulerStats, type VM } from '@beamjs/scheduler';
import type { RunOptions } from './args.js';
import { CrashReporter } from './crash-report.js';
import { CliError, UsageError, oneLine } from './errors.js';
import { relativize } from './load-error.js';
import { EXIT_CODE_MODULE, exitCodeOfReason, scriptExitCode } from './exit-code.js';
import { loadScript } from './load-script.js';
import { SignalWatcher, exitCodeFor, type StopSignal } from './signals.js';
import { formatStatsTable, statsReport } from './stats-table.js';
import { startTop } from './top.js';

type Outcome = { kind: 'exit'; reason: ExitReason } | { kind: 'signal'; signal: StopSignal };

/**
 * `beamjs run`: loads the script (main thread first, then every scheduler), starts the VM,
 * runs `main(ctx, args)` as the first process and waits for it. When main ends, the VM stops:
 * processes still running get the exit signal `shutdown`, as when an Elixir script ends.
 * Resolves with the exit code; throws CliError for a script that cannot run.
 */
export async function runScript(options: RunOptions): Promise<number> {
  const say = (text: string): void => void process.stderr.write(`${text}\n`);
  const script = await loadScript(options.script);
  const reporter = new CrashReporter(options.quiet ? () => {} : say, { level: options.logLevel, format: options.logFormat });

  let vm: VM;
  try {
    const cluster = options.cluster ? { node: options.cluster.node, cluster: options.cluster.url } : {};
    vm = await startVM({ schedulers: options.schedulers, faultAttribution: options.faultAttribution, modules: [script.url, EXIT_CODE_MODULE], onReport: reporter.onReport, ...cluster });
  } catch (err) {
    if (err instanceof BeamError && err.code === 'ERR_INVALID_OPTION' && options.cluster && !/schedulers/.test(err.message)) throw new UsageError(err.message);
    if (err instanceof BeamError && err.code === 'ERR_INVALID_OPTION') {
      throw new UsageError(`--schedulers ${String(options.schedulers)}: ${err.message}`);
    }
    // ERR_LOAD_FAILED: the script imports on the main thread but fails in a scheduler thread.
    if (err instanceof BeamError) throw new CliError(oneLine(relativize(err.message, process.cwd())));
    throw err;
  }

  const signals = new SignalWatcher((signal) => {
    if (process.stderr.isTTY) say(`\nbeamjs: ${signal}: stopping every process (again to quit at once)`);
  });
  // The VM's threads do not hold the event loop open; the wait for main must.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const startedAt = performance.now();
  const top = options.top ? startTop(vm, { startedAt }) : undefined;
  if (options.observe) {
    const { port, host, allowActions } = options.observe;
    const observer = await vm.observe({ port, host, allowActions }).catch(async (err: unknown) => {
      top?.stop();
      await vm.stop();
      clearInterval(keepAlive);
      signals.dispose();
      throw err instanceof BeamError ? new UsageError(err.message) : err;
    });
    say(`beamjs: observer at ${observer.url}${allowActions ? ' (actions on)' : ''}`);
    if (host !== undefined && !/^(127\.|::1$|localhost$)/.test(host)) {
      say(`beamjs: the observer listens on ${host}, reachable from other machines: only the token in its URL keeps others out; share it with care`);
    }
  }
  try {
    // Spawn and monitor in one step: a main that ends at once still sends its DOWN message.
    const [pid, ref] = vm.context.spawnMonitor(script.main, options.args);
    reporter.mainPid = pid;
    const down = vm.context.receive((m) => isDownMessage(m) && m.ref === ref) as Promise<DownMessage>;
    const outcome = await Promise.race<Outcome>([
      down.then((m) => ({ kind: 'exit', reason: m.reason })),
      signals.received.then((signal) => ({ kind: 'signal', signal })),
    ]);
    const wallMs = performance.now() - startedAt;
    signals.forceOnNext();

    const stats = options.stats === 'off' ? undefined : statsReport(await freshStats(vm), wallMs, vm.migrations());
    top?.stop();
    let code: number;
    if (outcome.kind === 'signal') {
      code = exitCodeFor(outcome.signal);
    } else if (outcome.reason === 'normal') {
      code = await scriptExitCode(vm);
    } else if (exitCodeOfReason(outcome.reason) !== undefined) {
      // main called process.exit(code): no crash report, that code.
      code = exitCodeOfReason(outcome.reason)!;
    } else {
      if (!options.quiet) say(reporter.exitReport(pid, script.main.name, script.main.key, outcome.reason));
      code = 1;
    }

    await vm.stop();
    // After stop: the scheduler threads' output has all reached our stdout by now, so the
    // JSON is reliably the last line.
    if (stats && options.stats === 'json') process.stdout.write(`${JSON.stringify(stats)}\n`);
    if (stats && options.stats === 'table') say(`\n${formatStatsTable(stats)}`);
    return code;
  } finally {
    top?.stop();
    await vm.stop(); // a no-op after the stop above; here for an error on the way to it
    clearInterval(keepAlive);
    signals.dispose();
  }
}

/** Counters freshly written by each scheduler; one stuck in a long step answers from shared memory. */
async function freshStats(vm: VM, timeoutMs = 1000): Promise<SchedulerStats[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, timeoutMs, undefined)));
  const fresh = await Promise.race([vm.stats().catch(() => undefined), late]);
  clearTimeout(timer);
  return fresh ?? vm.statsNow();
}
