import { describe, expect, it } from 'vitest';
import { GenServer, createRuntime, loadDefinition, type ProcessDefinition } from '@beamjs/runtime';
import { startVM } from '@beamjs/scheduler';
import { getResult, main, runAsync, start } from '../examples/query-server.js';
import * as gen from '../examples/query-server-genserver.js';

const GEN_EXAMPLE = new URL('../examples/query-server-genserver.ts', import.meta.url);

describe('the seed\'s query server (examples/query-server.ts)', () => {
  it('answers run_query with query_result', async () => {
    const rt = createRuntime();
    const client = rt.mailbox();
    const server = start(client, 5);
    runAsync(client, server, 'select 1');
    expect(await getResult(client)).toEqual({ ok: 'select 1 result' });
    await rt.stop(50);
  });

  it('answers every caller, each from its own server', async () => {
    const rt = createRuntime();
    const client = rt.mailbox();
    const servers = [start(client, 10), start(client, 10), start(client, 10)];
    servers.forEach((s, i) => runAsync(client, s, `q${i}`));
    const results = [];
    for (let i = 0; i < servers.length; i++) results.push(await getResult(client));
    expect(results.map((r) => ('ok' in r ? r.ok : r.error)).sort()).toEqual(['q0 result', 'q1 result', 'q2 result']);
    await rt.stop(50);
  });

  it('gives up with a timeout error when the answer takes longer than the client waits', async () => {
    const rt = createRuntime();
    const client = rt.mailbox();
    const server = start(client, 200);
    runAsync(client, server, 'slow');
    expect(await getResult(client, 20)).toEqual({ error: 'timeout' });
    await rt.stop(50);
  });

  it('runs its main as a demo', async () => {
    const rt = createRuntime();
    const ctx = rt.mailbox();
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => lines.push(line);
    try {
      await main(ctx, ['5']);
    } finally {
      console.log = log;
    }
    expect(lines[0]).toBe('query 1 result, query 2 result, query 3 result, query 4 result, query 5 result');
    await rt.stop(50);
  });
});

describe('the query server as a GenServer (examples/query-server-genserver.ts)', () => {
  it('answers a query through call, with the result', async () => {
    const rt = createRuntime();
    const ctx = rt.mailbox();
    const server = await gen.start(ctx, 5);
    expect(await gen.runQuery(ctx, server, 'select 1')).toEqual({ ok: 'select 1 result' });
    await rt.stop(50);
  });

  it('takes new queries while earlier ones run: the reply is deferred to a runner process', async () => {
    const rt = createRuntime();
    const ctx = rt.mailbox();
    const server = await gen.start(ctx, 100);
    // Three queries in flight at once from three clients; the server is free meanwhile.
    for (let i = 0; i < 3; i++) ctx.spawn(gen.client, ctx.self, server, `q${i}`, 5000);
    await ctx.sleep(20);
    expect(await GenServer.call(ctx, server, { type: 'started' })).toBe(3);
    const results = [await ctx.receive(), await ctx.receive(), await ctx.receive()];
    expect(results.map((r) => (r as { ok: string }).ok).sort()).toEqual(['q0 result', 'q1 result', 'q2 result']);
    await rt.stop(50);
  });

  it('gives up with a timeout error when the answer takes longer than the client waits', async () => {
    const rt = createRuntime();
    const ctx = rt.mailbox();
    const server = await gen.start(ctx, 200);
    expect(await gen.runQuery(ctx, server, 'slow', 20)).toEqual({ error: 'timeout' });
    await rt.stop(50);
  });

  it('runs its main on the multi-core VM, as `beamjs run` does', async () => {
    const vm = await startVM({ schedulers: 2, modules: [GEN_EXAMPLE], onReport: () => {} });
    try {
      // main runs as the CLI runs it: the loader wraps the exported function as a definition.
      const mainDef = (await loadDefinition(`${GEN_EXAMPLE.href}#main`)) as ProcessDefinition<unknown, [string[]], Promise<string[]>>;
      expect(await vm.run(mainDef, ['5', '4'])).toEqual(['query 1 result', 'query 2 result', 'query 3 result', 'query 4 result']);
    } finally {
      await vm.stop(500);
    }
  });
});
