import { TIMEOUT, defineProcess, type Context, type Pid } from '@beamjs/runtime';
import type { VM } from '@beamjs/scheduler';

/**
 * `process.exitCode`, as the script sets it. The script's processes run in scheduler threads,
 * and each thread has its own `process.exitCode`; so once main has returned, a probe process
 * on every scheduler reads that thread's value. This module is therefore loaded by every
 * scheduler, next to the script.
 */
export const EXIT_CODE_MODULE = import.meta.url;

interface ExitCodeReply {
  scheduler: number;
  exitCode: number | null;
}

export const exitCodeProbe = defineProcess(import.meta.url, 'exitCodeProbe', (ctx: Context<never>, replyTo: Pid<ExitCodeReply>) => {
  ctx.send(replyTo, { scheduler: ctx.schedulerId, exitCode: asCode(process.exitCode) });
});

/**
 * The first non-zero exit code set in a scheduler thread (lowest id first) or on the main
 * thread (by the script's top-level code), or 0. A scheduler that cannot answer within
 * `timeoutMs` (stuck in a long synchronous process) is skipped.
 */
export async function scriptExitCode(vm: VM, timeoutMs = 1000): Promise<number> {
  const inbox = vm.mailbox<ExitCodeReply>();
  for (let id = 0; id < vm.schedulers; id++) vm.spawnOn(id, exitCodeProbe, inbox.self);
  const codes: (number | null)[] = [];
  const deadline = performance.now() + timeoutMs;
  for (let answered = 0; answered < vm.schedulers; answered++) {
    const left = deadline - performance.now();
    const reply = left > 0 ? await inbox.receive(left) : TIMEOUT;
    if (reply === TIMEOUT) break;
    codes[reply.scheduler] = reply.exitCode;
  }
  inbox.exit();
  codes.push(asCode(process.exitCode));
  return codes.find((code): code is number => typeof code === 'number' && code !== 0) ?? 0;
}

function asCode(value: unknown): number | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) ? n : null;
}

/** The exit code of a main that called `process.exit(code)` (its reason is `{ exitCode }`), if it did. */
export function exitCodeOfReason(reason: unknown): number | undefined {
  if (typeof reason !== 'object' || reason === null) return undefined;
  const code = (reason as { exitCode?: unknown }).exitCode;
  return Object.keys(reason).length === 1 && typeof code === 'number' && Number.isInteger(code) ? code : undefined;
}
