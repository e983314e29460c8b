import { describe, expect, it } from 'vitest';
import { GenServer, Supervisor, createRuntime, defineActor, defineProcess, type Context, type Runtime } from '@beamjs/runtime';
import { SnapshotProbe, topRows } from '../src/observer/snapshot.js';
import { estimateBytes, PROCESS_BASE_BYTES } from '../src/observer/estimate.js';
import { LoadHistory } from '../src/observer/load.js';
import { supervisionForest, mergeProcesses } from '../src/observer/model.js';
import { Observer, type ObservedVM } from '../src/observer/server.js';
import type { ProcessRow, SchedulerSnapshot, SupervisorEntry } from '../src/observer/types.js';
import type { StatsField } from '../src/stats-block.js';

const counter = defineActor(import.meta.url, 'counter', {
  init: () => 0,
  handle: (_ctx, _msg, n: number) => n + 1,
});

/** Waits for the one message nobody sends: everything else stays in its mailbox. */
const hoarder = defineProcess(import.meta.url, 'hoarder', async (ctx: Context<unknown>) => {
  await ctx.receive((m) => m === 'never');
});

const echo = GenServer.define<{ state: null; calls: { ping(): string } }>(import.meta.url, 'echo', {
  init: () => ({ ok: null }),
  handleCall: { ping: (_ctx, _req, _from, s) => ({ reply: 'pong', state: s }) },
});

const settle = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await settle(5);
  }
}

function rowOf(rt: Runtime, probe: SnapshotProbe, pid: number, tick: number, filter = ''): ProcessRow | undefined {
  return probe.snapshot({ tick, filter, limit: 100 }).rows.find((r) => r.pid === pid);
}

describe('snapshot data (one scheduler, as each scheduler answers the observer)', () => {
  it("counts a process's steps over the window since the previous tick; a second request in the same tick keeps the window", async () => {
    const rt = createRuntime();
    const probe = new SnapshotProbe(rt);
    const pid = rt.spawn(counter);
    for (let i = 0; i < 5; i++) rt.send(pid, i);
    await until(() => rt.processInfo(pid)?.messagesHandled === 5, 'five messages handled');
    // Its start and five messages.
    expect(rowOf(rt, probe, pid, 1)).toMatchObject({ name: 'counter', kind: 'actor', steps: 6, windowSteps: 6, messagesHandled: 5 });
    for (let i = 0; i < 3; i++) rt.send(pid, i);
    await until(() => rt.processInfo(pid)?.messagesHandled === 8, 'three more messages handled');
    expect(rowOf(rt, probe, pid, 2)).toMatchObject({ steps: 9, windowSteps: 3 });
    expect(rowOf(rt, probe, pid, 2, 'counter')).toMatchObject({ windowSteps: 3 });
    expect(rowOf(rt, probe, pid, 3)).toMatchObject({ steps: 9, windowSteps: 0 });
    await rt.stop(100);
  });

  it('filters by name, registered name, definition and pid; supervisors are listed whatever the filter', async () => {
    const rt = createRuntime();
    const ctx = rt.mailbox();
    const probe = new SnapshotProbe(rt);
    const a = rt.spawn(counter);
    const b = rt.spawn(hoarder, [], { name: 'the-hoarder' });
    const sup = await Supervisor.startLink(ctx, [{ id: 'echo', start: { def: echo } }]);
    await settle();
    const pids = (filter: string) => probe.snapshot({ tick: 1, filter, limit: 100 }).rows.map((r) => r.pid).sort();
    expect(pids('COUNTER')).toEqual([a]);
    expect(pids('the-hoard')).toEqual([b]);
    expect(pids('observer-data.test')).toContain(b);
    expect(pids(String(b))).toEqual([b]);
    const snap = probe.snapshot({ tick: 1, filter: 'nothing matches this', limit: 100 });
    expect(snap).toMatchObject({ rows: [], matched: 0, processes: 5 });
    expect(snap.supervisors.map((s) => s.pid)).toEqual([sup]);
    expect(snap.heapUsed).toBeGreaterThan(0);
    expect(snap.costMs).toBeGreaterThanOrEqual(0);
    await Supervisor.stop(ctx, sup);
    await rt.stop(100);
  });

  it("a supervisor's view lists its children with their restart types and counts each child's restarts", async () => {
    const rt = createRuntime({ onReport: () => undefined });
    const ctx = rt.mailbox();
    const probe = new SnapshotProbe(rt);
    const sup = await Supervisor.startLink(ctx, [
      { id: 'a', start: { def: echo } },
      { id: 'b', start: { def: echo }, restart: 'transient' },
    ]);
    const view = () => probe.snapshot({ tick: 1, filter: '', limit: 100 }).supervisors[0].view;
    expect(view()).toMatchObject({ kind: 'supervisor', strategy: 'one_for_one', intensity: 3, period: 5000 });
    const first = view().children;
    expect(first.map((c) => [c.id, c.type, c.restart, c.restarts])).toEqual([
      ['a', 'worker', 'permanent', 0],
      ['b', 'worker', 'transient', 0],
    ]);
    ctx.exit(first[1].pid as number, 'kill');
    // The view is read between two messages of the supervisor, or during an async restart: the count goes up first, the new pid follows.
    await until(() => view().children[1].restarts === 1 && typeof view().children[1].pid === 'number', 'the restart of b');
    const after = view().children;
    expect(after[1].pid).not.toBe(first[1].pid);
    expect(rt.isAlive(after[1].pid as number)).toBe(true);
    expect(after[0]).toEqual(first[0]);
    const detail = probe.detail(sup)!;
    expect(detail.supervisor?.children[1].restarts).toBe(1);
    expect(detail.trapExit).toBe(true);
    await Supervisor.stop(ctx, sup);
    await rt.stop(100);
  });

  it("a process's detail shows its mailbox head, and its memory estimate grows with its mailbox", async () => {
    const rt = createRuntime();
    const probe = new SnapshotProbe(rt);
    const pid = rt.spawn(hoarder);
    await settle();
    const empty = probe.detail(pid)!;
    expect(empty).toMatchObject({ name: 'hoarder', mailboxLength: 0, mailboxHead: [], state: undefined });
    for (let i = 0; i < 100; i++) rt.send(pid, { seq: i, text: 'x'.repeat(100) });
    const full = probe.detail(pid)!;
    expect(full.mailboxLength).toBe(100);
    expect(full.mailboxHead).toHaveLength(10);
    expect(full.mailboxHead[0]).toContain('seq: 0');
    expect(full.memory).toBeGreaterThan(empty.memory + 100 * 100);
    expect(probe.detail(pid + 1)).toBeUndefined();
    await rt.stop(100);
  });
});

describe('estimateBytes', () => {
  it('grows with the data, counts shared structure once, and stays near the full walk when the budget cuts it short', () => {
    expect(estimateBytes(undefined)).toBe(0);
    expect(estimateBytes('x'.repeat(1000))).toBeGreaterThan(1000);
    const item = { name: 'abc', values: [1.5, 2.5, 3.5] };
    expect(estimateBytes([item, item])).toBeLessThan(estimateBytes([item, { ...item, values: [...item.values] }]));
    const big = Array.from({ length: 20_000 }, (_, i) => ({ i: i + 0.5, s: `item ${i}` }));
    const full = estimateBytes(big, Infinity);
    const cut = estimateBytes(big, 500);
    expect(cut).toBeGreaterThan(full / 2);
    expect(cut).toBeLessThan(full * 2);
    expect(estimateBytes(new Map([[1, 'a']]))).toBeGreaterThan(0);
    expect(estimateBytes(new Float64Array(1000))).toBeGreaterThanOrEqual(8000);
    expect(PROCESS_BASE_BYTES).toBeGreaterThan(0);
  });
});

describe('merging and shaping the data for the page', () => {
  const row = (pid: number, windowSteps: number, mailboxLength: number, memory: number): ProcessRow => ({
    pid, name: 'p', key: 'k', registeredName: undefined, kind: 'process', status: 'waiting', mailboxLength, windowSteps, steps: windowSteps, messagesHandled: 0, memory, scheduler: 0, movable: false,
  });

  it('the top rows are the union of the top by steps, by mailbox and by memory, each row once', () => {
    const rows = [row(1, 100, 0, 0), row(2, 0, 100, 0), row(3, 0, 0, 100), row(4, 1, 1, 1), row(5, 50, 50, 50)];
    expect(topRows(rows, 1).map((r) => r.pid).sort()).toEqual([1, 2, 3]);
    expect(topRows(rows, 2).map((r) => r.pid).sort()).toEqual([1, 2, 3, 5]);
    expect(topRows(rows, 10)).toBe(rows);
  });

  it('merges schedulers, counts totals, and names the ones that did not answer', () => {
    const snap = (scheduler: number, rows: ProcessRow[]): SchedulerSnapshot => ({ scheduler, processes: rows.length + 1, matched: rows.length, rows, supervisors: [], heapUsed: 1, heapTotal: 2, costMs: scheduler });
    const merged = mergeProcesses([snap(0, [row(1, 5, 0, 0)]), undefined, snap(2, [row(3, 9, 0, 0)])], [0, 1, 2], 10);
    expect(merged).toMatchObject({ total: 4, matched: 2, silent: [1], costMs: 2 });
    expect(merged.rows.map((r) => r.pid)).toEqual([1, 3]);
  });

  it('nests supervisors by their children, whatever scheduler each runs on', () => {
    const entry = (pid: number, scheduler: number, children: number[]): SupervisorEntry => ({
      pid, name: 'supervisor', registeredName: undefined, scheduler, childrenNotShown: 0,
      view: { kind: 'supervisor', strategy: 'one_for_one', intensity: 3, period: 5000, children: children.map((c) => ({ id: `c${c}`, pid: c, type: 'worker', restart: 'permanent', restarts: 0 })) },
    });
    const forest = supervisionForest([entry(20, 1, [21, 22]), entry(10, 0, [20, 11]), entry(30, 0, [])]);
    expect(forest.map((n) => n.pid)).toEqual([10, 30]);
    expect(forest[0].children.map((c) => c.supervisor?.pid)).toEqual([20, undefined]);
    expect(forest[0].children[0].supervisor!.children.map((c) => c.pid)).toEqual([21, 22]);
    // A cycle (a corrupt or racing view) does not recurse forever.
    const cycle = supervisionForest([entry(1, 0, [2]), entry(2, 0, [1])]);
    expect(cycle).toEqual([]);
  });
});

describe('LoadHistory', () => {
  function source() {
    const counters = new Map<number, Record<StatsField, number>>();
    const sleeping = new Set<number>();
    const zero = (): Record<StatsField, number> => ({ busyMs: 0, uptimeMs: 0, processes: 0, runQueue: 0, queuedJobs: 0, steps: 0, spawned: 0, exited: 0, steals: 0, migrationsIn: 0, migrationsOut: 0, messagesIn: 0, messagesOut: 0, longSchedules: 0, recentUtilization: 0, msPerStep: 0, balanceRounds: 0, loadAt: 0, active: 0 });
    for (const id of [0, 1]) counters.set(id, zero());
    return {
      counters,
      sleeping,
      src: { schedulers: () => [0, 1], counters: (id: number) => ({ ...counters.get(id)! }), sleeping: (id: number) => sleeping.has(id) },
      bump: (id: number, fields: Partial<Record<StatsField, number>>) => {
        const c = counters.get(id)!;
        for (const [k, v] of Object.entries(fields)) c[k as StatsField] += v as number;
      },
    };
  }

  it('gives utilization and rates over the wall time between two samples', () => {
    const s = source();
    const load = new LoadHistory(s.src);
    load.sample(0, 0, new Map());
    s.bump(0, { busyMs: 250, uptimeMs: 500, messagesIn: 1000, spawned: 10, exited: 4 });
    s.sleeping.add(0);
    // Scheduler 1 slept all along: idle.
    s.sleeping.add(1);
    const sample = load.sample(1000, 1000, new Map([[0, 5e6]]));
    expect(sample.t).toBe(1);
    expect(sample.schedulers[0]).toMatchObject({ scheduler: 0, utilization: 0.25, messagesIn: 1000, spawns: 10, exits: 4, heapUsed: 5e6, sleeping: true });
    expect(sample.schedulers[1]).toMatchObject({ utilization: 0, messagesIn: 0, heapUsed: undefined });
  });

  it('a scheduler awake that wrote nothing for a whole window is stuck in a long step: fully busy', () => {
    const s = source();
    const load = new LoadHistory(s.src);
    s.bump(0, { uptimeMs: 100 });
    load.sample(0, 0, new Map());
    expect(load.sample(1000, 1000, new Map()).schedulers[0].utilization).toBe(1);
    s.sleeping.add(0);
    expect(load.sample(2000, 2000, new Map()).schedulers[0].utilization).toBe(0);
  });

  it('a replaced scheduler (its counters start again) gives no negative rates, and the history keeps its size', () => {
    const s = source();
    const load = new LoadHistory(s.src, 3);
    s.bump(0, { uptimeMs: 1000, messagesIn: 5000 });
    load.sample(0, 0, new Map());
    s.counters.get(0)!.uptimeMs = 10;
    s.counters.get(0)!.messagesIn = 3;
    const after = load.sample(1000, 1000, new Map()).schedulers[0];
    expect(after.messagesIn).toBe(0);
    expect(after.utilization).toBe(0);
    load.sample(2000, 2000, new Map());
    load.sample(3000, 3000, new Map());
    expect(load.samples.map((x) => x.t)).toEqual([1, 2, 3]);
  });
});

describe('the observer server (with a stand-in VM)', () => {
  function fakeVM() {
    const exits: [number, unknown][] = [];
    const vm: ObservedVM = {
      schedulers: () => [0],
      counters: () => ({ busyMs: 0, uptimeMs: 0, processes: 1, runQueue: 0, queuedJobs: 0, steps: 0, spawned: 0, exited: 0, steals: 0, migrationsIn: 0, migrationsOut: 0, messagesIn: 0, messagesOut: 0, longSchedules: 0, recentUtilization: 0, msPerStep: 0, balanceRounds: 0, loadAt: 0, active: 0 }),
      sleeping: () => true,
      nodes: () => [0],
      snapshot: async (node) => ({ scheduler: node, processes: 1, matched: 1, rows: [], supervisors: [], heapUsed: 1, heapTotal: 1, costMs: 0.5 }),
      detail: async () => undefined,
      isAlive: (pid) => pid === 7,
      exit: (pid, reason) => void exits.push([pid, reason]),
      migrate: async (_pid, to) => to === 0,
    };
    return { vm, exits };
  }
  const post = (o: Observer, path: string, body: unknown, token = o.token) =>
    fetch(new URL(path, o.url), { method: 'POST', headers: token ? { 'x-beamjs-token': token } : {}, body: JSON.stringify(body) });

  it('needs the token for everything but the static files, and refuses actions unless they are allowed', async () => {
    const { vm, exits } = fakeVM();
    const o = await Observer.start(vm, {});
    try {
      expect(new URL(o.url).hostname).toBe('127.0.0.1');
      expect((await fetch(o.url)).status).toBe(200);
      expect((await fetch(new URL('/', o.url).origin)).status).toBe(401);
      expect((await fetch(new URL('/api/view', o.url).href.replace(/\?.*/, ''))).status).toBe(401);
      expect((await fetch(new URL('/assets/uPlot.js', o.url).href.replace(/\?.*/, ''))).status).toBe(200);
      expect((await post(o, '/api/exit', { pid: 7 }, '')).status).toBe(401);
      const refused = await post(o, '/api/exit', { pid: 7 });
      expect(refused.status).toBe(403);
      expect((await post(o, '/api/migrate', { pid: 7, to: 0 })).status).toBe(403);
      expect(exits).toEqual([]);
    } finally {
      await o.close();
    }
  });

  it('with actions allowed: exits a live process with the reason given, checks its input, and migrates', async () => {
    const { vm, exits } = fakeVM();
    const o = await Observer.start(vm, { allowActions: true });
    try {
      expect((await post(o, '/api/exit', { pid: 7, reason: 'shutdown' })).status).toBe(200);
      expect((await post(o, '/api/exit', { pid: 7 })).status).toBe(200);
      expect(exits).toEqual([[7, 'shutdown'], [7, 'kill']]);
      expect((await post(o, '/api/exit', { pid: 8 })).status).toBe(404);
      const bad = await post(o, '/api/exit', { pid: 'seven' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toContain('pid must be a process id');
      expect((await post(o, '/api/exit', { pid: 7, reason: 42 })).status).toBe(400);
      expect((await post(o, '/api/migrate', { pid: 7, to: 0 })).status).toBe(200);
      expect((await post(o, '/api/migrate', { pid: 7, to: 5 })).status).toBe(400);
    } finally {
      await o.close();
    }
  });

  it('streams a hello with the load history, then ticks, over Server-Sent Events', async () => {
    const { vm } = fakeVM();
    const o = await Observer.start(vm, { intervalMs: 50 });
    try {
      const res = await fetch(new URL(`/events?token=${o.token}`, o.url));
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes('event: tick')) text += new TextDecoder().decode((await reader.read()).value);
      const hello = JSON.parse(/event: hello\ndata: (.*)\n/.exec(text)![1]);
      expect(hello).toMatchObject({ schedulers: [0], allowActions: false, intervalMs: 50 });
      expect(hello.history.length).toBeGreaterThan(0);
      const tick = JSON.parse(/event: tick\ndata: (.*)\n/.exec(text)![1]);
      expect(tick).toMatchObject({ processes: { total: 1, silent: [] }, supervisors: [] });
      await reader.cancel();
    } finally {
      await o.close();
    }
  });

  it('says what is wrong with a bad port or interval', async () => {
    const { vm } = fakeVM();
    await expect(Observer.start(vm, { port: 70000 })).rejects.toThrow(/port must be a whole number from 0 to 65535/);
    await expect(Observer.start(vm, { intervalMs: 1 })).rejects.toThrow(/intervalMs must be at least 50/);
  });
});
