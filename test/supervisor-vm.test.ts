import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamicSupervisor, GenServer, Supervisor, TIMEOUT, type AnyPid, type ChildSpec, type Context } from '@beamjs/runtime';
import { startVM, type VM, type VMEvent } from '@beamjs/scheduler';
import { vmWorker, type Up, type VmWorker } from './fixtures/supervised-vm.js';

const FIXTURE = new URL('./fixtures/supervised-vm.ts', import.meta.url);

describe('supervisors on the multi-scheduler VM', () => {
  let vm: VM;
  let me: Context<any>;
  const reports: VMEvent[] = [];
  beforeAll(async () => {
    // No load balancing: the test places processes itself, so where they are is known.
    vm = await startVM({ schedulers: 3, modules: [FIXTURE], balanceIntervalMs: 0, onReport: (e) => reports.push(e) });
    me = vm.mailbox();
  });
  afterAll(() => vm.stop(500));

  async function up(id: string): Promise<Up> {
    const got = await me.receive((m: unknown) => (m as Up)?.ev === 'up' && (m as Up).id === id, 10_000);
    if (got === TIMEOUT) throw new Error(`${id} did not come up within 10 s`);
    return got as Up;
  }

  /**
   * Moves an idle behaviour process (GenServer, supervisor) to scheduler `to`. A move is refused
   * while a signal to the process is in flight, so it is tried again a few times.
   */
  async function place(pid: AnyPid, to: number): Promise<void> {
    for (let tries = 0; vm.schedulerOf(pid) !== to && tries < 100; tries++) {
      if (!(await vm.migrate(pid, to))) await new Promise((r) => setTimeout(r, 5));
    }
    expect(vm.schedulerOf(pid)).toBe(to);
  }

  const child = (id: string): ChildSpec => ({ id, start: { def: vmWorker, args: [id, me.self] } });
  const where = (pid: AnyPid) => GenServer.call(me, pid as GenServer.Server<VmWorker>, { type: 'where' });

  it('children live on other schedulers than their supervisor, and a one_for_one restart works across them', async () => {
    const sup = await Supervisor.start(me, [child('a'), child('b'), child('c')]);
    const [a, b, c] = [await up('a'), await up('b'), await up('c')];
    await place(sup, 0);
    await place(a.pid, 1);
    await place(b.pid, 2);
    await place(c.pid, 2);
    expect(await where(a.pid)).toEqual({ id: 'a', scheduler: 1 });
    expect(await where(b.pid)).toEqual({ id: 'b', scheduler: 2 });

    // b crashes on scheduler 2; its supervisor on scheduler 0 gets the EXIT and starts a new b.
    GenServer.cast(me, b.pid as GenServer.Server<VmWorker>, { type: 'crash' });
    const b2 = await up('b');
    expect(b2.pid).not.toBe(b.pid);
    expect(vm.isAlive(b.pid)).toBe(false);
    expect((await where(b2.pid)).id).toBe('b');
    const children = await Supervisor.whichChildren(me, sup);
    expect(children.map((x) => x.pid)).toEqual([a.pid, b2.pid, c.pid]);
    expect(reports.filter((r) => r.type === 'supervisor')).toEqual([
      expect.objectContaining({ context: 'child_terminated', pid: sup, scheduler: 0, child: { id: 'b', pid: b.pid } }),
    ]);
    await Supervisor.stop(me, sup);
    expect([a.pid, b2.pid, c.pid].some((p) => vm.isAlive(p))).toBe(false);
  });

  it('a supervisor moved to another scheduler between messages keeps its children and restarts them there', async () => {
    const sup = await Supervisor.start(me, [child('m1'), child('m2')], { strategy: 'one_for_all' });
    const m1 = await up('m1');
    const m2 = await up('m2');
    await place(sup, 1);
    await place(sup, 2);
    expect(await Supervisor.countChildren(me, sup)).toEqual({ specs: 2, active: 2, supervisors: 0, workers: 2 });
    await place(m1.pid, 0);
    GenServer.cast(me, m1.pid as GenServer.Server<VmWorker>, { type: 'crash' });
    const [n1, n2] = [await up('m1'), await up('m2')];
    expect(n1.pid).not.toBe(m1.pid);
    expect(n2.pid).not.toBe(m2.pid);
    expect(vm.isAlive(m2.pid)).toBe(false);
    expect(vm.schedulerOf(sup)).toBe(2);
    await Supervisor.stop(me, sup);
  });

  it('nested supervisors and a DynamicSupervisor work across schedulers', async () => {
    const top = await Supervisor.start(me, [
      Supervisor.childSpec('inner', [child('i1')]),
      DynamicSupervisor.childSpec('pool', { name: 'vm-pool', maxChildren: 2 }),
    ]);
    const i1 = await up('i1');
    const [inner, pool] = (await Supervisor.whichChildren(me, top)).map((x) => x.pid as AnyPid);
    await place(top, 0);
    await place(inner!, 1);
    await place(pool!, 2);
    const d1 = await DynamicSupervisor.startChild(me, 'vm-pool', { start: { def: vmWorker, args: ['d1', me.self] } });
    await up('d1');
    await place(d1, 0);
    GenServer.cast(me, d1 as GenServer.Server<VmWorker>, { type: 'crash' });
    const d1b = await up('d1');
    expect(d1b.pid).not.toBe(d1);
    await place(i1.pid, 2);
    GenServer.cast(me, i1.pid as GenServer.Server<VmWorker>, { type: 'crash' });
    expect((await up('i1')).pid).not.toBe(i1.pid);
    expect(await DynamicSupervisor.countChildren(me, 'vm-pool')).toMatchObject({ specs: 1, active: 1 });
    await Supervisor.stop(me, top);
    expect(vm.isAlive(d1b.pid)).toBe(false);
  });
});
