import { describe, expect, expectTypeOf, it } from 'vitest';
import { ExitError, GenServer, TIMEOUT, isDownMessage } from '../src/index.js';
import { echo, failing, proxy, stack, type Note, type Stack } from './fixtures/gen-servers.js';
import { exitWith } from './fixtures/procs.js';
import { quietRuntime, rejection } from './helpers.js';


const isNote = (kind: Note['note']) => (m: unknown): m is Note => (m as Note)?.note === kind;

describe('GenServer', () => {
  it('starts once init has returned, answers typed calls and casts, and keeps its state between messages', async () => {
    const { rt, me } = quietRuntime();
    const server = await GenServer.start(me, stack, [['a', 'b'], me.self]);
    expectTypeOf(server).toEqualTypeOf<GenServer.Server<Stack>>();

    const top = await GenServer.call(me, server, { type: 'pop' });
    expectTypeOf(top).toEqualTypeOf<string | undefined>();
    expect(top).toBe('a');
    GenServer.cast(me, server, { type: 'push', item: 'z' });
    expect(await GenServer.call(me, server, { type: 'peek', at: 0 })).toBe('z');
    const size = await GenServer.call(me, server, { type: 'size' });
    expectTypeOf(size).toEqualTypeOf<number>();
    expect(size).toBe(2);

    // @ts-expect-error: `peek` needs its `at` field
    void GenServer.call(me, server, { type: 'peek' }).catch(() => undefined);
    // @ts-expect-error: `at` is a number
    void GenServer.call(me, server, { type: 'peek', at: 'first' }).catch(() => undefined);
    // @ts-expect-error: the server has no `shuffle` call
    void GenServer.call(me, server, { type: 'shuffle' }).catch(() => undefined);
    // @ts-expect-error: casts are checked too
    GenServer.cast(me, server, { type: 'pop' });
    await rt.stop();
  });

  it('runs handleContinue after init and after a callback, before the next message', async () => {
    const { rt, me } = quietRuntime();
    const server = await GenServer.start(me, stack, [[], me.self]);
    expect(await GenServer.call(me, server, { type: 'warm' })).toBe(true);
    GenServer.cast(me, server, { type: 'push', item: 'x' });
    expect(await GenServer.call(me, server, { type: 'pushThenContinue', item: 'y' })).toBe('ok');
    // The continue pushed 'y' again before the size request was handled.
    expect(await GenServer.call(me, server, { type: 'size' })).toBe(3);
    await rt.stop();
  });

  it('takes any request with one handleCall function when it declares no calls', async () => {
    const { rt, me } = quietRuntime();
    const server = await GenServer.start(me, echo);
    const first = await GenServer.call(me, server, ['any', { shape: 1 }]);
    expectTypeOf(first).toEqualTypeOf<unknown>();
    expect(first).toEqual({ request: ['any', { shape: 1 }], n: 0 });
    expect(await GenServer.call(me, server, 'again')).toEqual({ request: 'again', n: 1 });
    await rt.stop();
  });

  it('reports an init that throws, returns stop or returns garbage as ERR_INIT_FAILED, and startLink leaves the caller alive', async () => {
    const { rt, me } = quietRuntime();
    const thrown = await rejection(GenServer.startLink(me, failing, ['throw']));
    expect(thrown).toBeInstanceOf(ExitError);
    expect(thrown.code).toBe('ERR_INIT_FAILED');
    expect(thrown.reason).toMatchObject({ error: 'init exploded' });
    const stopped = await rejection(GenServer.start(me, failing, ['stop']));
    expect(stopped).toMatchObject({ code: 'ERR_INIT_FAILED', reason: 'bad_config' });
    const garbage = await rejection(GenServer.start(me, failing, ['bad-return']));
    expect(garbage.code).toBe('ERR_INIT_FAILED');
    expect(garbage.message).toContain('init must return { ok: state }, { stop: reason } or { ignore: true }');
    expect(rt.isAlive(me.self)).toBe(true);
    expect(rt.processInfo(me.self)?.links).toEqual([]);
    await rt.stop();
  });

  it('kills a server whose init outlasts the start timeout', async () => {
    const { rt, me } = quietRuntime();
    const err = await rejection(GenServer.startLink(me, failing, ['sleep'], { timeout: 20 }));
    expect(err).toMatchObject({ code: 'ERR_INIT_FAILED', reason: 'timeout' });
    expect(rt.isAlive(me.self)).toBe(true);
    expect(rt.processes()).toEqual([me.self]);
    await rt.stop();
  });

  it('a linked server killed during its init: startLink fails, and a trapping caller finds no EXIT left behind', async () => {
    const { rt, me } = quietRuntime();
    me.trapExit(true);
    const starting = GenServer.startLink(me, failing, ['sleep'], { name: 'doomed' });
    // Kill it from outside while its init sleeps.
    while (me.whereis('doomed') === undefined) await me.sleep(1);
    me.exit(me.whereis('doomed')!, 'kill');
    expect(await rejection(starting)).toMatchObject({ code: 'ERR_INIT_FAILED', reason: 'killed' });
    expect(rt.processInfo(me.self)).toMatchObject({ links: [], mailboxLength: 0 });
    await rt.stop(50);
  });

  it('registers a name: calls by name work, a taken name is an error, an unknown name is ERR_NOPROC', async () => {
    const { rt, me } = quietRuntime();
    const server = await GenServer.start(me, stack, [['top'], me.self], { name: 'stack' });
    expect(me.whereis('stack')).toBe(server);
    const byName = GenServer.named<Stack>('stack');
    const top = await GenServer.call(me, byName, { type: 'peek', at: 0 });
    expectTypeOf(top).toEqualTypeOf<string | undefined>();
    expect(top).toBe('top');
    expect(GenServer.whereis<Stack>(me, 'stack')).toBe(server);
    await expect(GenServer.start(me, stack, [[], me.self], { name: 'stack' })).rejects.toMatchObject({ code: 'ERR_NAME_TAKEN' });
    await expect(GenServer.call(me, 'nobody', 'hello')).rejects.toMatchObject({ code: 'ERR_NOPROC', reason: 'noproc' });
    // A cast to nobody is lost silently, as in Elixir.
    expect(() => GenServer.cast(me, 'nobody', 'hello')).not.toThrow();
    await rt.stop();
  });

  it('times a call out with ERR_CALL_TIMEOUT; the server lives on and answers the next call', async () => {
    const { rt, me } = quietRuntime();
    const server = await GenServer.start(me, stack, [['a'], me.self]);
    const err = await rejection(GenServer.call(me, server, { type: 'slow', ms: 60 }, 10));
    expect(err).toBeInstanceOf(ExitError);
    expect(err).toMatchObject({ code: 'ERR_CALL_TIMEOUT', reason: 'timeout' });
    expect(await GenServer.call(me, server, { type: 'size' })).toBe(1);
    expect(rt.isAlive(server)).toBe(true);
    await rt.stop();
  });

  it('fails a call to a dead server with ERR_NOPROC', async () => {
    const { rt, me } = quietRuntime();
    const gone = rt.spawn(exitWith);
    me.send(gone, { reason: 'normal' });
    await rt.whenExit(gone);
    await expect(GenServer.call(me, gone, 'hello')).rejects.toMatchObject({ code: 'ERR_NOPROC', reason: 'noproc' });
    await rt.stop();
  });

  it('fails a call whose server crashes with ERR_CALL_EXIT and the crash reason; terminate runs first', async () => {
    const { rt, me } = quietRuntime();
    const server = await GenServer.start(me, stack, [['a'], me.self]);
    const err = await rejection(GenServer.call(me, server, { type: 'crash', why: 'bad input' }));
    expect(err).toMatchObject({ code: 'ERR_CALL_EXIT', reason: { error: 'crash: bad input' } });
    expect(await me.receive(isNote('terminate'))).toMatchObject({ reason: { error: 'crash: bad input' }, state: ['a'] });
    expect(rt.isAlive(server)).toBe(false);
    await rt.stop();
  });

  it('crashes on a cast it cannot handle, with terminate, like any callback crash', async () => {
    const { rt, me } = quietRuntime();
    const server = await GenServer.start(me, stack, [[], me.self]);
    const ref = me.monitor(server);
    GenServer.cast(me, server, { type: 'boom' });
    expect(await me.receive(isNote('terminate'))).toMatchObject({ reason: { error: 'cast boom' } });
    expect(await me.receive(isDownMessage)).toMatchObject({ ref, reason: { error: 'cast boom' } });
    await rt.stop();
  });

  it('defers a reply: handleCall returns noreply and another process replies with GenServer.reply', async () => {
    const { rt, me } = quietRuntime();
    const server = await GenServer.start(me, stack, [[], me.self]);
    const answer = await GenServer.call(me, server, { type: 'later', value: 'done' });
    expectTypeOf(answer).toEqualTypeOf<string>();
    expect(answer).toBe('done!');
    await rt.stop();
  });

  it('lets a callback call another server (the caller waits in a selective receive)', async () => {
    const { rt, me } = quietRuntime();
    const target = await GenServer.start(me, echo);
    const front = await GenServer.start(me, proxy, [target]);
    expect(await GenServer.call(me, front, { type: 'forward', payload: 'hi' })).toEqual({ request: 'hi', n: 0 });
    await expect(GenServer.call(me, me.self, 'x')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await rt.stop();
  });

  it('hands plain messages, EXIT (when trapping) and DOWN to handleInfo', async () => {
    const { rt, me } = quietRuntime();
    const server = await GenServer.start(me, stack, [['a'], me.self, { trap: true }]);
    me.send(server, { type: 'ping', from: me.self });
    expect(await me.receive(isNote('pong'))).toEqual({ note: 'pong', count: 1 });
    me.send(server, 'noise');
    expect(await me.receive(isNote('info'))).toEqual({ note: 'info', msg: 'noise' });

    // A linked process that dies: the server traps exits, so it gets an EXIT message and lives on.
    const partner = rt.spawn(exitWith);
    await GenServer.call(me, server, { type: 'link', pid: partner });
    me.send(partner, { reason: 'partner-died' });
    expect(await me.receive(isNote('info'))).toEqual({ note: 'info', msg: { type: 'EXIT', from: partner, reason: 'partner-died' } });
    // A monitored process that dies: DOWN.
    const watched = rt.spawn(exitWith);
    await GenServer.call(me, server, { type: 'watch', pid: watched });
    me.send(watched, { reason: 'watched-died' });
    expect(await me.receive(isNote('info'))).toMatchObject({ msg: { type: 'DOWN', pid: watched, reason: 'watched-died' } });
    expect(rt.isAlive(server)).toBe(true);
    await rt.stop();
  });

  it('without trapping exits dies with a linked process, and terminate does not run (as in OTP)', async () => {
    const { rt, me } = quietRuntime();
    const server = await GenServer.start(me, stack, [['a'], me.self]);
    const partner = rt.spawn(exitWith);
    await GenServer.call(me, server, { type: 'link', pid: partner });
    const ref = me.monitor(server);
    me.send(partner, { reason: 'partner-died' });
    expect(await me.receive(isDownMessage)).toMatchObject({ ref, reason: 'partner-died' });
    expect(await me.receive(isNote('terminate'), 20)).toBe(TIMEOUT);
    await rt.stop();
  });

  it('stop runs terminate with the reason and resolves once the server is gone', async () => {
    const { rt, me } = quietRuntime();
    const server = await GenServer.start(me, stack, [['a'], me.self]);
    await GenServer.stop(me, server, { shutdown: 'maintenance' });
    expect(await me.receive(isNote('terminate'))).toMatchObject({ reason: { shutdown: 'maintenance' }, state: ['a'] });
    expect(rt.isAlive(server)).toBe(false);
    await expect(GenServer.stop(me, server)).rejects.toMatchObject({ code: 'ERR_NOPROC' });
    await rt.stop();
  });

  it('a stop result replies, runs terminate and exits with its reason', async () => {
    const { rt, me } = quietRuntime();
    const server = await GenServer.start(me, stack, [[], me.self]);
    const ref = me.monitor(server);
    expect(await GenServer.call(me, server, { type: 'quit', reason: 'done' })).toBe('bye');
    expect(await me.receive(isNote('terminate'))).toMatchObject({ reason: 'done' });
    expect(await me.receive(isDownMessage)).toMatchObject({ ref, reason: 'done' });
    await rt.stop();
  });

  it("terminates on its parent's exit signal when it traps exits (how a supervisor shuts it down)", async () => {
    const { rt, me } = quietRuntime();
    const parent = rt.mailbox();
    const server = await GenServer.startLink(parent, stack, [['a'], me.self, { trap: true }]);
    const ref = me.monitor(server);
    parent.exit(server, 'shutdown');
    expect(await me.receive(isNote('terminate'))).toMatchObject({ reason: 'shutdown' });
    expect(await me.receive(isDownMessage)).toMatchObject({ ref, reason: 'shutdown' });
    await rt.stop();
  });

  it('checks the type of a deferred reply', () => {
    type PopFrom = Parameters<Extract<NonNullable<GenServer.ServerCallbacks<Stack>['handleCall']>, Record<string, unknown>>['later']>[2];
    expectTypeOf<PopFrom>().toEqualTypeOf<GenServer.From<string>>();
    const from = { pid: 1, tag: 2 } as GenServer.From<string>;
    const { me } = quietRuntime();
    // @ts-expect-error: this call's reply is a string
    expect(() => GenServer.reply(me, from, 42)).not.toThrow();
  });
});
