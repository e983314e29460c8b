import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, GenServer, TIMEOUT, type AnyPid, type Context, type Definition, type Runtime } from '@beamjs/runtime';
import { startVM, type VM } from '@beamjs/scheduler';
import { cancelsTimer, dies, failingStarts, monitorFromBirth, setsTimer, timerToSelf, registersOther, echoes, slowServer, callsTooShort, sendsTo, endsBadly, type StartOutcome } from './fixtures/fidelity.js';

const FIXTURE = new URL('./fixtures/fidelity.ts', import.meta.url);

/**
 * OTP fidelity (issue 9): the same scenarios on one thread and on the VM with 2 and 4
 * schedulers; both must behave as OTP does.
 */
type Where = 'one thread' | 2 | 4;

interface Env {
  me: Context<any>;
  /** Spawns on scheduler `n` (on one thread: just spawns). */
  spawnOn(n: number, def: Definition, args: unknown[]): AnyPid;
  schedulers: number;
  stop(): Promise<void>;
}

async function open(where: Where): Promise<Env> {
  if (where === 'one thread') {
    const rt: Runtime = createRuntime({ onReport: () => {} });
    const me = rt.mailbox();
    return { me, spawnOn: (_n, def, args) => me.spawnWith(def, args as never), schedulers: 1, stop: () => rt.stop(500) };
  }
  const vm: VM = await startVM({ schedulers: where, modules: [FIXTURE], onReport: () => {} });
  return { me: vm.mailbox(), spawnOn: (n, def, args) => vm.spawnWith(def, args as never, { scheduler: n }), schedulers: where, stop: () => vm.stop(2000) };
}

async function answer<T>(me: Context<any>, ms = 60_000): Promise<T> {
  const got = await me.receive(ms);
  if (got === TIMEOUT) throw new Error(`no answer within ${ms} ms`);
  return got as T;
}

describe.each<Where>(['one thread', 2, 4])('OTP fidelity: %s', (where) => {
  let env: Env;
  beforeAll(async () => {
    env = await open(where);
  });
  afterAll(() => env.stop());

  describe('start-up handshakes are monitored from birth (point 1)', () => {
    it('spawnWith refuses options it cannot honour, with the fix in the error, and spawns nothing', () => {
      const before = env.me.processInfo()?.links.length;
      expect(() => env.me.spawnWith(dies, [env.me.self], { monitor: 'yes' as never })).toThrow(/monitor must be true or false/);
      expect(() => env.me.spawnWith(dies, [env.me.self], null as never)).toThrow(/options must be an object/);
      expect(env.me.processInfo()?.links.length).toBe(before);
    });

    it('spawnWith({ monitor, link }) gets the child\'s own DOWN and EXIT even when the child dies before the spawner\'s next step', async () => {
      env.me.spawn(monitorFromBirth, 100, env.me.self);
      const results = await answer<unknown[]>(env.me);
      expect(results).toHaveLength(100);
      for (const r of results) expect(r).toEqual(['bye', 'gone', 'gone']);
    });

    it.each(['genserver', 'supervisor', 'agent', 'dynamic'] as const)(
      '100 failing %s starts each fail with the init\'s reason, never noproc, and leave nothing in the starter\'s mailbox',
      async (kind) => {
        env.me.spawn(failingStarts, kind, 100, env.me.self);
        const out = await answer<StartOutcome>(env.me);
        const expected = kind === 'agent' ? 'no state' : 'bad_config';
        expect(out.reasons.filter((r) => r !== expected)).toEqual([]);
        expect(out.leftovers).toEqual([]);
      },
    );
  });
});

describe.each<Where>(['one thread', 2, 4])('timers as erlang:send_after (points 3, 4): %s', (where) => {
  let env: Env;
  beforeAll(async () => {
    env = await open(where);
  });
  afterAll(() => env.stop());

  it('a timer set for another process fires after its setter has exited', async () => {
    for (let s = 0; s < env.schedulers; s++) {
      const setter = env.spawnOn(s, setsTimer, [env.me.self, 50, `late from ${s}`]);
      const told = await answer<{ timer: number }>(env.me, 10_000);
      expect(told.timer).toEqual(expect.any(Number));
      expect(await answer(env.me, 10_000)).toBe(`late from ${s}`);
      expect(env.me.isAlive(setter)).toBe(false);
    }
  });

  it('cancelTimer and readTimer work from a process on any scheduler: the ms left, and the timer never fires', async () => {
    for (let from = 0; from < env.schedulers; from++) {
      for (let to = 0; to < env.schedulers; to++) {
        env.spawnOn(from, setsTimer, [env.me.self, 5000, 'must not come']);
        const { timer } = await answer<{ timer: number }>(env.me, 10_000);
        env.spawnOn(to, cancelsTimer, [timer, env.me.self]);
        const seen = await answer<{ read: number; left: number; again: unknown; readAfter: unknown }>(env.me, 10_000);
        expect(seen.read).toBeGreaterThan(1000);
        expect(seen.read).toBeLessThanOrEqual(5000);
        expect(seen.left).toBeGreaterThan(1000);
        expect(seen.left).toBeLessThanOrEqual(seen.read);
        expect(seen.again).toBe(false);
        expect(seen.readAfter).toBe(false);
      }
    }
    // And from the main thread / a mailbox.
    env.spawnOn(0, setsTimer, [env.me.self, 5000, 'must not come']);
    const { timer } = await answer<{ timer: number }>(env.me, 10_000);
    expect(env.me.readTimer(timer)).toBeGreaterThan(1000);
    expect(env.me.cancelTimer(timer)).toBeGreaterThan(1000);
    expect(await env.me.receive((m: unknown) => m === 'must not come', 300)).toBe(TIMEOUT);
  });

  it('a timer dies with the process it is for: cancelled when that process exits, not left until it was due', async () => {
    const dest = env.spawnOn(env.schedulers - 1, timerToSelf, [env.me.self]);
    const { timer } = await answer<{ timer: number }>(env.me, 10_000);
    expect(env.me.readTimer(timer)).toBeGreaterThan(1000);
    const mon = env.me.monitor(dest);
    env.me.send(dest, 'stop');
    await env.me.receive((m: any) => m?.type === 'DOWN' && m.ref === mon, 10_000);
    expect(env.me.readTimer(timer)).toBe(false);
    expect(env.me.cancelTimer(timer)).toBe(false);
  });
});

describe.each<Where>(['one thread', 2, 4])('registering another process (point 5): %s', (where) => {
  let env: Env;
  beforeAll(async () => {
    env = await open(where);
  });
  afterAll(() => env.stop());

  it('a process registers a live process of any scheduler (or the main thread); the name goes when that process exits', async () => {
    let n = 0;
    for (let s = 0; s < env.schedulers; s++) {
      for (let t = 0; t < env.schedulers; t++) {
        const name = `other-${n++}`;
        const target = env.spawnOn(t, echoes, [env.me.self]);
        env.spawnOn(s, registersOther, [name, target, env.me.self]);
        expect(await answer(env.me, 10_000)).toEqual({ registered: 'ok', whereis: target });
        env.me.send(name, 'hello');
        // The target knows its name (processInfo), as if it had registered itself.
        expect(await answer(env.me, 10_000)).toEqual({ echo: 'hello', name });
        env.spawnOn(s, registersOther, [`${name}-again`, target, env.me.self]);
        expect(await answer(env.me, 10_000)).toEqual({ registered: 'ERR_NAME_TAKEN' });
        const mon = env.me.monitor(target);
        env.me.send(target, 'stop');
        await env.me.receive((m: any) => m?.type === 'DOWN' && m.ref === mon, 10_000);
        expect(env.me.whereis(name)).toBeUndefined();
        env.spawnOn(s, registersOther, [name, target, env.me.self]);
        expect(await answer(env.me, 10_000)).toEqual({ registered: 'ERR_NOPROC' });
      }
    }
    // The main thread's own mailbox, named by a process.
    env.spawnOn(0, registersOther, ['the-main-mailbox', env.me.self, env.me.self]);
    expect(await answer(env.me, 10_000)).toEqual({ registered: 'ok', whereis: env.me.self });
    expect(env.me.processInfo()?.registeredName).toBe('the-main-mailbox');
    env.me.unregister('the-main-mailbox');
    expect(env.me.whereis('the-main-mailbox')).toBeUndefined();
  });

  it('unregistering another thread\'s process clears its own record of the name', async () => {
    const target = env.spawnOn(env.schedulers - 1, echoes, [env.me.self]);
    env.me.register('to-unregister', target);
    env.me.unregister('to-unregister');
    env.me.register('renamed', target);
    env.me.send('renamed', 'hi');
    expect(await answer(env.me, 10_000)).toEqual({ echo: 'hi', name: 'renamed' });
    env.me.send(target, 'stop');
  });
});

describe.each<Where>(['one thread', 2, 4])('process aliases (point 6): %s', (where) => {
  let env: Env;
  beforeAll(async () => {
    env = await open(where);
  });
  afterAll(() => env.stop());

  it('a message to an alias arrives while it is active and is dropped once unaliased, from any scheduler', async () => {
    for (let s = 0; s < env.schedulers; s++) {
      const alias = env.me.alias();
      env.spawnOn(s, sendsTo, [alias, `via alias ${s}`]);
      expect(await answer(env.me, 10_000)).toBe(`via alias ${s}`);
      expect(env.me.unalias(alias)).toBe(true);
      expect(env.me.unalias(alias)).toBe(false);
      env.spawnOn(s, sendsTo, [alias, 'dropped']);
      env.spawnOn(s, sendsTo, [env.me.self, `marker ${s}`]);
      // The marker comes from the same scheduler after the dropped one; wait a little past it too.
      expect(await answer(env.me, 10_000)).toBe(`marker ${s}`);
      expect(await env.me.receive(100)).toBe(TIMEOUT);
    }
  });

  it('an alias made with { reply: true } lets one message through', async () => {
    const alias = env.me.alias({ reply: true });
    env.spawnOn(env.schedulers - 1, sendsTo, [alias, 'first']);
    expect(await answer(env.me, 10_000)).toBe('first');
    env.me.send(alias, 'second');
    expect(await env.me.receive(100)).toBe(TIMEOUT);
  });

  it('a reply that comes after GenServer.call timed out is dropped: the caller\'s mailbox stays clean', async () => {
    const server = await GenServer.start(env.me, slowServer);
    for (let s = 0; s < env.schedulers; s++) {
      env.spawnOn(s, callsTooShort, [server, env.me.self]);
      expect(await answer(env.me, 10_000)).toEqual({ code: 'ERR_CALL_TIMEOUT', left: [] });
    }
    // The same from the main thread's own mailbox.
    await expect(GenServer.call(env.me, server, { type: 'slow', ms: 100 }, 20)).rejects.toMatchObject({ code: 'ERR_CALL_TIMEOUT' });
    expect(await env.me.receive(300)).toBe(TIMEOUT);
  });
});

describe.each<Where>(['one thread', 2, 4])('faults contained to their process (issue 10 point 5): %s', (where) => {
  let env: Env;
  beforeAll(async () => {
    env = await open(where);
  });
  afterAll(() => env.stop());

  it.each(['exit-fn', 'exit-symbol', 'throw-revoked', 'throw-bad-stack', 'throw-fn'])(
    '%s ends the process, never its scheduler; a watcher on another thread gets a DOWN with a readable reason',
    async (how) => {
      for (let s = 0; s < env.schedulers; s++) {
        const pid = env.spawnOn(s, endsBadly, [how]);
        const ref = env.me.monitor(pid);
        const down = (await env.me.receive((m: any) => m?.type === 'DOWN' && m.ref === ref, 10_000)) as any;
        expect(down).not.toBe(TIMEOUT);
        expect(down.reason).toEqual(expect.objectContaining({ name: expect.any(String), error: expect.any(String) }));
        expect(JSON.stringify(down.reason)).not.toContain('undefined: undefined');
        // The scheduler is still there and runs the next process.
        env.spawnOn(s, sendsTo, [env.me.self, `alive ${s}`]);
        expect(await answer(env.me, 10_000)).toBe(`alive ${s}`);
      }
    },
  );
});

describe('vm.spawnWith (point 1, the VM side)', () => {
  let vm: VM;
  beforeAll(async () => {
    vm = await startVM({ schedulers: 2, modules: [FIXTURE], onReport: () => {} });
  });
  afterAll(() => vm.stop(2000));

  it('starts on the scheduler asked for, monitored from birth by the main thread', async () => {
    for (const scheduler of [0, 1]) {
      const [pid, ref] = vm.spawnWith(dies, [vm.self], { scheduler, monitor: true });
      const down = await vm.receive((m: any) => m?.type === 'DOWN' && m.ref === ref, 10_000);
      expect(down).toMatchObject({ pid, reason: { gone: scheduler } });
      expect(await vm.receive((m: any) => m?.from === pid, 10_000)).toEqual({ said: 'bye', from: pid });
    }
    expect(() => vm.spawnWith(dies, [vm.self], { scheduler: 7 })).toThrow(/scheduler id from 0 to 1/);
  });
});
