import { describe, expect, it } from 'vitest';
import { MAX_PID, SLOT_SPACE, type AnyPid } from '@beamjs/runtime';
import { exitWith, idleForever } from './fixtures/procs.js';
import { isType, testVM } from './helpers.js';

const BAD_PIDS: unknown[] = [-1, 0.5, Number.NaN, Infinity, MAX_PID + 1];
const invalid = expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringMatching(/needs a pid \(a non-negative integer/) });

async function outcome(call: () => unknown): Promise<unknown> {
  try {
    return await call();
  } catch (error) {
    return error;
  }
}

describe('pids on the VM', () => {
  it('every VM entry point rejects a malformed pid with ERR_INVALID_ARGUMENT, never a raw RangeError, and the VM carries on', async () => {
    const { vm } = await testVM({ schedulers: 2 });
    try {
      const live = vm.spawn(idleForever);
      const calls: Record<string, (pid: AnyPid) => unknown> = {
        send: (pid) => vm.send(pid, 'hello'),
        isAlive: (pid) => vm.isAlive(pid),
        schedulerOf: (pid) => vm.schedulerOf(pid),
        processInfo: (pid) => vm.processInfo(pid),
        migrate: (pid) => vm.migrate(pid, 1),
        waitFor: (pid) => vm.waitFor(pid),
        link: (pid) => vm.context.link(pid),
        monitor: (pid) => vm.context.monitor(pid),
        exit: (pid) => vm.context.exit(pid, 'kill'),
        register: (pid) => vm.context.register('validated', pid),
      };
      for (const [name, call] of Object.entries(calls)) {
        for (const bad of BAD_PIDS) expect(await outcome(() => call(bad as AnyPid)), `${name}(${String(bad)})`).toEqual(invalid);
      }
      expect(vm.isAlive(live)).toBe(true);
      expect(() => vm.isAlive(live + 0.5)).toThrow(invalid);
      vm.send(vm.self, 'still here');
      await expect(vm.receive((m) => m === 'still here', 5000)).resolves.toBe('still here');
    } finally {
      await vm.stop(1000);
    }
  });

  it('a well-formed pid whose slot the VM does not have is simply dead', async () => {
    const { vm } = await testVM({ schedulers: 2 });
    try {
      const nowhere = SLOT_SPACE - 1;
      expect(vm.isAlive(nowhere)).toBe(false);
      expect(() => vm.send(nowhere, 'lost')).not.toThrow();
      await expect(vm.waitFor(nowhere)).resolves.toBe('noproc');
    } finally {
      await vm.stop(1000);
    }
  });

  it("linking the VM's own context to a dead pid leaves its mailbox working: the noproc exit arrives as a message", async () => {
    const { vm } = await testVM({ schedulers: 2 });
    try {
      const dead = vm.spawn(exitWith);
      vm.send(dead, { reason: 'normal' });
      await vm.waitFor(dead);
      vm.context.link(dead);
      await expect(vm.receive(isType('EXIT'), 5000)).resolves.toMatchObject({ from: dead, reason: 'noproc' });
      vm.send(vm.self, 'after the link');
      await expect(vm.receive((m) => m === 'after the link', 5000)).resolves.toBe('after the link');
    } finally {
      await vm.stop(1000);
    }
  });
});
