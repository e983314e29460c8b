/**
 * The seed's ExampleServer, as beamjs processes: a server loop that answers `run_query` with
 * `query_result`, and a client that gives up `after 5000` with a timeout error.
 *
 *   beamjs run examples/query-server.ts
 */
import { TIMEOUT, defineProcess, type Context, type Pid } from '@beamjs/runtime';

export type QueryResult = { type: 'query_result'; result: string };
export type ServerMsg = { type: 'run_query'; caller: Pid<QueryResult>; queryDef: string };

/** How long a query takes (the seed's `:timer.sleep(2000)`), and how long a client waits. */
export const QUERY_MS = 2000;
export const CLIENT_WAIT_MS = 5000;

/** The server loop: receive, answer, loop. */
export const queryServer = defineProcess(import.meta.url, 'queryServer', async (ctx: Context<ServerMsg>, queryMs: number = QUERY_MS) => {
  for (;;) {
    const { caller, queryDef } = await ctx.receive();
    ctx.send(caller, { type: 'query_result', result: await runQuery(ctx, queryDef, queryMs) });
  }
});

async function runQuery(ctx: Context<ServerMsg>, queryDef: string, queryMs: number): Promise<string> {
  await ctx.sleep(queryMs);
  return `${queryDef} result`;
}

/** The interface functions: start the server, ask it asynchronously, collect the answer. */
export function start(ctx: Context<unknown>, queryMs = QUERY_MS): Pid<ServerMsg> {
  return ctx.spawn(queryServer, queryMs);
}

export function runAsync(ctx: Context<unknown>, server: Pid<ServerMsg>, queryDef: string): void {
  ctx.send(server, { type: 'run_query', caller: ctx.self as Pid<QueryResult>, queryDef });
}

const isResult = (m: unknown): m is QueryResult => typeof m === 'object' && m !== null && (m as QueryResult).type === 'query_result';

/** `{ ok: result }`, or `{ error: 'timeout' }` once `waitMs` passed without an answer. */
export async function getResult(ctx: Context<unknown>, waitMs = CLIENT_WAIT_MS): Promise<{ ok: string } | { error: 'timeout' }> {
  const msg = await ctx.receive(isResult, waitMs);
  return msg === TIMEOUT ? { error: 'timeout' } : { ok: msg.result };
}

/** Five queries at once on five servers: all answered in about one query's time, not five. */
export async function main(ctx: Context<unknown>, args: string[]): Promise<void> {
  const queryMs = Number(args[0] ?? 500);
  const servers = Array.from({ length: 5 }, () => start(ctx, queryMs));
  const t0 = Date.now();
  servers.forEach((server, i) => runAsync(ctx, server, `query ${i + 1}`));
  const results = [];
  for (let i = 0; i < servers.length; i++) results.push(await getResult(ctx));
  console.log(results.map((r) => ('ok' in r ? r.ok : r.error)).sort().join(', '));
  console.log(`5 queries of ${queryMs} ms each took ${Date.now() - t0} ms in total`);
  for (const server of servers) ctx.exit(server, 'shutdown');
}
