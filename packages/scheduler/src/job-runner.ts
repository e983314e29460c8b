import {
  BeamError,
  ProcessExit,
  crashReason,
  defineProcess,
  loadDefinition,
  lookupDefinition,
  splitKey,
  type Context,
  type CrashReason,
  type Definition,
  type ProcessDefinition,
} from '@beamjs/runtime';
import { markStarted } from './cancel.js';
import { isTypeScriptFile, missingTsxError, tsxAvailable } from './typescript.js';

/**
 * The processes behind `vm.run` and `vm.map`: they load the user's definition by key (on
 * whichever scheduler took the job), call it, and send the outcome to the caller's mailbox.
 * They are ordinary spawn jobs, so they are stolen, balanced and cancelled like any process.
 */
export type JobReply =
  | { tag: number; ok: true; value: unknown }
  | { tag: number; ok: false; error: CrashReason & { code?: string; index?: number } };

export const isJobReply = (m: unknown): m is JobReply =>
  typeof m === 'object' && m !== null && typeof (m as JobReply).tag === 'number' && typeof (m as JobReply).ok === 'boolean';

/**
 * The user's definition: at once if this thread knows it (so a synchronous function runs to
 * its end in the job's first step, and its scheduler takes no other job meanwhile), else once
 * its module has been imported here.
 */
function userFunction(key: string, scheduler: number): ProcessDefinition | Promise<ProcessDefinition> {
  const known = lookupDefinition(key);
  return known ? callable(known) : load(key, scheduler).then(callable);
}

async function load(key: string, scheduler: number): Promise<Definition> {
  try {
    return await loadDefinition(key);
  } catch (err) {
    // The module exists on the caller's side (the definition came from it) but does not load here.
    const cause = err instanceof BeamError ? (err as Error & { cause?: unknown }).cause : undefined;
    if (cause === undefined) throw err;
    const { moduleUrl, name } = splitKey(key);
    if (isTypeScriptFile(moduleUrl) && !tsxAvailable()) throw missingTsxError(moduleUrl);
    throw new BeamError(
      'ERR_LOAD_FAILED',
      `cannot run '${name}': its module ${moduleUrl} failed to load in scheduler ${scheduler}: ${((cause as Error)?.message ?? String(cause)).replace(/\.$/, '')}. ` +
        `Every module with definitions is imported again in each scheduler thread: make it import cleanly on its own, with no main-thread-only side effects at its top level ` +
        `(move those into a function, or into a module the definitions do not import).`,
      { cause },
    );
  }
}

function callable(def: Definition): ProcessDefinition {
  if (def.kind !== 'process') {
    throw new BeamError('ERR_NOT_A_DEFINITION', `${def.name} is a ${def.kind} definition: vm.run and vm.map call process definitions (defineProcess)`);
  }
  return def;
}

function failure(tag: number, err: unknown, index?: number): JobReply {
  const error: CrashReason & { code?: string; index?: number } = crashReason(err);
  if (err instanceof BeamError) error.code = err.code;
  if (index !== undefined) error.index = index;
  return { tag, ok: false, error };
}

function reply(ctx: Context<unknown>, to: number, message: JobReply, tag: number): void {
  try {
    ctx.send(to, message);
  } catch (err) {
    // The result itself cannot be sent (a function, a class instance...): say so instead.
    ctx.send(to, failure(tag, err));
  }
}

/**
 * The job's definition, once this thread has loaded its module; undefined if the job was
 * killed meanwhile. A job's clock starts before its module loads, so a caller's timeout or
 * cancel can end the process during the load; what follows the await must then not run the
 * user's function for a process that no longer exists (nothing could stop it short of a hard
 * cancel, and its result would go nowhere).
 */
function loaded(ctx: Context<unknown>, key: string): ProcessDefinition | undefined | Promise<ProcessDefinition | undefined> {
  const found = userFunction(key, ctx.schedulerId);
  if (!isThenable(found)) return found;
  return Promise.resolve(found).then((def) => (ctx.isAlive(ctx.self) ? def : undefined));
}

export const runJob = defineProcess(
  import.meta.url,
  'beamjs.run',
  async (ctx: Context<unknown>, key: string, args: unknown[], replyTo: number, tag: number) => {
    let outcome: JobReply;
    markStarted(ctx.self);
    try {
      const found = loaded(ctx, key);
      const def = isThenable(found) ? await found : found;
      if (def === undefined) return;
      const value = def.body(ctx, ...args);
      outcome = { tag, ok: true, value: isThenable(value) ? await value : value };
    } catch (err) {
      if (err instanceof ProcessExit) throw err;
      outcome = failure(tag, err);
    }
    reply(ctx, replyTo, outcome, tag);
  },
);

export const mapChunk = defineProcess(
  import.meta.url,
  'beamjs.map',
  async (ctx: Context<unknown>, key: string, items: unknown[], replyTo: number, tag: number) => {
    let outcome: JobReply;
    let index = 0;
    markStarted(ctx.self);
    try {
      const found = loaded(ctx, key);
      const def = isThenable(found) ? await found : found;
      if (def === undefined) return;
      const body = def.body;
      const results = new Array(items.length);
      for (; index < items.length; index++) {
        const result = body(ctx, items[index]);
        results[index] = isThenable(result) ? await result : result;
      }
      outcome = { tag, ok: true, value: results };
    } catch (err) {
      if (err instanceof ProcessExit) throw err;
      outcome = failure(tag, err, index);
    }
    reply(ctx, replyTo, outcome, tag);
  },
);

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
