/**
 * The places a workload runs besides the plain thread: a VM with a given number of
 * schedulers, a piscina pool, and a single-thread runtime. Each is started for a block of
 * measurements and always stopped afterwards, so no thread outlives its block.
 */
import { Piscina } from 'piscina';
import { createRuntime, type Runtime } from '@beamjs/runtime';
import { startVM, type VM, type VMEvent, type VMOptions } from '@beamjs/scheduler';
import type { PiscinaTask, TaskName, TaskArg } from '../piscina/tasks.js';

/** Process crashes and scheduler deaths seen during the run (a clean run has none). */
export const vmProblems: string[] = [];

function onReport(event: VMEvent): void {
  if (event.type === 'long_schedule') return; // CPU-bound jobs are long steps on purpose
  const line = `[vm] ${JSON.stringify(event).slice(0, 400)}`;
  vmProblems.push(line);
  console.error(line);
}

export async function withVM<T>(schedulers: number, modules: URL[], body: (vm: VM) => Promise<T>, options: VMOptions = {}): Promise<T> {
  const vm = await startVM({ schedulers, modules, onReport, longScheduleMs: 60_000, ...options });
  try {
    return await body(vm);
  } finally {
    await vm.stop();
  }
}

const PISCINA_WORKER = new URL('../piscina/worker.mjs', import.meta.url).href;

export interface Pool {
  threads: number;
  run<K extends TaskName>(fn: K, arg: TaskArg<K>): Promise<unknown>;
}

export async function withPiscina<T>(threads: number, body: (pool: Pool) => Promise<T>): Promise<T> {
  const piscina = new Piscina({ filename: PISCINA_WORKER, minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  const pool: Pool = {
    threads,
    run: (fn, arg) => piscina.run({ fn, arg } satisfies PiscinaTask),
  };
  try {
    return await body(pool);
  } finally {
    await piscina.destroy();
  }
}

export async function withRuntime<T>(body: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = createRuntime({ longScheduleMs: 60_000, onReport: (e) => (e.type === 'long_schedule' ? undefined : onReport({ ...e, scheduler: 0 })) });
  try {
    return await body(rt);
  } finally {
    await rt.stop(1000);
  }
}
