import { describe, expect, it } from 'vitest';
import { defineActor, defineProcess, isDefinition, loadDefinition, lookupDefinition, type Context, type Pid, type ProcessDefinition } from '../src/index.js';
import { quick } from './fixtures/procs.js';
import { quietRuntime } from './helpers.js';

describe('definitions', () => {
  it('carry a stable key made of the module URL and a name', () => {
    expect(quick.key).toBe(`${new URL('./fixtures/procs.ts', import.meta.url).href}#quick`);
    expect(lookupDefinition(quick.key)).toBe(quick);
    expect(isDefinition(quick)).toBe(true);
  });

  it('spawn refuses a plain closure, saying how to define it', async () => {
    const { rt, me } = quietRuntime();
    const worker = async (ctx: Context<unknown>) => ctx.receive();
    expect(() => me.spawn(worker as unknown as ProcessDefinition)).toThrow(
      expect.objectContaining({ code: 'ERR_NOT_A_DEFINITION', message: expect.stringContaining("defineProcess(import.meta.url, 'worker', worker)") }),
    );
    expect(() => rt.spawn({} as ProcessDefinition)).toThrow(expect.objectContaining({ code: 'ERR_NOT_A_DEFINITION' }));
    await rt.stop(50);
  });

  it('are found by key from a module that was not loaded yet, including a plain exported function', async () => {
    const url = new URL('./fixtures/lazy-module.ts', import.meta.url).href;
    const def = await loadDefinition(`${url}#lazyDouble`);
    expect(def.name).toBe('lazyDouble');
    const main = await loadDefinition(`${url}#main`);
    expect(main.kind).toBe('process');
  });

  it('a spawn job whose module is not loaded yet starts once it is, with its messages kept', async () => {
    const { rt, me } = quietRuntime();
    const url = new URL('./fixtures/lazy-echo.ts', import.meta.url).href;
    // Spawn by key, as another thread would: only the key and the arguments travel.
    const byKey: ProcessDefinition<string, [Pid<string>]> = { kind: 'process', key: `${url}#lazyEcho`, name: 'lazyEcho', moduleUrl: url, body: () => undefined };
    const pid = me.spawn(byKey, me.self as Pid<string>);
    me.send(pid, 'kept');
    expect(await me.receive()).toBe('echo: kept');
    await rt.stop(50);
  });

  it('an unknown name or a module that fails to load is a clear error', async () => {
    const url = new URL('./fixtures/lazy-module.ts', import.meta.url).href;
    await expect(loadDefinition(`${url}#nothing`)).rejects.toMatchObject({ code: 'ERR_UNKNOWN_DEFINITION', message: expect.stringMatching(/defines no process named 'nothing'/) });
    await expect(loadDefinition(`${new URL('./fixtures/missing.ts', import.meta.url).href}#x`)).rejects.toMatchObject({
      code: 'ERR_UNKNOWN_DEFINITION',
      message: expect.stringMatching(/cannot load .*missing\.ts/),
    });
  });

  it('bad arguments to defineProcess and defineActor are errors', () => {
    expect(() => defineProcess('' as string, 'x', () => 1)).toThrow(/import.meta.url/);
    expect(() => defineProcess(import.meta.url, '', () => 1)).toThrow(/non-empty name/);
    expect(() => defineProcess(import.meta.url, 'x', 42 as never)).toThrow(/needs a function/);
    expect(() => defineActor(import.meta.url, 'y', { init: () => 1 } as never)).toThrow(/init, handle/);
  });
});
