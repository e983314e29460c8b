import { describe, expect, expectTypeOf, it } from 'vitest';
import { ExitError, GenServer, GenStatem, TIMEOUT, type Context } from '../src/index.js';
import { badEnter, caller, connection, recorder, type Answer, type Cmd, type Recorder, type Connection, type Seen } from './fixtures/statems.js';
import { quietRuntime, rejection } from './helpers.js';

type Me = Context<any>;

/** The next `n` events the recorder reports (fails the test past 2 s each instead of hanging). */
async function seen(me: Me, n = 1): Promise<Seen[]> {
  const out: Seen[] = [];
  for (let i = 0; i < n; i++) {
    const m = await me.receive((x: unknown): x is Seen => typeof (x as Seen)?.seen === 'string', 2000);
    if (m === TIMEOUT) throw new Error(`expected ${n} events, got ${JSON.stringify(out)}`);
    out.push(m);
  }
  return out;
}

/** Nothing more is reported within `ms`. */
async function quiet(me: Me, ms: number): Promise<void> {
  const m = await me.receive((x: unknown) => typeof (x as Seen)?.seen === 'string', ms);
  expect(m).toBe(TIMEOUT);
}

const cmd = (c: Cmd['cmd']): Cmd => ({ cmd: c });

/** The answer a `caller` sent under `tag`. */
async function answer(me: Me, tag: string): Promise<Answer> {
  const m = await me.receive((x: unknown): x is Answer => (x as Answer)?.tag === tag, 5000);
  if (m === TIMEOUT) throw new Error(`no answer for ${tag}`);
  return m;
}

describe('GenStatem', () => {
  it('calls the enter callback for the first state and on every state change, not on keep', async () => {
    const { rt, me } = quietRuntime();
    const m = await GenStatem.start(me, recorder, [me.self]);
    expect(await seen(me)).toEqual([{ seen: 'enter', state: 'idle', content: 'idle' }]);
    me.send(m, cmd({ next: 'busy' }));
    expect(await seen(me)).toEqual([{ seen: 'enter', state: 'busy', content: 'idle' }]);
    me.send(m, cmd({ keep: true }));
    me.send(m, cmd({ next: 'busy' })); // the same state: no state change, no enter
    me.send(m, cmd({ repeat: true })); // repeat runs the enter call again
    expect(await seen(me)).toEqual([{ seen: 'enter', state: 'busy', content: 'busy' }]);
    await quiet(me, 30);
    await GenStatem.stop(me, m);
    expect(await seen(me)).toEqual([{ seen: 'terminate', state: 'busy', content: 'normal' }]);
    await rt.stop();
  });

  it('answers typed calls, and a call postponed in one state is answered from a later one', async () => {
    const { rt, me } = quietRuntime();
    const m = await GenStatem.start(me, recorder, [me.self, 'waiting']);
    expectTypeOf(m).toEqualTypeOf<GenStatem.Statem<Recorder>>();
    await seen(me);
    expectTypeOf(GenStatem.call<{ where(): string }, 'where'>).returns.toEqualTypeOf<Promise<string>>();
    me.spawn(caller, me.self, 'w', m, { type: 'where' });
    await seen(me); // the call, postponed in `waiting`
    me.send(m, cmd({ next: 'ready' }));
    expect(await answer(me, 'w')).toEqual({ tag: 'w', reply: 'ready' });
    expect(await GenServer.call(me, m, { type: 'where' })).toBe('ready'); // it is a GenServer too
    // @ts-expect-error: the machine has no `fly` call
    void GenStatem.call(me, m, { type: 'fly' }).catch(() => undefined);
    await rt.stop();
  });

  it('cancels a state timeout when the state changes, and fires it when the state stays', async () => {
    const { rt, me } = quietRuntime();
    const m = await GenStatem.start(me, recorder, [me.self]);
    await seen(me);
    me.send(m, cmd({ keep: true, actions: [{ stateTimeout: 40, content: 'late' }] }));
    me.send(m, cmd({ next: 'elsewhere' }));
    expect(await seen(me)).toEqual([{ seen: 'enter', state: 'elsewhere', content: 'idle' }]);
    await quiet(me, 100);
    // Kept state: it fires, once, with its content.
    me.send(m, cmd({ keep: true, actions: [{ stateTimeout: 10, content: 'due' }] }));
    expect(await seen(me)).toEqual([{ seen: 'stateTimeout', state: 'elsewhere', content: 'due' }]);
    // Set again, it restarts; set in the transition that changes state, it belongs to the new state.
    me.send(m, cmd({ next: 'third', actions: [{ stateTimeout: 10, content: 'new' }] }));
    expect(await seen(me, 2)).toEqual([
      { seen: 'enter', state: 'third', content: 'elsewhere' },
      { seen: 'stateTimeout', state: 'third', content: 'new' },
    ]);
    await quiet(me, 30);
    await rt.stop();
  });

  it('keeps named generic timeouts across state changes; restarting or cancelling one is exact', async () => {
    const { rt, me } = quietRuntime();
    const m = await GenStatem.start(me, recorder, [me.self]);
    await seen(me);
    me.send(m, cmd({ keep: true, actions: [{ timeout: 30, name: 'ping', content: 1 }, { timeout: 10_000, name: 'pong' }] }));
    me.send(m, cmd({ next: 'moved' }));
    me.send(m, cmd({ keep: true, actions: [{ timeout: 'cancel', name: 'pong' }] }));
    expect(await seen(me, 2)).toEqual([
      { seen: 'enter', state: 'moved', content: 'idle' },
      { seen: 'timeout:ping', state: 'moved', content: 1 },
    ]);
    // A timeout restarted while its first message is already due fires once, with the new content.
    me.send(m, cmd({ keep: true, actions: [{ timeout: 0, name: 'ping', content: 'old' }, { timeout: 20, name: 'ping', content: 'new' }] }));
    expect(await seen(me)).toEqual([{ seen: 'timeout:ping', state: 'moved', content: 'new' }]);
    await quiet(me, 40);
    await rt.stop();
  });

  it('cancels an event timeout when any event arrives, and fires it when none does', async () => {
    const { rt, me } = quietRuntime();
    const m = await GenStatem.start(me, recorder, [me.self]);
    await seen(me);
    me.send(m, cmd({ keep: true, actions: [{ eventTimeout: 40, content: 'idle too long' }] }));
    me.send(m, 'poke');
    expect(await seen(me)).toEqual([{ seen: 'info', state: 'idle', content: 'poke' }]);
    await quiet(me, 100);
    me.send(m, cmd({ keep: true, actions: [{ eventTimeout: 10, content: 'idle too long' }] }));
    expect(await seen(me)).toEqual([{ seen: 'eventTimeout', state: 'idle', content: 'idle too long' }]);
    await rt.stop();
  });

  it('re-delivers postponed events after the next state change, oldest first, after inserted events and before later messages', async () => {
    const { rt, me } = quietRuntime();
    const m = await GenStatem.start(me, recorder, [me.self, 'waiting']);
    await seen(me);
    me.send(m, 'a');
    GenStatem.cast(me, m, { note: 'b' });
    me.send(m, 'c');
    // Staying in the same state does not retry them.
    me.send(m, cmd({ keep: true }));
    me.send(m, cmd({ next: 'open', actions: [{ nextEvent: 'first' }, { nextEvent: 'second' }] }));
    me.send(m, 'later');
    const events = await seen(me, 3 + 1 + 2 + 3 + 1);
    expect(events.map((e) => `${e.seen}:${e.state}:${String(e.content)}`)).toEqual([
      'info:waiting:a',
      'cast:waiting:b',
      'info:waiting:c',
      'enter:open:waiting',
      'internal:open:first',
      'internal:open:second',
      'info:open:a',
      'cast:open:b',
      'info:open:c',
      'info:open:later',
    ]);
    await rt.stop();
  });

  it('stops with a reply and runs terminate; a bad return crashes it with an error that names the shape', async () => {
    const { rt, me } = quietRuntime();
    const m = await GenStatem.start(me, recorder, [me.self]);
    await seen(me);
    me.send(m, cmd({ stop: 'done' }));
    expect(await seen(me)).toEqual([{ seen: 'terminate', state: 'idle', content: 'done' }]);

    const bad = await GenStatem.start(me, recorder, [me.self]);
    await seen(me);
    const ref = me.monitor(bad);
    me.send(bad, { cmd: { goto: 'nowhere' } as never });
    const down = await me.receive((x: any) => x?.type === 'DOWN' && x.ref === ref);
    expect((down as any).reason.error).toContain('must return { next: state }, { keep: true }, { repeat: true } or { stop: reason }');
    await rt.stop();
  });

  it('an enter call cannot change state or postpone: the machine crashes with an error that says so', async () => {
    const { rt, me } = quietRuntime();
    for (const [to, text] of [
      ['move', 'an enter call cannot change the state'],
      ['postpone', 'cannot postpone or insert events'],
    ] as const) {
      const m = await GenStatem.start(me, badEnter);
      const ref = me.monitor(m);
      GenStatem.cast(me, m, to);
      const down = (await me.receive((x: any) => x?.type === 'DOWN' && x.ref === ref, 2000)) as any;
      expect(down.reason.error).toContain(text);
    }
    await rt.stop();
  });

  it('an unknown action crashes the machine with the list of actions', async () => {
    const { rt, me } = quietRuntime();
    const m = await GenStatem.start(me, recorder, [me.self]);
    await seen(me);
    const ref = me.monitor(m);
    me.send(m, cmd({ keep: true, actions: ['teleport' as never] }));
    const down = (await me.receive((x: any) => x?.type === 'DOWN' && x.ref === ref, 2000)) as any;
    expect(down.reason.error).toContain('unknown action "teleport": use { reply: from, value }');
    await rt.stop();
  });

  it('refuses a definition without init or with both states and handleEvent', () => {
    expect(() => GenStatem.define(import.meta.url, 'broken', { init: () => ({ state: 1, data: 0 }) } as never)).toThrow(/either states/);
    expect(() =>
      GenStatem.define(import.meta.url, 'broken2', { init: () => ({ state: 1, data: 0 }), states: {}, handleEvent: () => ({ keep: true }) } as never),
    ).toThrow(/not both/);
  });

  it('connection: dials with backoff, holds sends until connected, answers them in order', async () => {
    const { rt, me } = quietRuntime();
    const c = await GenStatem.start(me, connection, [{ backoff: 5, maxBackoff: 20, failUntil: 3, log: me.self }]);
    expectTypeOf(c).toEqualTypeOf<GenStatem.Statem<Connection>>();
    expect(await GenStatem.call(me, c, { type: 'status' })).toEqual({ state: 'disconnected', attempts: 0 });
    GenStatem.cast(me, c, { type: 'connect' });
    me.spawn(caller, me.self, 'one', c, { type: 'send', payload: 'one' });
    me.spawn(caller, me.self, 'two', c, { type: 'send', payload: 'two' });
    expect(await answer(me, 'one')).toEqual({ tag: 'one', reply: 1 });
    expect(await answer(me, 'two')).toEqual({ tag: 'two', reply: 2 });
    const lines: string[] = [];
    for (;;) {
      const line = await me.receive((x: unknown): x is string => typeof x === 'string', 0);
      if (line === TIMEOUT) break;
      lines.push(line);
    }
    expect(lines).toEqual(['disconnected', 'dial 1', 'dial 2', 'dial 3', 'dial 4', 'connected']);
    expect(await GenStatem.call(me, c, { type: 'status' })).toEqual({ state: 'connected', attempts: 4 });
    await rt.stop();
  });
});
