import { describe, expect, it } from 'vitest';
import { idleForever, reportsShutdown } from './fixtures/procs.js';
import { isType, testVM } from './helpers.js';

const stoppedCode = (p: Promise<unknown>) => p.then(() => 'resolved', (err: { code?: string }) => err.code);

describe('vm.stop() and what the program still waits for', () => {
  it('rejects every pending receive, call, waitFor with ERR_VM_STOPPED, none left hanging', async () => {
    const { vm } = await testVM({ schedulers: 2 });
    const silent = vm.spawn(idleForever); // never replies
    const mailbox = vm.mailbox();
    const pending = {
      vmReceive: stoppedCode(vm.receive()),
      mailboxReceiveWithTimeout: stoppedCode(mailbox.receive(60_000)),
      call: stoppedCode(vm.call(silent, { type: 'anything' })),
      callWithoutTimeout: stoppedCode(vm.call(silent, { type: 'anything' }, Infinity)),
      waitFor: stoppedCode(vm.waitFor(silent)),
    };
    await vm.stop(1000);
    const outcomes = await Promise.race([
      Promise.all(Object.entries(pending).map(async ([what, p]) => [what, await p] as const)),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 5000)),
    ]);
    expect(outcomes).toEqual(Object.keys(pending).map((what) => [what, 'ERR_VM_STOPPED']));
    await expect(vm.receive()).rejects.toMatchObject({ code: 'ERR_VM_STOPPED' });
  });

  it('every concurrent stop() resolves only once the VM has stopped', async () => {
    const { vm } = await testVM({ schedulers: 2 });
    const watcher = vm.mailbox();
    // Traps exits: it is alive when stop() begins and goes only once it has seen shutdown.
    const slow = vm.spawnOn(1, reportsShutdown, watcher.self);
    await watcher.receive(isType('trapping'));
    const first = vm.stop(2000);
    const second = vm.stop(2000);
    await second;
    expect(vm.isAlive(slow)).toBe(false);
    expect(() => vm.spawn(idleForever)).toThrow(/stopped/);
    await first;
  });
});
