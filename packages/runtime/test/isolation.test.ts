import { describe, expect, it } from 'vitest';
import { Agent, GenServer, defineActor, defineProcess, type Context, type Pid } from '../src/index.js';
import { quietRuntime } from './helpers.js';

describe('definition keys are unique (issue 13)', () => {
  it('a second definition with the same key in one module throws at definition time, naming both places', async () => {
    const loading = import('./fixtures/duplicate-key.js');
    await expect(loading).rejects.toMatchObject({ code: 'ERR_DUPLICATE_DEFINITION' });
    await expect(loading).rejects.toThrow(/'greet' is defined twice in .*duplicate-key\.ts, at line 4:\d+ and at line 5:\d+/);
  });

  it('holds for actors, servers and agent functions too', () => {
    const url = import.meta.url;
    defineActor(url, 'dup.actor', { init: () => 0, handle: (_c, _m, s: number) => s });
    expect(() => defineActor(url, 'dup.actor', { init: () => 1, handle: (_c, _m, s: number) => s })).toThrow(/defined twice/);
    GenServer.define(url, 'dup.server', { init: () => ({ ok: 0 }) });
    expect(() => GenServer.define(url, 'dup.server', { init: () => ({ ok: 1 }) })).toThrow(/defined twice/);
    Agent.defineFn(url, 'dup.fn', (s: number) => s);
    expect(() => Agent.defineFn(url, 'dup.fn', (s: number) => s + 1)).toThrow(/defined twice/);
  });

  it('the same place defining a key again (the module evaluated again) replaces the definition', () => {
    const defs = [1, 2].map((n) => defineProcess(import.meta.url, 'dup.again', () => n));
    expect(defs[1]!.key).toBe(defs[0]!.key);
  });
});

const peek = defineProcess(import.meta.url, 'iso.peek', (ctx: Context<never>, victim: number, to: Pid<unknown>) => {
  const anyCtx = ctx as unknown as Record<string, unknown>;
  const paths = Object.getOwnPropertyNames(anyCtx).concat(Object.getOwnPropertyNames(Object.getPrototypeOf(anyCtx)));
  // Everything reachable from the context, one level down, that could be a runtime or a table.
  const leaks = paths.filter((k) => {
    let v: unknown;
    try {
      v = anyCtx[k];
    } catch {
      return false;
    }
    return typeof v === 'object' && v !== null && ('procs' in v || 'get' in v && typeof (v as { get?: unknown }).get === 'function' && 'size' in v);
  });
  ctx.send(to, { rt: anyCtx.rt, leaks, found: JSON.stringify(anyCtx).includes(`"secret"`), victim });
});

const holdsSecret = defineActor(import.meta.url, 'iso.secret', {
  init: () => ({ secret: 'the keys' }),
  handle: (_ctx: Context<never>, _m, s: { secret: string }) => s,
});

describe('isolation (issue 10 point 12)', () => {
  it('a process finds no path from its context to other processes or the runtime', async () => {
    const { rt, me } = quietRuntime();
    const victim = me.spawn(holdsSecret);
    me.spawn(peek, victim, me.self);
    const seen = (await me.receive()) as { rt: unknown; leaks: string[]; found: boolean };
    expect(seen.rt).toBeUndefined();
    expect(seen.leaks).toEqual([]);
    expect(seen.found).toBe(false);
    await rt.stop(50);
  });
});
