import { describe, expect, it } from 'vitest';
import { pidToString } from '../src/index.js';
import { counter, forwarder, idle } from './fixtures/procs.js';
import { quietRuntime } from './helpers.js';

describe('process introspection', () => {
  it('processInfo shows status, mailbox, links, monitors, name, messages handled and scheduler', async () => {
    const { rt, me } = quietRuntime();
    const pid = rt.spawn(forwarder, [me.self]);
    me.link(pid);
    const ref = me.monitor(pid);
    me.register('info-target', pid);
    me.send(pid, 'a');
    me.send(pid, 'b');
    await me.receive();
    await me.receive();
    const info = rt.processInfo(pid)!;
    expect(info).toMatchObject({
      pid,
      name: 'forwarder',
      kind: 'process',
      status: 'waiting',
      mailboxLength: 0,
      links: [me.self],
      monitoredBy: [me.self],
      registeredName: 'info-target',
      trapExit: false,
      messagesHandled: 2,
      scheduler: 0,
      movable: false,
    });
    expect(rt.processInfo(me.self)?.monitors).toEqual([{ ref, pid }]);
    expect(pidToString(pid)).toMatch(/^<\d+\.\d+>$/);
    await rt.stop(50);
  });

  it('an idle actor is movable; processes() lists the live ones; a dead pid has no info', async () => {
    const { rt, me } = quietRuntime();
    const actor = rt.spawn(counter, [0]);
    const proc = rt.spawn(idle);
    await Promise.resolve();
    expect(rt.processInfo(actor)).toMatchObject({ kind: 'actor', movable: true });
    expect(rt.processes()).toEqual(expect.arrayContaining([me.self, actor, proc]));
    me.exit(proc, 'kill');
    await rt.whenExit(proc);
    expect(rt.processInfo(proc)).toBeUndefined();
    expect(rt.processes()).not.toContain(proc);
    await rt.stop(50);
  });
});
