import { startVM, type VM, type VMEvent, type VMOptions } from '@beamjs/scheduler';

export const FIXTURES = new URL('./fixtures/procs.ts', import.meta.url);

/** A VM with the test fixtures loaded and its reports collected instead of printed. */
export async function testVM(options: VMOptions = {}): Promise<{ vm: VM; reports: VMEvent[] }> {
  const reports: VMEvent[] = [];
  const vm = await startVM({ schedulers: 2, modules: [FIXTURES], onReport: (e) => reports.push(e), ...options });
  return { vm, reports };
}

export function isType<T extends string>(type: T) {
  return (m: unknown): m is { type: T; [field: string]: any } => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;
}
