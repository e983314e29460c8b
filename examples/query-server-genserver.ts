/**
 * The seed's ExampleServer again, as a GenServer: `run_query` is a call, so the request/reply
 * protocol, the caller's 5-second `after` and the timeout error come from GenServer.call. The
 * query runs in a helper process and the server answers later with GenServer.reply, so one
 * server keeps taking queries while earlier ones are still running (the seed needed one
 * server process per query for that).
 *
 *   beamjs run examples/query-server-genserver.ts            # 5 queries of 500 ms
 *   beamjs run examples/query-server-genserver.ts -- 2000 8  # query time (ms), queries
 */
import { ExitError, GenServer, defineProcess, type Context, type From } from '@beamjs/runtime';

/** How long a query takes (the seed's `:timer.sleep(2000)`), and how long a client waits. */
export const QUERY_MS = 2000;
export const CLIENT_WAIT_MS = 5000;

export interface QueryServer {
  state: { queryMs: number; started: number };
  args: [queryMs: number];
  calls: {
    runQuery(req: { queryDef: string }): string;
    /** How many queries this server has taken. */
    started(): number;
  };
}

/** Runs one query and answers the caller that asked for it. */
export const queryRunner = defineProcess(
  import.meta.url,
  'queryRunner',
  async (ctx: Context<never>, from: From<string>, queryDef: string, queryMs: number) => {
    await ctx.sleep(queryMs);
    GenServer.reply(ctx, from, `${queryDef} result`);
  },
);

export const queryServer = GenServer.define<QueryServer>(import.meta.url, 'queryServer', {
  init: (_ctx, queryMs) => ({ ok: { queryMs, started: 0 } }),
  handleCall: {
    // Deferred reply: hand the query to a runner and take the next message at once.
    runQuery: (ctx, req, from, s) => {
      ctx.spawn(queryRunner, from, req.queryDef, s.queryMs);
      return { noreply: true, state: { ...s, started: s.started + 1 } };
    },
    started: (_ctx, _req, _from, s) => ({ reply: s.started, state: s }),
  },
});

/** The interface functions of the seed: start the server, run a query, wait at most `waitMs`. */
export function start(ctx: Context<any>, queryMs = QUERY_MS): Promise<GenServer.Server<QueryServer>> {
  return GenServer.start(ctx, queryServer, [queryMs]);
}

/** `{ ok: result }`, or `{ error: 'timeout' }` once `waitMs` passed without an answer. */
export async function runQuery(
  ctx: Context<any>,
  server: GenServer.Server<QueryServer>,
  queryDef: string,
  waitMs = CLIENT_WAIT_MS,
): Promise<{ ok: string } | { error: 'timeout' }> {
  try {
    return { ok: await GenServer.call(ctx, server, { type: 'runQuery', queryDef }, waitMs) };
  } catch (err) {
    if (err instanceof ExitError && err.code === 'ERR_CALL_TIMEOUT') return { error: 'timeout' };
    throw err;
  }
}

/** A client process: one query, the outcome sent back. */
export const client = defineProcess(
  import.meta.url,
  'queryClient',
  async (ctx: Context<never>, replyTo: number, server: GenServer.Server<QueryServer>, queryDef: string, waitMs: number) => {
    ctx.send(replyTo, await runQuery(ctx, server, queryDef, waitMs));
  },
);

/** Several clients query one server at once: all answered in about one query's time. */
export async function main(ctx: Context<{ ok: string } | { error: 'timeout' }>, args: string[] = []): Promise<string[]> {
  const queryMs = Number(args[0] ?? 500);
  const queries = Number(args[1] ?? 5);
  if (!(queryMs >= 0) || !Number.isInteger(queries) || queries < 1) {
    throw new Error(`usage: query-server-genserver.ts [query ms >= 0] [queries >= 1], got ${args.join(' ')}`);
  }
  const server = await start(ctx, queryMs);
  const t0 = Date.now();
  for (let i = 1; i <= queries; i++) ctx.spawn(client, ctx.self, server, `query ${i}`, CLIENT_WAIT_MS);
  const results: string[] = [];
  for (let i = 0; i < queries; i++) {
    const r = await ctx.receive();
    results.push('ok' in r ? r.ok : r.error);
  }
  results.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  console.log(results.join(', '));
  console.log(`${queries} queries of ${queryMs} ms each took ${Date.now() - t0} ms in total, on one server`);
  await GenServer.stop(ctx, server);
  return results;
}
