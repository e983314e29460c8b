import { ProcessExit, type ExitReason } from '@beamjs/runtime';

/**
 * `process.exit(code)` inside a scheduler thread would end the thread (a scheduler death that
 * takes every process on it), not the program. In a process, a script means "stop here, with
 * this code": so it ends the calling process only, with reason `normal` for 0 and
 * `{ exitCode }` otherwise; `beamjs run` exits with that code when main ends that way.
 */
export function installProcessExit(): void {
  process.exit = ((code?: number | string | null): never => {
    throw new ProcessExit(exitReasonFor(code ?? process.exitCode));
  }) as typeof process.exit;
}

function exitReasonFor(code: unknown): ExitReason {
  const n = typeof code === 'string' && code.trim() !== '' ? Number(code) : code;
  if (n === undefined || n === null || n === 0) return 'normal';
  return { exitCode: typeof n === 'number' && Number.isInteger(n) ? n : 1 };
}
