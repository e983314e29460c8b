import { describe, expect, expectTypeOf, it } from 'vitest';
import { Agent, ExitError, isDownMessage } from '../src/index.js';
import { add, badInit, explode, isAbove, listOf, pop, size, slowRead, startAt, timesPlus } from './fixtures/tasks.js';
import { quietRuntime, rejection } from './helpers.js';


describe('Agent', () => {
  it('holds a state made by a definition; get returns it whole or through a function, typed', async () => {
    const { rt, me } = quietRuntime();
    const counter = await Agent.start(me, startAt, 10);
    expectTypeOf(counter).toEqualTypeOf<Agent.Agent<number>>();
    const whole = await Agent.get(me, counter);
    expectTypeOf(whole).toEqualTypeOf<number>();
    expect(whole).toBe(10);
    const above = await Agent.get(me, counter, isAbove, 5);
    expectTypeOf(above).toEqualTypeOf<boolean>();
    expect(above).toBe(true);
    // Type checks only (never called):
    void (() => {
      // @ts-expect-error: isAbove takes a number limit
      void Agent.get(me, counter, isAbove, 'five');
      // @ts-expect-error: size works on a list state, not on a number
      void Agent.get(me, counter, size);
    });
    await Agent.stop(me, counter);
    await rt.stop(50);
  });

  it('update replaces the state with what the function returns; cast does it without waiting; put sets it', async () => {
    const { rt, me } = quietRuntime();
    const counter = await Agent.start(me, startAt, 1);
    await Agent.update(me, counter, add, 4);
    expect(await Agent.get(me, counter)).toBe(5);
    await Agent.update(me, counter, timesPlus, 3, 1);
    expect(await Agent.get(me, counter)).toBe(16);
    Agent.cast(me, counter, add, 100);
    expect(await Agent.get(me, counter)).toBe(116);
    await Agent.put(me, counter, 0);
    expect(await Agent.get(me, counter)).toBe(0);
    void (() => {
      // @ts-expect-error: isAbove returns a boolean, not a new state
      void Agent.update(me, counter, isAbove, 1);
    });
    await Agent.stop(me, counter);
    await rt.stop(50);
  });

  it('getAndUpdate replies with the first element of [reply, newState] and keeps the second', async () => {
    const { rt, me } = quietRuntime();
    const queue = await Agent.start(me, listOf, 'a', 'b', 'c');
    expectTypeOf(queue).toEqualTypeOf<Agent.Agent<string[]>>();
    const first = await Agent.getAndUpdate(me, queue, pop);
    expectTypeOf(first).toEqualTypeOf<string>();
    expect(first).toBe('a');
    expect(await Agent.getAndUpdate(me, queue, pop)).toBe('b');
    expect(await Agent.get(me, queue)).toEqual(['c']);
    expect(await Agent.get(me, queue, size)).toBe(1);
    await Agent.stop(me, queue);
    await rt.stop(50);
  });

  it('finds a function by key in a module it had not loaded, as another thread would', async () => {
    const { rt, me } = quietRuntime();
    const counter = await Agent.start(me, startAt, 7);
    const key = `${new URL('./fixtures/agent-lazy.ts', import.meta.url).href}#tripled`;
    const byKey = { kind: 'agent-fn', key, name: 'tripled' } as unknown as Agent.AgentFn<number, [], number>;
    expect(await Agent.get(me, counter, byKey)).toBe(21);
    await Agent.stop(me, counter);
    await rt.stop(50);
  });

  it('a function that throws crashes the agent, and the caller gets ERR_CALL_EXIT with the reason', async () => {
    const { rt, me } = quietRuntime();
    const counter = await Agent.start(me, startAt, 1);
    const ref = me.monitor(counter);
    const err = await rejection(Agent.get(me, counter, explode));
    expect(err).toBeInstanceOf(ExitError);
    expect(err.code).toBe('ERR_CALL_EXIT');
    expect(err.reason).toMatchObject({ error: 'agent function exploded' });
    const down = await me.receive(isDownMessage);
    expect(down).toMatchObject({ ref, reason: { error: 'agent function exploded' } });
    // The agent is gone now.
    expect(await rejection(Agent.get(me, counter))).toMatchObject({ code: 'ERR_NOPROC' });
    await rt.stop(50);
  });

  it('stop ends the agent with a reason; later calls get ERR_NOPROC, slow ones ERR_CALL_TIMEOUT', async () => {
    const { rt, me } = quietRuntime();
    const counter = await Agent.start(me, startAt, 3);
    const err = await rejection(Agent.get(me, Agent.withTimeout(counter, 20), slowRead, 300));
    expect(err).toMatchObject({ code: 'ERR_CALL_TIMEOUT', reason: 'timeout' });
    expect(await Agent.get(me, Agent.withTimeout(counter, 5_000), slowRead, 1)).toBe(3);
    const ref = me.monitor(counter);
    await Agent.stop(me, counter, 'shutdown');
    expect(await me.receive(isDownMessage)).toMatchObject({ ref, reason: 'shutdown' });
    expect(await rejection(Agent.update(me, counter, add, 1))).toMatchObject({ code: 'ERR_NOPROC' });
    expect(await rejection(Agent.stop(me, counter))).toMatchObject({ code: 'ERR_NOPROC' });
    await rt.stop(50);
  });

  it('starts under a name, linked, and reports a failed initial state as ERR_INIT_FAILED', async () => {
    const { rt, me } = quietRuntime();
    const hits = await Agent.startWith(me, startAt, [0], { name: 'hits', link: true });
    expect(Agent.whereis(me, 'hits')).toBe(hits);
    expect(rt.processInfo(me.self)?.links).toEqual([hits]);
    const byName = Agent.named<number>('hits');
    await Agent.update(me, byName, add, 2);
    expect(await Agent.get(me, byName)).toBe(2);
    expect(await rejection(Agent.start(me, startAt, 0).then(() => Agent.startWith(me, startAt, [1], { name: 'hits' })))).toMatchObject({
      code: 'ERR_NAME_TAKEN',
    });
    const failed = await rejection(Agent.startLink(me, badInit));
    expect(failed).toMatchObject({ code: 'ERR_INIT_FAILED', reason: { error: 'no state for you' } });
    expect(rt.isAlive(me.self)).toBe(true);
    await Agent.stop(me, 'hits');
    await rt.stop(50);
  });

  it('takes agent functions and definitions only, never closures', async () => {
    const { rt, me } = quietRuntime();
    const counter = await Agent.start(me, startAt, 0);
    const inc = (n: number) => n + 1;
    await expect(Agent.update(me, counter, inc as never)).rejects.toMatchObject({
      code: 'ERR_NOT_A_DEFINITION',
      message: expect.stringContaining("Agent.defineFn(import.meta.url, 'inc'"),
    });
    await expect(Agent.start(me, (() => 0) as unknown as typeof startAt, 0)).rejects.toMatchObject({ code: 'ERR_NOT_A_DEFINITION' });
    expect(() => Agent.defineFn(import.meta.url, '', inc)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    // The handle is plain data.
    expect(structuredClone(add)).toEqual({ kind: 'agent-fn', key: add.key, name: 'add' });
    await Agent.stop(me, counter);
    await rt.stop(50);
  });
});
