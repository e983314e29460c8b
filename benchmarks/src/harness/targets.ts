/**
 * The goals from the issue, each checked against this run's measurements. They are shown,
 * never asserted: a missed target on a noisy machine does not fail the run.
 */
import type { Measurement } from './results.js';

export interface TargetResult {
  target: string;
  goal: string;
  /** The measured figure, formatted (e.g. `1.93x`, `3.2M hops/s`). */
  measured: string;
  value: number;
  /** Undefined when the measurements it needs were not taken (`--only`, or an error). */
  met: boolean | undefined;
}

export const SAVINA_ACTORS = ['savina ping-pong', 'savina thread ring', 'savina counting', 'savina fork-join throughput', 'savina fork-join creation', 'savina big', 'savina chameneos'];

export const CPU_WORKLOADS = ['primes', 'nqueens', 'nqueens-large', 'mandelbrot', 'savina trapezoid'];

type Find = (workload: string, runner: string) => Measurement | undefined;

/** How many times faster `a` is than `b` (both time or both rate). */
export function speedup(a: Measurement, b: Measurement): number {
  return a.better === 'lower' ? b.median / a.median : a.median / b.median;
}

export function evaluateTargets(all: readonly Measurement[], cores: number, erlang = true): TargetResult[] {
  const find: Find = (workload, runner) => all.find((m) => m.workload === workload && m.runner === runner);
  const out: TargetResult[] = [];
  const ratio = (target: string, goal: string, min: number, a: Measurement | undefined, b: Measurement | undefined, suffix = 'x'): void => {
    if (!a || !b) return void out.push({ target, goal, measured: 'not measured', value: NaN, met: undefined });
    const value = speedup(a, b);
    out.push({ target, goal, measured: suffix === '%' ? `${(value * 100).toFixed(0)}%` : `${value.toFixed(2)}x`, value, met: value >= min });
  };
  const absolute = (target: string, goal: string, m: Measurement | undefined, ok: (v: number) => boolean, format: (v: number) => string): void => {
    if (!m) return void out.push({ target, goal, measured: 'not measured', value: NaN, met: undefined });
    out.push({ target, goal, measured: format(m.median), value: m.median, met: ok(m.median) });
  };
  const pool = `piscina-${cores}`;
  const vmN = `vm-${cores}`;

  for (const w of CPU_WORKLOADS) {
    if (!all.some((m) => m.workload === w)) continue;
    ratio(`${w}: 2 schedulers vs 1 plain thread`, '>= 1.9x', 1.9, find(w, 'vm-2'), find(w, 'thread'));
    if (w !== 'savina trapezoid') ratio(`${w}: VM vs piscina, ${cores} threads each`, '>= 1.0x', 1.0, find(w, vmN), find(w, pool));
    // "8 schedulers on 2 cores must not be more than 10% slower than 2": speed ratio >= 1/1.1.
    ratio(`${w}: 8 schedulers vs ${cores} (oversubscribed)`, '>= 0.91x (at most 10% slower)', 1 / 1.1, find(w, 'vm-8'), find(w, vmN));
  }
  for (const w of ['worker pool (GenServer)', 'worker pool (coroutine)']) {
    if (!all.some((m) => m.workload === w)) continue;
    ratio(`${w}: ${cores} schedulers vs 1`, '>= 1.8x', 1.8, find(w, vmN), find(w, 'vm-1'));
    ratio(`${w}: 8 schedulers vs ${cores}`, '>= 0.91x (at most 10% slower)', 1 / 1.1, find(w, 'vm-8'), find(w, vmN));
  }
  ratio('small tasks: vm.map vs piscina', '>= 10x', 10, find('small-tasks', vmN), find('small-tasks', pool));
  absolute('local ring, coroutines, 1 thread', '>= 4M hops/s', find('ring (coroutine)', 'thread'), (v) => v >= 4e6, formatRate('hops/s'));
  absolute('local ring, actors, 1 thread', '>= 4M hops/s', find('ring (actor)', 'thread'), (v) => v >= 4e6, formatRate('hops/s'));
  absolute('spawn rate, idle actors', '>= 1M/s', find('spawn idle actor', 'thread'), (v) => v >= 1e6, formatRate('spawns/s'));
  absolute('spawn rate, idle coroutines', '>= 1M/s', find('spawn idle coroutine', 'thread'), (v) => v >= 1e6, formatRate('spawns/s'));
  absolute('memory per idle actor', '<= 1 KB', find('memory idle actor', 'thread'), (v) => v <= 1024, (v) => `${v.toFixed(0)} B`);
  absolute('memory per idle coroutine', '<= 1 KB', find('memory idle coroutine', 'thread'), (v) => v <= 1024, (v) => `${v.toFixed(0)} B`);
  ratio('cross-thread stream vs raw batched postMessage', '>= 50%', 0.5, find('cross-thread stream', vmN), find('cross-thread stream', 'raw x256'), '%');
  ratio('cross-thread ping-pong vs raw postMessage', '>= 1.0x', 1.0, find('cross-thread ping-pong', vmN), find('cross-thread ping-pong', 'raw'));
  if (all.some((m) => m.workload === 'remote stream')) {
    ratio('remote stream: beamjs vs the raw NATS client', '>= 50%', 0.5, find('remote stream', 'beamjs'), find('remote stream', 'raw nats'), '%');
  }

  // Issue 11: programs that communicate get faster with more cores, and beat Erlang/OTP.
  const otp = (target: string, goal: string, min: number, a: Measurement | undefined, b: Measurement | undefined): void => {
    if (!erlang) return void out.push({ target, goal, measured: 'not installed', value: NaN, met: undefined });
    ratio(target, goal, min, a, b);
  };
  for (const w of SAVINA_ACTORS) {
    if (!all.some((m) => m.workload === w)) continue;
    ratio(`${w}: 1 scheduler vs 1 plain thread`, '>= 0.9x', 0.9, find(w, 'vm-1'), find(w, 'thread'));
    const parallel = w === 'savina big' || w === 'savina fork-join throughput';
    ratio(`${w}: ${cores} schedulers vs 1 plain thread`, parallel ? '>= 1.5x' : '>= 1.0x', parallel ? 1.5 : 1.0, find(w, vmN), find(w, 'thread'));
    for (const s of [...new Set([1, cores])]) otp(`${w}: VM vs Erlang/OTP, ${s} scheduler(s)`, '>= 1.0x', 1.0, find(w, `vm-${s}`), find(w, `otp-${s}`));
  }
  for (const [w, label] of [
    ['spawn + reply', 'spawn 1M + reply'],
    ['ring (coroutine)', '1000-process ring'],
    ['savina ping-pong', 'ping-pong'],
  ] as const) {
    if (!all.some((m) => m.workload === w)) continue;
    for (const s of [...new Set([1, cores])]) otp(`${label}: VM vs Erlang/OTP, ${s} scheduler(s)`, '>= 1.5x', 1.5, find(w, `vm-${s}`), find(w, `otp-${s}`));
  }
  absolute('cross-thread ping-pong, pinned pair', '>= 100k round trips/s', find('cross-thread ping-pong', vmN), (v) => v >= 1e5, formatRate('round trips/s'));
  ratio('cross-thread ping-pong vs raw postMessage (issue 11)', '>= 5x', 5, find('cross-thread ping-pong', vmN), find('cross-thread ping-pong', 'raw'));
  ratio('cross-thread stream into a coroutine vs raw batched postMessage (issue 11)', '>= 80%', 0.8, find('cross-thread stream', vmN), find('cross-thread stream', 'raw x256'), '%');
  return out;
}

export function formatRate(unit: string): (v: number) => string {
  return (v) => `${formatCount(v)} ${unit}`;
}

export function formatCount(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v >= 1e6) return `${(v / 1e6).toFixed(v >= 1e7 ? 1 : 2)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(v >= 1e4 ? 0 : 1)}k`;
  return v.toFixed(v >= 100 ? 0 : 1);
}
