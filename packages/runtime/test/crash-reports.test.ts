import { describe, expect, it } from 'vitest';
import { formatEvent } from '../src/index.js';
import { crasher, idle, linker } from './fixtures/procs.js';
import { quietRuntime } from './helpers.js';

describe('a crash', () => {
  it('ends only that process, and an unlinked crash is reported once with pid, name and stack', async () => {
    const { rt, me, reports } = quietRuntime();
    const bystander = rt.spawn(idle);
    const pid = rt.spawn(crasher);
    me.send(pid, 'report me');
    await rt.whenExit(pid);
    expect(rt.isAlive(bystander)).toBe(true);
    expect(rt.isAlive(me.self)).toBe(true);
    // One crash (a loaded machine may add a long_schedule report: not a crash).
    const crashes = reports.filter((r) => r.type === 'crash');
    expect(crashes).toHaveLength(1);
    expect(crashes[0]).toMatchObject({ type: 'crash', pid, name: 'crasher', reason: { error: 'boom: report me' } });
    const text = formatEvent(crashes[0]!);
    expect(text).toMatch(/^\[error\] Process <\d+\.\d+> \(crasher\) terminating/);
    expect(text).toContain('** (Error) boom: report me');
    expect(text).toContain('procs.ts');
    await rt.stop(50);
  });

  it('of a linked process is not reported: its partner hears of it instead', async () => {
    const { rt, me, reports } = quietRuntime();
    const pid = rt.spawn(crasher);
    rt.spawn(linker, [pid, me.self]);
    await me.receive();
    me.send(pid, 'quietly');
    await rt.whenExit(pid);
    expect(reports).toEqual([]);
    await rt.stop(50);
  });
});
