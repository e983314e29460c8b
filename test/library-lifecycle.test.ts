import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
// `--import tsx` rather than tsx's CLI: one process, so the time bound's kill reaches the script itself.
const runFixture = (name: string, timeout = 60_000) =>
  spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))], { cwd: repo, encoding: 'utf8', timeout, killSignal: 'SIGKILL' });

describe('a VM in a Node program: starting and ending', () => {
  it('a module that starts a VM at its top level gets a clear error in the schedulers instead of a VM in each (no fork bomb)', () => {
    const run = runFixture('vm-at-top-level.ts');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^ERR_LOAD_FAILED: .*startVM\(\) was called inside a beamjs scheduler thread.*if \(isMainThread\)/);
  });

  it('a script that forgets vm.stop() exits by itself once nothing is pending, after a receive that had to wait', () => {
    const run = runFixture('forgets-stop.ts');
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('10 1,4,9 7 late news');
    expect(run.status).toBe(0);
  });

  it('startVM({ keepAlive: true }) keeps the process alive with nothing pending', () => {
    // Killed at the time bound: it would never exit by itself.
    const run = runFixture('keep-alive.ts', 20_000);
    expect(run.stdout.trim()).toBe('serving');
    expect(run.signal).toBe('SIGKILL');
  });
});
