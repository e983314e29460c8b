import { describe, expect, expectTypeOf, it } from 'vitest';
import { GenServer, Registry, Supervisor, TIMEOUT, type Context, type Pid } from '../src/index.js';
import { member, names, tally, topics, type Joined, type Tally } from './fixtures/registries.js';
import { quietRuntime, rejection } from './helpers.js';

type Me = Context<any>;

async function joined(me: Me): Promise<Pid<unknown>> {
  const m = await me.receive((x: unknown): x is Joined => typeof x === 'object' && x !== null && ('joined' in x || 'refused' in x), 2000);
  if (m === TIMEOUT || !('joined' in m)) throw new Error(`member did not join: ${JSON.stringify(m)}`);
  return m.pid;
}

async function exitOf(me: Me, pid: Pid<unknown>): Promise<void> {
  const ref = me.monitor(pid);
  me.send(pid, 'quit');
  await me.receive((m: any) => m?.type === 'DOWN' && m.ref === ref);
}

describe('Registry', () => {
  it('unique keys: one process per key, lookup, updateValue, keys, count; a taken key is refused', async () => {
    const { rt, me } = quietRuntime();
    await Registry.startLink(me, names);
    await Registry.register(me, names, 'me', { role: 'test' });
    expect(await Registry.lookup(me, names, 'me')).toEqual([[me.self, { role: 'test' }]]);
    const err = await rejection(Registry.register(me, names, 'me', { role: 'again' }));
    expect(err).toMatchObject({ code: 'ERR_NAME_TAKEN', reason: { already_registered: me.self } });
    const a = me.spawn(member, me.self, 'names', ['a', 'b'], 1);
    await joined(me);
    me.spawn(member, me.self, 'names', ['a'], 2);
    expect(await me.receive((m: any) => 'refused' in m)).toEqual({ refused: { already_registered: a } });
    expect(await Registry.keys(me, names, a)).toEqual(expect.arrayContaining(['a', 'b']));
    expect(await Registry.count(me, names)).toBe(3);
    expect(await Registry.updateValue(me, names, 'me', { role: 'changed' })).toBe(true);
    expect(await Registry.updateValue(me, names, 'a', { role: 'not mine' })).toBe(false);
    expect(await Registry.match(me, names, 'me', { role: 'changed' })).toEqual([[me.self, { role: 'changed' }]]);
    await Registry.unregister(me, names, 'me');
    expect(await Registry.lookup(me, names, 'me')).toEqual([]);
    // @ts-expect-error: values are { role: string }
    void Registry.register(me, names, 'x', { level: 1 }).catch(() => undefined);
    await rt.stop();
  });

  it('duplicate keys: many processes per key, match on values, countMatch, unregisterMatch', async () => {
    const { rt, me } = quietRuntime();
    await Registry.startLink(me, topics);
    const pids: Pid<unknown>[] = [];
    for (let level = 0; level < 5; level++) {
      me.spawn(member, me.self, 'topics', ['news', 'sport'], level);
      pids.push(await joined(me));
    }
    await Registry.register(me, topics, 'news', { level: 9, tag: 'a' });
    await Registry.register(me, topics, 'news', { level: 9, tag: 'b' });
    const news = await Registry.lookup(me, topics, 'news');
    expectTypeOf(news).toEqualTypeOf<Registry.Entry<{ level: number; tag?: string }>[]>();
    expect(news.map(([p]) => p).sort()).toEqual([...pids, me.self, me.self].sort());
    expect((await Registry.match(me, topics, 'news', { level: 3 })).map(([p]) => p)).toEqual([pids[3]]);
    expect(await Registry.countMatch(me, topics, 'news', { level: 9 })).toBe(2);
    expect(await Registry.count(me, topics)).toBe(12);
    await Registry.unregisterMatch(me, topics, 'news', { tag: 'a' });
    expect(await Registry.match(me, topics, 'news', { level: 9 })).toEqual([[me.self, { level: 9, tag: 'b' }]]);
    await rt.stop();
  });

  it('releases the keys of a process when it dies, normally or by a crash', async () => {
    const { rt, me } = quietRuntime();
    await Registry.startLink(me, topics);
    await Registry.startLink(me, names);
    const p = me.spawn(member, me.self, 'topics', ['room'], 1);
    await joined(me);
    const q = me.spawn(member, me.self, 'names', ['solo'], 1);
    await joined(me);
    expect(await Registry.count(me, topics)).toBe(1);
    await exitOf(me, p);
    const ref = me.monitor(q);
    me.send(q, 'crash');
    await me.receive((m: any) => m?.type === 'DOWN' && m.ref === ref);
    // The partition hears the EXIT after the DOWN we waited for: ask until it is gone (bounded).
    for (let i = 0; i < 100 && ((await Registry.count(me, topics)) > 0 || (await Registry.count(me, names)) > 0); i++) await me.sleep(5);
    expect(await Registry.lookup(me, topics, 'room')).toEqual([]);
    expect(await Registry.whereis(me, names, 'solo')).toBeUndefined();
    // And the key is free for another process.
    me.spawn(member, me.self, 'names', ['solo'], 2);
    await joined(me);
    await rt.stop();
  });

  it('dispatch: publishes to every subscriber of a topic', async () => {
    const { rt, me } = quietRuntime();
    await Registry.startLink(me, topics);
    const subs = new Set<Pid<unknown>>();
    for (let level = 0; level < 3; level++) {
      me.spawn(member, me.self, 'topics', ['weather'], level);
      subs.add(await joined(me));
    }
    await Registry.dispatch(me, topics, 'weather', (entries) => {
      for (const [pid, { level }] of entries) me.send(pid, { forecast: 'rain', level });
    });
    const got = new Set<unknown>();
    for (let i = 0; i < 3; i++) {
      const m = (await me.receive((x: any) => 'got' in x, 2000)) as { got: unknown; pid: Pid<unknown> };
      expect(subs.has(m.pid)).toBe(true);
      got.add(m.pid);
    }
    expect(got.size).toBe(3);
    await rt.stop();
  });

  it('via names: GenServer.start({ name }), call, cast, stop and Registry.send by key; a taken via name is ERR_NAME_TAKEN', async () => {
    const { rt, me } = quietRuntime();
    await Registry.startLink(me, names);
    const name = Registry.via<Tally>(names, 'counter');
    const pid = await GenServer.start(me, tally, [1], { name });
    expect(await Registry.whereis(me, names, 'counter')).toBe(pid);
    GenServer.cast(me, name, { type: 'add', by: 4 });
    const n = await GenServer.call(me, name, { type: 'get' });
    expectTypeOf(n).toEqualTypeOf<number>();
    expect(n).toBe(5);
    const taken = await rejection(GenServer.start(me, tally, [0], { name }));
    expect(taken).toMatchObject({ code: 'ERR_NAME_TAKEN', reason: { already_registered: pid } });
    expect(rt.processes().filter((p) => p !== pid && p !== me.self && !rt.processInfo(p)?.registeredName?.startsWith('test.'))).toEqual([]);
    await GenServer.stop(me, name);
    const gone = await rejection(GenServer.call(me, name, { type: 'get' }));
    expect(gone.code).toBe('ERR_NOPROC');
    expect(gone.message).toContain('test.names/"counter"');
    const nobody = await rejection(Registry.send(me, Registry.via(names, 'nobody'), 'hi'));
    expect(nobody.code).toBe('ERR_NOPROC');
    // @ts-expect-error: tally has no `set` call
    void GenServer.call(me, name, { type: 'set' }).catch(() => undefined);
    await rt.stop();
  });

  it('ctx.send and sendAfter take a via name: the partition forwards, in order; a key nobody holds loses the message', async () => {
    const { rt, me } = quietRuntime();
    await Registry.startLink(me, names);
    const m = me.spawn(member, me.self, 'names', ['inbox'], 1);
    await joined(me);
    const inbox = Registry.via(names, 'inbox');
    for (let i = 0; i < 5; i++) me.send(inbox, i);
    me.sendAfter(inbox, 'later', 5);
    const got: unknown[] = [];
    for (let i = 0; i < 6; i++) got.push(((await me.receive((x: any) => 'got' in x, 2000)) as { got: unknown; pid: Pid<unknown> }).got);
    expect(got).toEqual([0, 1, 2, 3, 4, 'later']);
    me.send(Registry.via(names, 'nobody'), 'lost'); // no error, as a send to a dead pid
    await exitOf(me, m);
    await rt.stop();
  });

  it('a supervisor starts children under via names and the registry as a child', async () => {
    const { rt, me } = quietRuntime();
    const sup = await Supervisor.startLink(me, [Registry.childSpec(names), GenServer.childSpec(tally, [7], { name: Registry.via(names, 'supervised') })]);
    expect(await GenServer.call(me, Registry.via<Tally>(names, 'supervised'), { type: 'get' })).toBe(7);
    expect((await Supervisor.whichChildren(me, sup)).map((c) => c.id)).toEqual(['test.names', 'tally']);
    await rt.stop();
  });

  it('a call on a registry that was not started says how to start it', async () => {
    const { rt, me } = quietRuntime();
    const err = await rejection(Registry.lookup(me, names, 'x'));
    expect(err.code).toBe('ERR_NOPROC');
    expect(err.message).toContain('Registry.startLink');
    expect(() => Registry.define('bad', { keys: 'many' as never })).toThrow(/unique' or 'duplicate/);
    await rt.stop();
  });
});
