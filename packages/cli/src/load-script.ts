import { statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDefinition, loadDefinition, type Definition } from '@beamjs/runtime';
import { isTypeScriptFile, registerTypeScript } from '@beamjs/scheduler';
import { CliError } from './errors.js';
import { describeLoadError, displayPath } from './load-error.js';

export interface Script {
  /** The file's URL: what every scheduler imports, and the first half of its definitions' keys. */
  url: string;
  /** The path to show the user. */
  shown: string;
  /** The script's `main`, as a definition any scheduler can start. */
  main: Definition;
}

/**
 * Imports the user's script on the main thread, before any scheduler starts, so that every
 * problem with it (missing, a syntax error, its top level throws, no `main`) is one clear
 * line and not N scheduler failures. tsx's loader hooks are registered here for the main
 * thread; each scheduler thread registers its own (see @beamjs/scheduler's worker-entry).
 */
export async function loadScript(file: string, cwd = process.cwd()): Promise<Script> {
  const abs = path.resolve(cwd, file);
  const shown = displayPath(abs, cwd);
  let isFile: boolean;
  try {
    isFile = statSync(abs).isFile();
  } catch {
    throw new CliError(`cannot find the script ${file} (no file at ${abs})`);
  }
  if (!isFile) throw new CliError(`${shown} is not a file: beamjs run takes a script, as in beamjs run main.ts`);

  // tsx is an optional peer: a JS script runs without it, a TS script says how to add it.
  if (!(await registerTypeScript()) && isTypeScriptFile(abs)) {
    throw new CliError(`${shown} is TypeScript, and running TypeScript needs the tsx package, which is not installed: add it with npm install --save-dev tsx (or pnpm add -D tsx), or run a .js script`);
  }
  const url = pathToFileURL(abs).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (err) {
    throw new CliError(`cannot load ${shown}: ${describeLoadError(err, abs, cwd)}`);
  }

  const exported = mod.main;
  if (exported === undefined) {
    throw new CliError(`${shown} has no main export: add export async function main(ctx, args) { ... } (it runs as the first process)`);
  }
  if (typeof exported !== 'function' && !isDefinition(exported)) {
    throw new CliError(`${shown} exports main as ${describe(exported)}: it must be a function, main(ctx, args), or a process definition`);
  }
  // A plain function is wrapped as a definition under the key `${url}#main`; every scheduler
  // that imports the script finds it the same way.
  const main = await loadDefinition(`${url}#main`);
  return { url, shown, main };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}
