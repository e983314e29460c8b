import { describe, expect, it } from 'vitest';
import { GenServer, TIMEOUT } from '../src/index.js';
import { deaf, returns } from './fixtures/idle-servers.js';
import { quietRuntime, rejection } from './helpers.js';

/**
 * The edges of a callback result's `timeout` and `hibernate` on one thread; the behaviour
 * itself (fires, is cancelled by any message, migrates, hibernate copies the state) is pinned on
 * one thread and on the VM in test/fidelity.test.ts.
 */
describe('GenServer timeout and hibernate: bad values and stale timers', () => {
  it.each([
    [{ timeout: -1 }, 'timeout must be a number of ms >= 0 or Infinity, got -1'],
    [{ timeout: '10' }, 'timeout must be a number of ms >= 0 or Infinity, got "10"'],
    [{ timeout: Number.NaN }, 'timeout must be a number of ms >= 0 or Infinity, got NaN'],
    [{ hibernate: 'yes' }, 'must return hibernate: true or false, got "yes"'],
  ])('a result with %j crashes the server before it replies, with an error that names the value', async (given, text) => {
    const { rt, me } = quietRuntime();
    const server = await GenServer.start(me, returns, [me.self]);
    const err = await rejection(GenServer.call(me, server, { type: 'give', ...given }));
    expect(err).toMatchObject({ code: 'ERR_CALL_EXIT', reason: { error: expect.stringContaining(text) } });
    await rt.stop();
  });

  it('a timeout for a server without handleInfo crashes it, saying to define handleInfo', async () => {
    const { rt, me } = quietRuntime();
    const server = await GenServer.start(me, deaf);
    const err = await rejection(GenServer.call(me, server, { type: 'wait' }));
    expect(err.reason).toMatchObject({ error: expect.stringContaining('has no handleInfo for the timeout') });
    await rt.stop();
  });

  it('a timeout message that is not the armed one (cancelled on its way, or forged) is dropped, not handed to handleInfo', async () => {
    const { rt, me } = quietRuntime();
    const server = await GenServer.start(me, returns, [me.self]);
    me.send(server, { $gen: 'timeout', id: 1 } as never);
    expect(await GenServer.call(me, server, { type: 'give', timeout: Infinity, hibernate: false })).toBe('given');
    me.send(server, 'plain');
    expect(await me.receive(1000)).toEqual({ info: 'plain' });
    expect(await me.receive(50)).toBe(TIMEOUT);
    await rt.stop();
  });
});
