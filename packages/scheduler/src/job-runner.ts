import { BeamError, ProcessExit, crashReason, defineProcess, loadDefinition, type Context, type CrashReason, type ProcessDefinition } from '@beamjs/runtime';

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

async function userFunction(key: string): Promise<ProcessDefinition> {
  const def = await loadDefinition(key);
  if (def.kind !== 'process') {
    throw new BeamError('ERR_INVALID_ARGUMENT', `${def.name} is a ${def.kind} definition: vm.run and vm.map call process definitions (defineProcess)`);
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

export const runJob = defineProcess(
  import.meta.url,
  'beamjs.run',
  async (ctx: Context<unknown>, key: string, args: unknown[], replyTo: number, tag: number) => {
    let outcome: JobReply;
    try {
      const def = await userFunction(key);
      outcome = { tag, ok: true, value: await def.body(ctx, ...args) };
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
    try {
      const def = await userFunction(key);
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

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
