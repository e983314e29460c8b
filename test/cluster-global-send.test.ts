import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GenServer, TIMEOUT, type AnyPid, type Context } from '@beamjs/runtime';
import { startVM, type VM } from '@beamjs/scheduler';
import { collector, globalHolder, globalSender, mixedStreamer, slowServer, startSlowServer } from './fixtures/cluster/procs.js';
import { NATS_SERVER, startNatsServer, type NatsServer } from './fixtures/cluster/nats-server.js';
import { startChildNode, type ChildNode } from './fixtures/cluster/child-node.js';

const FIXTURE = new URL('./fixtures/cluster/procs.ts', import.meta.url);

async function take<T>(ctx: Context<any>, match: (m: any) => boolean, what: string, ms = 20_000): Promise<T> {
  const got = await ctx.receive(match, ms);
  if (got === TIMEOUT) throw new Error(`no ${what} within ${ms} ms`);
  return got as T;
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts a globalHolder of `name` on `node` ('a': here) and waits for its registration report. */
async function holderOn(me: Context<any>, node: string, name: string): Promise<{ won: boolean; pid: AnyPid; node: string }> {
  if (node === 'a') me.spawn(globalHolder, name, me.self);
  else await me.spawnOn(node, globalHolder, name, me.self);
  return take(me, (m) => m?.registered === name, `registration of ${name}`);
}

let names = 0;
const fresh = (what: string): string => `${what}-${process.pid}-${names++}`;

/**
 * `send({ global: name })`, Erlang's `global:send/2`: node `a` in this process, node `c` in
 * an OS process of its own (`beamjs run --node c --cluster`).
 */
describe.skipIf(!NATS_SERVER)('send by global name across nodes', () => {
  let nats: NatsServer;
  let a: VM;
  let c: ChildNode;
  beforeAll(async () => {
    nats = await startNatsServer();
    const url = `${nats.url}?heartbeatMs=100&downAfterMs=1500`;
    a = await startVM({ schedulers: 2, modules: [FIXTURE], node: 'a', cluster: url });
    c = await startChildNode('c', url);
    await until('a sees c', () => a.nodes().join() === 'c');
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled([c?.stop(), a?.stop(500)]);
    await nats?.stop();
  });

  it('a send by global name reaches the holder on another node from the main thread and from processes on every scheduler, and a holder on the same node from the other node', async () => {
    const me = a.mailbox();
    const onC = fresh('on-c');
    const held = await holderOn(me, 'c', onC);
    expect(held.won).toBe(true);

    // registerGlobal returned on c: every node up resolves the name now, without waiting.
    me.send({ global: onC }, 'from the main thread');
    for (const scheduler of [0, 1]) me.spawnWith(globalSender, [onC, `from scheduler ${scheduler}`, me.self], { scheduler });
    const got = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const m = await take<{ got: string; by: AnyPid; node: string }>(me, (x) => typeof x?.got === 'string', 'delivery on c');
      expect(m).toMatchObject({ by: held.pid, node: 'c' });
      got.add(m.got);
    }
    expect(got).toEqual(new Set(['from the main thread', 'from scheduler 0', 'from scheduler 1']));

    // A holder on a, sent to from a process on c, and from a process on a (same node).
    const onA = fresh('on-a');
    expect(await holderOn(me, 'a', onA)).toMatchObject({ won: true });
    await me.spawnOn('c', globalSender, onA, 'from c', me.self);
    me.spawn(globalSender, onA, 'from a', me.self);
    const here = new Set<string>();
    for (let i = 0; i < 2; i++) here.add((await take<{ got: string; node: string }>(me, (x) => x?.got === 'from c' || x?.got === 'from a', 'delivery on a')).got);
    expect(here).toEqual(new Set(['from c', 'from a']));
    me.send(held.pid, 'stop');
    me.send({ global: onA }, 'stop');
    me.exit();
  });

  it('a send to a global name nobody holds fails with ERR_GLOBAL_NAME_UNKNOWN naming the name, on every node and thread; a cast to it is lost, a call to it is noproc', async () => {
    const me = a.mailbox();
    const nobody = fresh('nobody');
    expect(() => me.send({ global: nobody }, 'lost?')).toThrow(expect.objectContaining({ code: 'ERR_GLOBAL_NAME_UNKNOWN', message: expect.stringContaining(JSON.stringify(nobody)) }));
    expect(() => me.send({ global: nobody }, 'lost?')).toThrow(/registerGlobal/);
    me.spawnWith(globalSender, [nobody, 1, me.self], { scheduler: 1 });
    expect(await take(me, (m) => m?.failed !== undefined, 'failure on a')).toMatchObject({ failed: 'ERR_GLOBAL_NAME_UNKNOWN', message: expect.stringContaining(nobody) });
    await me.spawnOn('c', globalSender, nobody, 2, me.self);
    expect(await take(me, (m) => m?.failed !== undefined, 'failure on c')).toMatchObject({ failed: 'ERR_GLOBAL_NAME_UNKNOWN' });
    expect(() => GenServer.cast(me, { global: nobody }, 'lost' as never)).not.toThrow();
    await expect(GenServer.call(me, { global: nobody }, 'q' as never, 1000)).rejects.toMatchObject({ code: 'ERR_NOPROC', message: expect.stringContaining(nobody) });
    expect(() => me.send({ global: '' }, 'x')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_NAME' }));
    me.exit();
  });

  it('a name re-registered after its holder died reaches the new holder, and meanwhile a send to it is the unknown-name error', async () => {
    const me = a.mailbox();
    const name = fresh('again');
    const first = await holderOn(me, 'c', name);
    expect(first.won).toBe(true);
    me.send(first.pid, 'stop');
    // The holder's node frees the name when its monitor fires; the release reaches every replica.
    await until('the name is released', async () => (await me.whereisGlobal(name)) === undefined);
    expect(() => me.send({ global: name }, 'to nobody')).toThrow(expect.objectContaining({ code: 'ERR_GLOBAL_NAME_UNKNOWN' }));

    const second = await holderOn(me, 'a', name);
    expect(second).toMatchObject({ won: true, node: 'a' });
    await me.spawnOn('c', globalSender, name, 'to the new holder', me.self);
    expect(await take(me, (m) => m?.got === 'to the new holder', 'delivery')).toMatchObject({ by: second.pid, node: 'a' });
    me.send(second.pid, 'stop');
    me.exit();
  });

  it('GenServer.call and cast reach a server by its global name on another node', async () => {
    const me = a.mailbox();
    await me.spawnOn('c', startSlowServer, me.self);
    const { server } = await take<{ server: AnyPid; node: string }>(me, (m) => m?.server !== undefined, 'server');
    const name = fresh('server');
    expect(await me.registerGlobal(name, server)).toBe(true);
    expect(await me.whereisGlobal(name)).toBe(server);
    expect(await GenServer.call(me, { global: name }, { type: 'get' } as never)).toBe(0);
    me.exit();
  });

  it('GenServer.start with name { global } on another node registers the server cluster-wide before it returns; a second start under that name is ERR_NAME_TAKEN and leaves nothing running', async () => {
    const me = a.mailbox();
    const name = fresh('named-server');
    const server = await GenServer.start(me, slowServer, [], { node: 'c', name: { global: name } });
    expect(me.nodeOf(server)).toBe('c');
    expect(await me.whereisGlobal(name)).toBe(server);
    expect(await GenServer.call(me, { global: name }, { type: 'get' })).toBe(0);
    await expect(GenServer.start(me, slowServer, [], { name: { global: name } })).rejects.toMatchObject({ code: 'ERR_NAME_TAKEN', message: expect.stringContaining(name) });
    expect(await me.whereisGlobal(name)).toBe(server);
    await GenServer.stop(me, { global: name });
    await until('the name is released', async () => (await me.whereisGlobal(name)) === undefined);
    me.exit();
  });

  it('per sender FIFO holds for sends by global name, mixed with sends by pid, across nodes', async () => {
    const me = a.mailbox();
    const nodes = ['a', 'c'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...nodes),
        fc.array(fc.record({ node: fc.constantFrom(...nodes), count: fc.integer({ min: 1, max: 300 }), byName: fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }) }), { minLength: 1, maxLength: 3 }),
        async (sink, senders) => {
          const target = sink === 'a' ? me.spawn(collector) : await me.spawnOn(sink, collector);
          const name = fresh('sink');
          expect(await me.registerGlobal(name, target)).toBe(true);
          const total = senders.reduce((sum, s) => sum + s.count, 0);
          me.send({ global: name }, { report: me.self, expect: total });
          for (const [stream, s] of senders.entries()) {
            if (s.node === 'a') me.spawn(mixedStreamer, name, target, stream, s.count, s.byName);
            else await me.spawnOn(s.node, mixedStreamer, name, target, stream, s.count, s.byName);
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
});
