import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, TIMEOUT, type AnyPid, type Context, type Definition, type Runtime } from '@beamjs/runtime';
import { startVM, type VM } from '@beamjs/scheduler';
import { cancelsTimer, dies, failingStarts, monitorFromBirth, setsTimer, timerToSelf, type StartOutcome } from './fixtures/fidelity.js';

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
