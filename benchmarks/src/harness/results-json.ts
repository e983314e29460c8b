/**
 * The files a run leaves in benchmarks/results/: `<ISO date>.json` with every sample,
 * `latest.md` (the tables, with the date and the machine, for the README) and `speedup.svg`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Machine } from './machine.js';
import type { Measurement, RunError, SuiteOptions } from './results.js';
import type { TargetResult } from './targets.js';

export const RESULTS_DIR = fileURLToPath(new URL('../../results/', import.meta.url));

export interface RunRecord {
  date: string;
  machine: Machine;
  options: SuiteOptions & { only: string[] };
  durationMs: number;
  measurements: Measurement[];
  targets: TargetResult[];
  errors: RunError[];
  /** Process crashes and scheduler deaths the VM reported during the run. */
  vmProblems: string[];
}

export interface WrittenFiles {
  json: string;
  markdown: string;
  svg: string;
}

/** Writes the JSON; `latest.md` and `speedup.svg` only when given (not for partial `--only` runs). */
export async function writeResults(record: RunRecord, markdown: string | undefined, svg: string | undefined, dir = RESULTS_DIR, suffix = ''): Promise<Partial<WrittenFiles>> {
  await mkdir(dir, { recursive: true });
  // Colons are not allowed in Windows file names.
  const json = path.join(dir, `${record.date.replace(/:/g, '-')}.json`);
  const md = path.join(dir, `latest${suffix}.md`);
  const chart = path.join(dir, `speedup${suffix}.svg`);
  await writeFile(json, JSON.stringify(record, null, 2) + '\n');
  if (markdown === undefined || svg === undefined) return { json };
  await writeFile(md, markdown);
  await writeFile(chart, svg);
  return { json, markdown: md, svg: chart };
}
