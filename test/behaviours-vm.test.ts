import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenServer, GenStatem, Registry, Task, TaskSupervisor, TIMEOUT, type AnyPid, type Context } from '@beamjs/runtime';
import { startVM, type VM } from '@beamjs/scheduler';
import { lock, publisher, subscriber, vmCaller, vmDouble, vmFailing, vmNames, vmTopics, whereServer, type Note, type Where } from './fixtures/behaviours-vm.js';

const FIXTURE = new URL('./fixtures/behaviours-vm.ts', import.meta.url);

/** GenStatem, Registry and Task.Supervisor across three schedulers. */
describe('behaviours on the multi-scheduler VM', () => {
  let vm: VM;
  let me: Context<any>;
  beforeAll(async () => {
    vm = await startVM({ schedulers: 3, modules: [FIXTURE], balanceIntervalMs: 0, onReport: () => {} });
    me = vm.mailbox();
  });
  afterAll(() => vm.stop(500));

  async function note(ev: string, ms = 10_000): Promise<Note> {
    const got = await me.receive((m: unknown) => (m as Note)?.ev === ev, ms);
    if (got === TIMEOUT) throw new Error(`no ${ev} within ${ms} ms`);
    return got as Note;
  }

  /** Moves an idle behaviour process; a move is refused while a signal to it is in flight, so retry. */
  async function place(pid: AnyPid, to: number): Promise<void> {
    for (let tries = 0; vm.schedulerOf(pid) !== to && tries < 200; tries++) {
      if (!(await vm.migrate(pid, to))) await new Promise((r) => setTimeout(r, 5));
    }
    expect(vm.schedulerOf(pid)).toBe(to);
  }

  it('GenStatem: a state timeout set on one scheduler fires on the one it migrated to, and one cancelled by a state change after migrating never fires', async () => {
    const m = await GenStatem.start(me, lock, [me.self]);
    await place(m, 0);
    GenStatem.cast(me, m, { type: 'arm', ms: 300, content: 'travelled' });
    expect(await GenStatem.call(me, m, { type: 'where' })).toBe(0);
    await place(m, 1);
    const fired = await note('stateTimeout');
    expect(fired).toMatchObject({ scheduler: 1, state: 'locked', content: 'travelled' });

    GenStatem.cast(me, m, { type: 'arm', ms: 300, content: 'cancelled' });
    GenStatem.cast(me, m, { type: 'arm', ms: 300, generic: true, content: 'generic' });
    await GenStatem.call(me, m, { type: 'where' });
    await place(m, 2);
    GenStatem.cast(me, m, { type: 'move', to: 'other' });
    // The generic timeout survives the state change; the state timeout does not.
    expect(await note('timeout')).toMatchObject({ scheduler: 2, state: 'other', content: 'generic' });
    expect(await me.receive((x: unknown) => (x as Note)?.ev === 'stateTimeout', 400)).toBe(TIMEOUT);
    await GenStatem.stop(me, m);
  });

  it('GenStatem: a call postponed on one scheduler is answered from another after the state change', async () => {
    const m = await GenStatem.start(me, lock, [me.self]);
    GenStatem.cast(me, m, { type: 'move', to: 'locked' });
    await place(m, 1);
    vm.spawnWith(vmCaller, [me.self, 'opened', m, { type: 'open' }], { scheduler: 2 });
    // Wait until the call sits postponed in the machine, then move it with the call inside.
    for (let i = 0; i < 400 && !(await postponedHere()); i++) await new Promise((r) => setTimeout(r, 5));
    expect(await postponedHere()).toBe(true);
    await place(m, 0);
    GenStatem.cast(me, m, { type: 'move', to: 'unlocked' });
    expect(await note('opened')).toMatchObject({ scheduler: 2, reply: { scheduler: 0 } });
    await GenStatem.stop(me, m);

    async function postponedHere(): Promise<boolean> {
      const info = await vm.processInfo(m);
      // It has handled the cast and the call (which it postponed).
      return info !== undefined && info.messagesHandled >= 2;
    }
  });

  it('Registry: a via name registered on one scheduler is called from a process on another', async () => {
    await Registry.startLink(me, vmNames);
    const server = await GenServer.start(me, whereServer, [], { name: Registry.via<Where>(vmNames, 'here') });
    await place(server, 1);
    vm.spawnWith(vmCaller, [me.self, 'via-call', Registry.via(vmNames, 'here'), { type: 'where' }], { scheduler: 2 });
    expect(await note('via-call')).toEqual({ ev: 'via-call', scheduler: 2, reply: 1 });
    // Its key goes with it.
    await GenServer.stop(me, server);
    for (let i = 0; i < 200 && (await Registry.whereis(me, vmNames, 'here')) !== undefined; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await Registry.whereis(me, vmNames, 'here')).toBeUndefined();
    vm.spawnWith(vmCaller, [me.self, 'gone', Registry.via(vmNames, 'here'), { type: 'where' }], { scheduler: 0 });
    expect((await note('gone')).error).toContain('no process is registered as vm.names/"here"');
  });

  it('Registry: duplicate keys from every scheduler, dispatch reaches them all, and a dead subscriber is released', async () => {
    await Registry.startLink(me, vmTopics);
    const subs: AnyPid[] = [];
    for (const s of [0, 1, 2]) {
      vm.spawnWith(subscriber, [me.self, 'news'], { scheduler: s });
      subs.push((await note('subscribed')).pid!);
    }
    const entries = await Registry.lookup(me, vmTopics, 'news');
    expect(entries.map(([, v]) => v.scheduler).sort()).toEqual([0, 1, 2]);
    vm.spawnWith(publisher, ['news', 'extra!'], { scheduler: 1 });
    const got = [await note('got'), await note('got'), await note('got')];
    expect(got.map((g) => g.pid).sort()).toEqual([...subs].sort());
    me.send(subs[0]!, 'quit');
    for (let i = 0; i < 200 && (await Registry.count(me, vmTopics)) !== 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect((await Registry.lookup(me, vmTopics, 'news')).map(([p]) => p).sort()).toEqual(subs.slice(1).sort());
  });

  it('Task.Supervisor: a task that crashes on another scheduler does not take the caller down', async () => {
    const sup = await TaskSupervisor.startLink(me);
    const t = await TaskSupervisor.asyncNolink(me, sup, vmFailing);
    await expect(Task.await(me, t, 10_000)).rejects.toMatchObject({ code: 'ERR_TASK_FAILED' });
    expect(vm.isAlive(me.self)).toBe(true);
    const ok = await TaskSupervisor.asyncNolink(me, sup, vmDouble, 4);
    expect(await Task.await(me, ok, 10_000)).toBe(8);
  });
});
