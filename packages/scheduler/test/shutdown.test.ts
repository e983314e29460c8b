import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { reportsShutdown, idleForever } from './fixtures/procs.js';
import { isType, testVM } from './helpers.js';

describe('stopping the VM', () => {
  it('gives every process the exit signal shutdown, and then every process is gone', async () => {
    const { vm } = await testVM({ schedulers: 2 });
    const watcher = vm.mailbox();
    vm.spawnOn(0, reportsShutdown, watcher.self);
    vm.spawnOn(1, reportsShutdown, watcher.self);
    const idle = vm.spawn(idleForever);
    await watcher.receive(isType('trapping'));
    await watcher.receive(isType('trapping'));
    const stopping = vm.stop(1000);
    const saw = [(await watcher.receive(isType('saw'))), (await watcher.receive(isType('saw')))];
    await stopping;
    expect(saw.map((s) => s.exit.reason)).toEqual(['shutdown', 'shutdown']);
    expect(vm.isAlive(idle)).toBe(false);
    expect(() => vm.spawn(idleForever)).toThrow(/stopped/);
  });

  it('leaves no handle open: the Node process exits by itself after stop', () => {
    const script = fileURLToPath(new URL('./fixtures/stop-and-exit.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../../node_modules/tsx/dist/cli.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [tsx, script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('stopped');
    expect(run.status).toBe(0);
  });
});
