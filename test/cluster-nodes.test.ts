import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GenServer, TIMEOUT, isDownMessage, isExitMessage, type AnyPid, type Context } from '@beamjs/runtime';
import { startVM, type VM } from '@beamjs/scheduler';
import { aliveCheck, collector, registrar, relay, startSlowServer, streamer, waiter } from './fixtures/cluster/procs.js';
import { NATS_SERVER, startNatsServer, type NatsServer } from './fixtures/cluster/nats-server.js';
import { startChildNode, type ChildNode } from './fixtures/cluster/child-node.js';

const FIXTURE = new URL('./fixtures/cluster/procs.ts', import.meta.url);
const HEARTBEAT_MS = 100;
const DOWN_AFTER_MS = 1500;

async function take<T>(ctx: Context<any>, match: (m: any) => boolean, what: string, ms = 20_000): Promise<T> {
  const got = await ctx.receive(match, ms);
  if (got === TIMEOUT) throw new Error(`no ${what} within ${ms} ms`);
  return got as T;
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Three nodes on loopback: `a` in this process (the test drives it), `c` and `d` in OS
 * processes of their own (`beamjs run --node --cluster`), so that one can be SIGKILLed.
 */
describe.skipIf(!NATS_SERVER)('distribution over NATS: three OS processes', () => {
  let nats: NatsServer;
  let a: VM;
  let c: ChildNode;
  let d: ChildNode;
  let url: string;
  beforeAll(async () => {
    nats = await startNatsServer();
    url = `${nats.url}?heartbeatMs=${HEARTBEAT_MS}&downAfterMs=${DOWN_AFTER_MS}`;
    a = await startVM({ schedulers: 2, modules: [FIXTURE], node: 'a', cluster: url });
    [c, d] = await Promise.all([startChildNode('c', url), startChildNode('d', url)]);
    await until('a sees c and d', () => a.nodes().join() === 'c,d');
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled([c?.stop(), d?.stop(), a?.stop(500)]);
    await nats?.stop();
  });

  it('spawnOn runs a definition on another node; a linked crash there reaches the spawner with its reason', async () => {
    const me = a.mailbox();
    me.trapExit(true);
    const pid = await me.spawnOnWith('c', waiter, [me.self], { link: true });
    expect(me.nodeOf(pid)).toBe('c');
    const started = await take<{ node: string }>(me, (m) => m?.started === pid, 'start');
    expect(started.node).toBe('c');
    me.send(pid, 'crash');
    const exit = await take<any>(me, (m) => isExitMessage(m) && m.from === pid, 'EXIT');
    expect(exit.reason).toMatchObject({ error: expect.stringContaining('asked to crash') });
    me.exit();
  });

  it('per sender->receiver FIFO holds across nodes: numbered streams between random processes on random nodes', async () => {
    const me = a.mailbox();
    const nodes = ['a', 'c', 'd'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...nodes),
        fc.array(fc.record({ node: fc.constantFrom(...nodes), count: fc.integer({ min: 1, max: 300 }) }), { minLength: 1, maxLength: 4 }),
        async (sink, senders) => {
          const target = sink === 'a' ? me.spawn(collector) : await me.spawnOn(sink, collector);
          const total = senders.reduce((sum, s) => sum + s.count, 0);
          me.send(target, { report: me.self, expect: total });
          // A process asks one thing at a time: the spawns are sequential, the streams run concurrently.
          for (const [stream, s] of senders.entries()) {
            if (s.node === 'a') me.spawn(streamer, target, stream, s.count);
            else await me.spawnOn(s.node, streamer, target, stream, s.count);
          }
          const { streams } = await take<{ streams: [number, number[]][] }>(me, (m) => Array.isArray(m?.streams), 'report');
          const got = new Map(streams);
          senders.forEach((s, stream) => expect(got.get(stream)).toEqual(Array.from({ length: s.count }, (_, n) => n)));
        },
      ),
      { numRuns: 6 },
    );
    me.exit();
  });

  it('a behaviour process that migrates between schedulers while it streams to another node keeps its order', async () => {
    const me = a.mailbox();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 1 })), { minLength: 2, maxLength: 12 }), async (steps) => {
        const target = await me.spawnOn('c', collector);
        const sender = me.spawn(relay);
        const total = steps.reduce((sum, [count]) => sum + count, 0);
        me.send(target, { report: me.self, expect: total });
        let from = 0;
        for (const [count, scheduler] of steps) {
          me.send(sender, { to: target, stream: 0, from, count });
          from += count;
          await a.migrate(sender, scheduler);
        }
        const { streams } = await take<{ streams: [number, number[]][] }>(me, (m) => Array.isArray(m?.streams), 'report');
        expect(new Map(streams).get(0)).toEqual(Array.from({ length: total }, (_, n) => n));
        me.exit(sender, 'kill');
      }),
      { numRuns: 5 },
    );
    me.exit();
  });

  it('two nodes racing to registerGlobal one name: exactly one wins, and whereisGlobal names it', async () => {
    const me = a.mailbox();
    const name = `race-${Date.now()}`;
    // Each registers as it starts: the three registrations race in three nodes.
    await me.spawnOn('c', registrar, name, me.self);
    await me.spawnOn('d', registrar, name, me.self);
    me.spawn(registrar, name, me.self);
    const results: { won: boolean; pid: AnyPid }[] = [];
    for (let i = 0; i < 3; i++) results.push(await take(me, (m) => m?.registered === name, 'registration'));
    const winners = results.filter((r) => r.won);
    expect(winners).toHaveLength(1);
    expect(await me.whereisGlobal(name)).toBe(winners[0].pid);
    me.exit();
  });

  it('SIGKILL of a node: a call to it fails with noconnection, monitors and links fire noconnection, nodedown arrives, its global names are freed; restarted, it has new pids and its old ones stay dead', async () => {
    const me = a.mailbox();
    me.trapExit(true);
    me.monitorNode('d');
    const watcher = a.mailbox();
    watcher.monitorNodes();
    const linked = await me.spawnOnWith('d', waiter, [me.self], { link: true });
    const [monitored, ref] = await me.spawnOnWith('d', waiter, [me.self], { monitor: true });
    await me.spawnOn('d', registrar, 'held-by-d', me.self);
    const held = await take<{ won: boolean; pid: AnyPid }>(me, (m) => m?.registered === 'held-by-d', 'registration');
    expect(held.won).toBe(true);
    await me.spawnOn('d', startSlowServer, me.self);
    const { server } = await take<{ server: AnyPid }>(me, (m) => m?.server !== undefined, 'server');
    expect(await GenServer.call(me, server as GenServer.Server<any>, { type: 'get' })).toBe(0);
    me.spawn(aliveCheck, linked, me.self);
    expect(await take(me, (m) => m?.of === linked, 'alive check')).toMatchObject({ alive: true });

    // The call waits for a reply that never comes; the node dies under it.
    const call = GenServer.call(me, server as GenServer.Server<any>, { type: 'slow' }, 60_000).then(
      () => 'answered',
      (err: { code?: string; reason?: unknown }) => err,
    );
    const killedAt = performance.now();
    await d.kill();
    const failed = (await call) as { code?: string; reason?: unknown };
    const detectedMs = performance.now() - killedAt;
    expect(failed).toMatchObject({ code: 'ERR_NOCONNECTION', reason: 'noconnection' });
    const exit = await take<any>(me, (m) => isExitMessage(m) && m.from === linked, 'EXIT');
    expect(exit.reason).toBe('noconnection');
    const down = await take<any>(me, (m) => isDownMessage(m) && m.ref === ref, 'DOWN');
    expect(down).toMatchObject({ pid: monitored, reason: 'noconnection' });
    await take(me, (m) => m?.type === 'nodedown' && m.node === 'd', 'nodedown');
    await take(watcher, (m) => m?.type === 'nodedown' && m.node === 'd', 'nodedown (all)');
    console.log(`node-down detected ${detectedMs.toFixed(0)} ms after SIGKILL (heartbeat ${HEARTBEAT_MS} ms, down after ${DOWN_AFTER_MS} ms)`);
    expect(a.nodes()).toEqual(['c']);
    expect(me.isAlive(linked)).toBe(false);
    me.spawn(aliveCheck, linked, me.self);
    expect(await take(me, (m) => m?.of === linked, 'alive check')).toMatchObject({ alive: false });
    expect(await me.whereisGlobal('held-by-d')).toBeUndefined();
    // A send to the gone node is a silent no-op.
    me.send(linked, 'hello?');

    d = await startChildNode('d', url);
    await until('a sees d again', () => a.nodes().join() === 'c,d');
    await take(watcher, (m) => m?.type === 'nodeup' && m.node === 'd', 'nodeup');
    const fresh = await me.spawnOn('d', waiter, me.self);
    expect(me.nodeOf(fresh)).toBe('d');
    expect(fresh).not.toBe(linked);
    expect(me.isAlive(linked)).toBe(false);
    const again = me.monitor(linked);
    const stale = await take<any>(me, (m) => isDownMessage(m) && m.ref === again, 'DOWN of an old pid');
    expect(stale.reason).toBe('noconnection');
    expect(await me.registerGlobal('held-by-d')).toBe(true);
    me.exit();
    watcher.exit();
  });
});
