/** The machine a run was measured on: recorded in the JSON and printed above every table. */
import os from 'node:os';

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  platform: string;
  arch: string;
  totalMemGiB: number;
  /** 1-minute load average when the run started: high on a shared machine means noisy figures. */
  loadAverage: number;
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cores: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: os.platform(),
    arch: os.arch(),
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

export function machineLine(m: Machine): string {
  return `${m.cores} cores (${m.cpuModel}), Node ${m.node}, ${m.platform}/${m.arch}, ${m.totalMemGiB} GiB RAM, load ${m.loadAverage}`;
}
