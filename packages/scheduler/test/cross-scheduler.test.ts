import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VM } from '@beamjs/scheduler';
import { crashOnRequest, exitWith, idleForever, linkAndWait, named, pingByName, trapAndForward, watch } from './fixtures/procs.js';
import { isType, testVM } from './helpers.js';

describe('processes on different schedulers', () => {
  let vm: VM;
  beforeAll(async () => {
    ({ vm } = await testVM({ schedulers: 2 }));
  });
  afterAll(() => vm.stop(200));

  it('a linked partner on another scheduler gets the exit signal (as a message when trapping)', async () => {
    const partner = vm.spawnOn(0, exitWith);
    const trapper = vm.spawnOn(1, trapAndForward, partner, vm.self);
    expect(await vm.receive(isType('linked'))).toMatchObject({ scheduler: 1 });
    // The link (from scheduler 1) and the exit request (from main) reach the partner from two
    // threads in no fixed order: end it only once the link is in place, or the link gets noproc.
    while (!(await vm.processInfo(partner))?.links.includes(trapper)) await new Promise((r) => setTimeout(r, 1));
    vm.send(partner, { reason: { custom: 'bye' } });
    const got = (await vm.receive(isType('got'))) as { msg: unknown; scheduler: number };
    expect(got.msg).toEqual({ type: 'EXIT', from: partner, reason: { custom: 'bye' } });
    expect(got.scheduler).toBe(1);
  });

  /** Waits until `watcher`'s monitor has reached `target`. */
  async function monitorInPlace(target: number, watcher: number): Promise<void> {
    while (!(await vm.processInfo(target))?.monitoredBy.includes(watcher)) await new Promise((r) => setTimeout(r, 1));
  }

  it('a linked process on another scheduler dies with its crashing partner', async () => {
    const partner = vm.spawnOn(0, crashOnRequest);
    const linked = vm.spawnOn(1, linkAndWait, partner, vm.self);
    await vm.receive(isType('linked'));
    const ref = vm.context.monitor(linked);
    // The monitor and the partner's exit signal reach `linked` from different threads, in no
    // fixed order: crash the partner only once the monitor is in place.
    await monitorInPlace(linked, vm.self);
    vm.send(partner, 'now');
    const down = (await vm.receive((m) => isType('DOWN')(m) && m.ref === ref)) as { reason: { error: string } };
    expect(down.reason.error).toBe('crash requested: now');
  });

  it('a monitor on another scheduler sees the exit reason, and noproc for a dead pid', async () => {
    const target = vm.spawnOn(0, exitWith);
    const watcher = vm.spawnOn(1, watch, target, vm.self);
    expect(await vm.receive(isType('watching'))).toMatchObject({ scheduler: 1 });
    // The monitor and our message reach the target from different threads, in no fixed order.
    await monitorInPlace(target, watcher);
    vm.send(target, { reason: 'shutdown' });
    const seen = (await vm.receive(isType('down-seen'))) as { down: { reason: unknown; pid: number } };
    expect(seen.down).toMatchObject({ type: 'DOWN', reason: 'shutdown', pid: target });
    vm.spawnOn(0, watch, target, vm.self);
    await vm.receive(isType('watching'));
    const late = (await vm.receive(isType('down-seen'))) as { down: { reason: unknown } };
    expect(late.down.reason).toBe('noproc');
  });

  it('a registered name is found and reached from any scheduler, and dies with its process', async () => {
    const server = vm.spawnOn(0, named, 'the-server');
    // Wait until it has registered.
    while (vm.whereis('the-server') === undefined) await new Promise((r) => setTimeout(r, 1));
    expect(vm.whereis('the-server')).toBe(server);
    vm.spawnOn(1, pingByName, 'the-server', vm.self);
    const result = (await vm.receive(isType('ping-result'))) as { found: boolean; pong: { scheduler: number }; scheduler: number };
    expect(result).toMatchObject({ found: true, scheduler: 1, pong: { type: 'pong', name: 'the-server', scheduler: 0 } });
    const ref = vm.context.monitor(server);
    vm.context.exit(server, 'kill');
    await vm.receive((m) => isType('DOWN')(m) && m.ref === ref);
    expect(vm.whereis('the-server')).toBeUndefined();
  });

  it('sending to a dead pid on another scheduler is a silent no-op', async () => {
    const target = vm.spawnOn(1, exitWith);
    const reason = vm.waitFor(target);
    vm.send(target, { reason: 'normal' });
    expect(await reason).toBe('normal');
    expect(() => vm.send(target, { reason: 'again' })).not.toThrow();
    expect(vm.isAlive(target)).toBe(false);
  });

  it('messages crossing threads are copies: Maps, Dates and typed arrays arrive intact', async () => {
    const echo = vm.spawnOn(1, trapAndForward, vm.spawnOn(0, idleForever), vm.self);
    await vm.receive(isType('linked'));
    const payload = { when: new Date(0), tags: new Map([['a', 1]]), bytes: new Uint8Array([1, 2, 3]), nested: { list: [1, { deep: true }] } };
    vm.send(echo, payload);
    const got = (await vm.receive(isType('got'))) as { msg: typeof payload };
    expect(got.msg).toEqual(payload);
    expect(got.msg).not.toBe(payload);
  });
});
