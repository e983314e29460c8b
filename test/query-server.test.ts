import { describe, expect, it } from 'vitest';
import { createRuntime } from '@beamjs/runtime';
import { getResult, main, runAsync, start } from '../examples/query-server.js';

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
