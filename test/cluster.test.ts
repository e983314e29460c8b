import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GenServer, Supervisor, TIMEOUT, isDownMessage, isExitMessage, type AnyPid, type Context } from '@beamjs/runtime';
import { startVM, type VM } from '@beamjs/scheduler';
import { echo, mutatingSender, reporter, shortLived, waiter } from './fixtures/cluster/procs.js';
import { NATS_SERVER, startNatsServer, type NatsServer } from './fixtures/cluster/nats-server.js';

const FIXTURE = new URL('./fixtures/cluster/procs.ts', import.meta.url);
/** Fast detection for the tests (the defaults are 500 / 3000 ms). */
const FAST = { heartbeatMs: 100, downAfterMs: 1500 };

async function take<T>(ctx: Context<any>, match: (m: any) => boolean, what: string, ms = 10_000): Promise<T> {
  const got = await ctx.receive(match, ms);
  if (got === TIMEOUT) throw new Error(`no ${what} within ${ms} ms`);
  return got as T;
}

describe.skipIf(!NATS_SERVER)('distribution over NATS: nodes in one process', () => {
  let nats: NatsServer;
  let a: VM;
  let b: VM;
  const cluster = () => ({ url: nats.url, ...FAST });
  beforeAll(async () => {
    nats = await startNatsServer();
    a = await startVM({ schedulers: 2, modules: [FIXTURE], node: 'a', cluster: cluster() });
    b = await startVM({ schedulers: 2, modules: [FIXTURE], node: 'b', cluster: cluster(), onReport: () => {} });
  });
  afterAll(async () => {
    await Promise.allSettled([a?.stop(500), b?.stop(500)]);
    await nats?.stop();
  });

  it('nodes see each other by name, and a second node with a taken name is refused with a clear error', async () => {
    expect(a.node).toBe('a');
    expect(a.nodes()).toEqual(['b']);
    expect(b.nodes()).toEqual(['a']);
    await expect(startVM({ schedulers: 1, node: 'a', cluster: cluster() })).rejects.toThrow(/a node named 'a' is already running/);
    await expect(startVM({ schedulers: 1, node: 'bad name', cluster: cluster() })).rejects.toThrow(/needs a name/);
  });

  it('a message reaches a process on another node, and its reply comes back; pids name their node', async () => {
    const me = a.mailbox();
    const remote = b.spawn(echo);
    expect(me.nodeOf(remote)).toBe('b');
    expect(me.nodeOf(me.self)).toBe('a');
    me.send(remote, { from: me.self, body: 'hello' });
    const reply = await take<{ echo: string; node: string }>(me, (m) => m?.echo === 'hello', 'echo');
    expect(reply.node).toBe('b');
    me.exit();
  });

  it('a message larger than the NATS server takes in one piece (max_payload, 1 MB) arrives whole, in order with the small ones around it', async () => {
    const me = a.mailbox();
    const remote = b.spawn(echo);
    const big = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => i % 251);
    me.send(remote, { from: me.self, body: 'before' });
    me.send(remote, { from: me.self, body: big });
    me.send(remote, { from: me.self, body: 'after' });
    const got: unknown[] = [];
    for (let i = 0; i < 3; i++) got.push((await take<{ echo: unknown }>(me, (m) => m?.echo !== undefined, 'echo')).echo);
    expect(got[0]).toBe('before');
    // (toEqual walks 3 MB element by element for seconds: compare the bytes)
    expect(got[1]).toBeInstanceOf(Uint8Array);
    expect(Buffer.compare(got[1] as Uint8Array, big)).toBe(0);
    expect(got[2]).toBe('after');
    me.exit();
  });

  it('a message from a scheduler process to another node is copied at the send: changes made after it do not arrive, and what cannot be cloned is ERR_UNCLONEABLE at the sender', async () => {
    const me = a.mailbox();
    const remote = b.spawn(echo);
    me.spawn(mutatingSender, remote, me.self);
    expect(await take(me, (m) => m?.failed !== undefined, 'the send error')).toEqual({ failed: 'ERR_UNCLONEABLE' });
    const reply = await take<{ echo: unknown }>(me, (m) => m?.echo !== undefined, 'echo');
    expect(reply.echo).toEqual({ n: 1, list: [1] });
    me.exit();
  });

  it('remote links and monitors see normal and crash exits with their reasons', async () => {
    const me = a.mailbox();
    me.trapExit(true);
    const bSide = b.mailbox();
    const crasher = b.spawn(waiter, bSide.self);
    const quitter = b.spawn(waiter, bSide.self);
    await take(bSide, (m) => m?.started === crasher, 'start');
    await take(bSide, (m) => m?.started === quitter, 'start');
    me.link(crasher);
    const ref = me.monitor(quitter);
    // Links and monitors are signals: one more round trip through each process makes sure they landed.
    const probe = b.spawn(echo);
    me.send(probe, { from: me.self, body: 'sync' });
    await take(me, (m) => m?.echo === 'sync', 'sync');
    me.send(crasher, 'crash');
    me.send(quitter, 'bye');
    const exit = await take<any>(me, (m) => isExitMessage(m) && m.from === crasher, 'EXIT');
    expect(exit.reason).toMatchObject({ error: expect.stringContaining('asked to crash') });
    const down = await take<any>(me, (m) => isDownMessage(m) && m.ref === ref, 'DOWN');
    expect(down.reason).toBe('normal');
    me.exit();
    bSide.exit();
  });

  it('spawnOnWith monitor: a child on another node that dies at once (before the spawn reply can arrive) reports its real exit reason, not noproc', async () => {
    const me = a.mailbox();
    me.trapExit(true);
    for (let i = 0; i < 5; i++) {
      const [crashed, ref] = await me.spawnOnWith('b', shortLived, [`crash ${i}`], { monitor: true });
      const down = await take<any>(me, (m) => isDownMessage(m) && m.ref === ref, 'DOWN');
      expect(down).toMatchObject({ pid: crashed, reason: { error: expect.stringContaining(`crash ${i}`) } });
      const [quit, ref2] = await me.spawnOnWith('b', shortLived, ['shutdown'], { link: true, monitor: true });
      expect(await take<any>(me, (m) => isDownMessage(m) && m.ref === ref2, 'DOWN')).toMatchObject({ pid: quit, reason: 'shutdown' });
      expect(await take<any>(me, (m) => isExitMessage(m) && m.from === quit, 'EXIT')).toMatchObject({ reason: 'shutdown' });
    }
    me.exit();
  });

  it('a link to a dead remote pid answers noproc, and a send to it is a silent no-op', async () => {
    const me = a.mailbox();
    me.trapExit(true);
    const bSide = b.mailbox();
    const gone = b.spawn(waiter, bSide.self);
    await take(bSide, (m) => m?.started === gone, 'start');
    b.send(gone, 'bye');
    await b.waitFor(gone);
    me.send(gone, 'into the void');
    me.link(gone);
    const exit = await take<any>(me, (m) => isExitMessage(m) && m.from === gone, 'EXIT');
    expect(exit.reason).toBe('noproc');
    me.exit();
    bSide.exit();
  });

  it('a supervisor starts a child spec with node: b on b, and restarts it there after a crash', async () => {
    const me = a.mailbox();
    const sup = await Supervisor.start(me, [{ id: 'w', node: 'b', start: { def: reporter, args: ['w', me.self] } }]);
    const first = await take<{ pid: AnyPid; node: string }>(me, (m) => m?.up === 'w', 'first start');
    expect(first.node).toBe('b');
    GenServer.cast(me, first.pid as GenServer.Server<any>, { type: 'crash' } as never);
    const second = await take<{ pid: AnyPid; node: string }>(me, (m) => m?.up === 'w' && m.pid !== first.pid, 'restart');
    expect(second.node).toBe('b');
    await Supervisor.stop(me, sup);
    me.exit();
  });

  it('spawnOn a node that cannot load the module fails at the spawner with an error naming the module; a node that is not up gives noconnection', async () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'beamjs-root-'));
    const e = await startVM({ schedulers: 1, node: 'e', cluster: { ...cluster(), root: elsewhere } });
    try {
      const me = a.mailbox();
      await expect(me.spawnOn('e', waiter, me.self)).rejects.toMatchObject({ code: 'ERR_LOAD_FAILED', message: expect.stringContaining('test/fixtures/cluster/procs.ts') });
      await expect(me.spawnOn('nowhere', waiter, me.self)).rejects.toMatchObject({ code: 'ERR_NOCONNECTION' });
      me.exit();
    } finally {
      await e.stop(500);
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
