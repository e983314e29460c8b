import { Worker, type ResourceLimits, type WorkerOptions } from 'node:worker_threads';

/**
 * The Node flags a scheduler thread starts with. Workers inherit `process.execArgv` but reject
 * process-wide flags (`--max-old-space-size`, `--expose-gc`, `--stack-size`...) with
 * ERR_WORKER_INVALID_EXEC_ARGV, so a program run as `node --max-old-space-size=1024 app.js`
 * could not start a VM. So: loader flags go (each worker registers tsx itself, tsx #354), the
 * heap and stack flags become the equivalent `resourceLimits` (what you pass there wins), and
 * whatever else a worker refuses is dropped when it is refused (see {@link startWorker}).
 */
export function workerExecArgv(execArgv: readonly string[], resourceLimits: ResourceLimits | undefined): { execArgv: string[]; resourceLimits: ResourceLimits | undefined } {
  const out: string[] = [];
  const fromFlags: ResourceLimits = {};
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i];
    const match = /^--([a-z][a-z0-9_-]*)(?:=(.*))?$/i.exec(arg);
    const name = match?.[1].replace(/_/g, '-');
    // A flag given as two words (`--import tsx`) takes the next word as its value.
    const value = (): string | undefined => match?.[2] ?? (LOADER_FLAGS.has(name!) || HEAP_FLAGS.has(name!) ? execArgv[++i] : undefined);
    if (arg === '-r' || (name !== undefined && LOADER_FLAGS.has(name))) {
      if (arg === '-r') i++;
      else value();
      continue;
    }
    if (name !== undefined && HEAP_FLAGS.has(name)) {
      const mb = Number(value());
      if (Number.isFinite(mb) && mb > 0) {
        if (name === 'max-old-space-size') fromFlags.maxOldGenerationSizeMb = mb;
        // V8's young generation is three semi-spaces (two for scavenging, one for large objects).
        if (name === 'max-semi-space-size') fromFlags.maxYoungGenerationSizeMb = mb * 3;
        // --stack-size is in KiB and is V8's limit; a worker's thread stack needs room above it.
        if (name === 'stack-size') fromFlags.stackSizeMb = (mb + 256) / 1024;
      }
      continue;
    }
    out.push(arg);
  }
  const merged = Object.keys(fromFlags).length ? { ...fromFlags, ...resourceLimits } : resourceLimits;
  return { execArgv: out, resourceLimits: merged };
}

const LOADER_FLAGS = new Set(['import', 'loader', 'experimental-loader', 'require']);
const HEAP_FLAGS = new Set(['max-old-space-size', 'max-semi-space-size', 'stack-size']);

/**
 * `new Worker(...)` that drops the flags Node refuses in a worker (it names them, synchronously)
 * instead of failing; `options.execArgv` is updated in place so later threads skip them at once.
 */
export function startWorker(url: URL, options: WorkerOptions & { execArgv: string[] }): Worker {
  for (;;) {
    try {
      return new Worker(url, options);
    } catch (err) {
      const refused = refusedFlags(err);
      const before = options.execArgv.length;
      if (refused.size > 0) {
        const kept: string[] = [];
        for (let i = 0; i < options.execArgv.length; i++) {
          const arg = options.execArgv[i];
          if (!refused.has(arg)) {
            kept.push(arg);
            continue;
          }
          // A refused flag given as two words takes its value with it.
          const next = options.execArgv[i + 1];
          if (!arg.includes('=') && next !== undefined && !next.startsWith('-')) i++;
        }
        options.execArgv.splice(0, options.execArgv.length, ...kept);
      }
      if (options.execArgv.length === before) throw err;
    }
  }
}

function refusedFlags(err: unknown): Set<string> {
  if ((err as { code?: string })?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') return new Set();
  const list = /flags: (.*)$/.exec((err as Error).message)?.[1] ?? '';
  return new Set(list.split(', ').filter(Boolean));
}
