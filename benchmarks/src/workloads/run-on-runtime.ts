/**
 * Runs a process definition on a single-thread runtime the way `vm.run` does on the VM: in
 * a process of its own, resolving with what the definition returns (or rejecting with its
 * crash), so the same Savina driver runs unchanged on both.
 */
import {
  defineProcess,
  formatReason,
  isDownMessage,
  loadDefinition,
  type Context,
  type ProcessDefinition,
  type Runtime,
} from '@beamjs/runtime';

type Reply = { t: 'result'; value: unknown };

const runAndReply = defineProcess(import.meta.url, 'bench.runAndReply', async (ctx: Context<never>, key: string, args: unknown[], replyTo: number) => {
  const def = (await loadDefinition(key)) as ProcessDefinition;
  const value: unknown = await def.body(ctx, ...args);
  ctx.send(replyTo, { t: 'result', value } satisfies Reply);
});

export async function runOnRuntime<A extends unknown[], R>(rt: Runtime, def: ProcessDefinition<any, A, R>, ...args: A): Promise<Awaited<R>> {
  const me = rt.mailbox<Reply>();
  try {
    const [, ref] = me.spawnMonitor(runAndReply, def.key, args, me.self);
    const msg: unknown = await me.receive((m: unknown) => (m as Reply).t === 'result' || (isDownMessage(m) && m.ref === ref));
    if (isDownMessage(msg)) throw new Error(`${def.name} exited before it answered: ${formatReason(msg.reason)}`);
    return (msg as Reply).value as Awaited<R>;
  } finally {
    me.exit();
  }
}
