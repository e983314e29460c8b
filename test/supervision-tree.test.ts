import { describe, expect, it } from 'vitest';
import { createRuntime, loadDefinition, type ProcessDefinition } from '@beamjs/runtime';
import { startVM } from '@beamjs/scheduler';
import { main, type Summary } from '../examples/supervision-tree.js';

const EXAMPLE = new URL('../examples/supervision-tree.ts', import.meta.url);

/** Runs `fn` with console.log captured. */
async function quietly<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (line: string) => lines.push(line);
  try {
    return { result: await fn(), lines };
  } finally {
    console.log = log;
  }
}

describe('the supervision tree example (examples/supervision-tree.ts)', () => {
  it('serves every request correctly while its workers crash and are restarted (one thread)', async () => {
    const reports: unknown[] = [];
    const rt = createRuntime({ onReport: (e) => reports.push(e) });
    const ctx = rt.mailbox();
    const { result, lines } = await quietly(() => main(ctx, ['200', '4', '0.2']));
    expect(result).toMatchObject({ requests: 200, served: 200, wrong: 0 });
    // With a 20% crash rate over 200 requests, no crash at all is next to impossible.
    expect(result.restarts).toBeGreaterThan(0);
    expect(reports.filter((r) => (r as { context?: string }).context === 'child_terminated').length).toBe(result.restarts);
    expect(lines[0]).toMatch(/^served 200\/200 requests \(0 wrong answers\) with 4 workers/);
    // The tree is gone: only the caller's mailbox is left.
    expect(rt.processes()).toEqual([ctx.self]);
    await rt.stop(100);
  });

  it('runs its main on the multi-scheduler VM, as `beamjs run` does', async () => {
    const vm = await startVM({ schedulers: 3, modules: [EXAMPLE], onReport: () => undefined });
    try {
      const mainDef = (await loadDefinition(`${EXAMPLE.href}#main`)) as ProcessDefinition<unknown, [string[]], Promise<Summary>>;
      const summary = await vm.run(mainDef, ['300', '6', '0.1']);
      expect(summary).toMatchObject({ requests: 300, served: 300, wrong: 0 });
      expect(summary.restarts).toBeGreaterThan(0);
    } finally {
      await vm.stop(500);
    }
  });
});
