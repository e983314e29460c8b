/**
 * A supervision tree that keeps serving while its workers crash at random:
 *
 *     top (Supervisor, rest_for_one)
 *     ├── registry (GenServer, registered as 'pool-registry'): which worker serves which slot
 *     └── workers (Supervisor, one_for_one)
 *         ├── worker 0 (GenServer)
 *         ├── ...
 *         └── worker N-1
 *
 * Each worker registers itself with the registry when it starts (so a restarted worker is
 * found again), answers `square` requests, and crashes now and then. Its supervisor restarts
 * it; the client looks the slot up again and retries. If the registry itself died, rest_for_one
 * would restart the workers after it too, so that they register with the new one.
 *
 *     beamjs run examples/supervision-tree.ts                  # 300 requests, 8 workers, 3% crashes
 *     beamjs run examples/supervision-tree.ts -- 1000 16 0.1   # requests, workers, crash rate
 */
import { ExitError, GenServer, Supervisor, defineProcess, isDownMessage, type Context, type DownMessage, type Pid } from '@beamjs/runtime';

export const REGISTRY = 'pool-registry';

interface Registry {
  state: { slots: Record<number, number>; registrations: number };
  calls: { lookup(req: { slot: number }): number | undefined; registrations(): number };
  cast: { type: 'register'; slot: number; pid: number };
  info: DownMessage;
}

/** Slot -> worker pid; a worker that dies is dropped (the registry monitors it) until its successor registers. */
export const registry = GenServer.define<Registry>(import.meta.url, 'registry', {
  init: () => ({ ok: { slots: {}, registrations: 0 } }),
  handleCall: {
    lookup: (_ctx, req, _from, s) => ({ reply: s.slots[req.slot], state: s }),
    registrations: (_ctx, _req, _from, s) => ({ reply: s.registrations, state: s }),
  },
  handleCast: (ctx, msg, s) => {
    ctx.monitor(msg.pid);
    return { noreply: true, state: { slots: { ...s.slots, [msg.slot]: msg.pid }, registrations: s.registrations + 1 } };
  },
  handleInfo: (_ctx, msg, s) => {
    if (!isDownMessage(msg)) return { noreply: true, state: s };
    const slots = Object.fromEntries(Object.entries(s.slots).filter(([, pid]) => pid !== msg.pid));
    return { noreply: true, state: { ...s, slots } };
  },
});

interface Worker {
  state: { slot: number; crashRate: number; served: number };
  args: [slot: number, crashRate: number];
  calls: { square(req: { n: number }): { n: number; square: number; slot: number; scheduler: number } };
}

export const worker = GenServer.define<Worker>(import.meta.url, 'worker', {
  init: (ctx, slot, crashRate) => {
    GenServer.cast(ctx, GenServer.named<Registry>(REGISTRY), { type: 'register', slot, pid: ctx.self });
    return { ok: { slot, crashRate, served: 0 } };
  },
  handleCall: {
    square: (ctx, req, _from, s) => {
      if (Math.random() < s.crashRate) throw new Error(`worker ${s.slot} crashed (simulated) after serving ${s.served} requests`);
      return { reply: { n: req.n, square: req.n * req.n, slot: s.slot, scheduler: ctx.schedulerId }, state: { ...s, served: s.served + 1 } };
    },
  },
});

/** The tree: the registry first, then the pool that depends on it. */
export function startTree(ctx: Context<any>, workers: number, crashRate: number): Promise<Pid<unknown>> {
  const pool = Array.from({ length: workers }, (_, slot) => ({ id: `worker-${slot}`, start: { def: worker, args: [slot, crashRate] as [number, number] } }));
  return Supervisor.startLink(
    ctx,
    [
      { id: 'registry', start: { def: registry, name: REGISTRY } },
      // Crashes are the point of this demo: allow many restarts before the pool gives up.
      Supervisor.childSpec('workers', pool, { strategy: 'one_for_one', intensity: 100, period: 1000 }),
    ],
    { strategy: 'rest_for_one', intensity: 3, period: 5000 },
  );
}

/** Asks the worker of `slot` for n², retrying (after a fresh lookup) while the worker is down or crashes mid-request. */
export async function square(ctx: Context<any>, slot: number, n: number): Promise<{ square: number; retries: number; scheduler: number }> {
  for (let retries = 0; retries < 1000; retries++) {
    const pid = await GenServer.call(ctx, GenServer.named<Registry>(REGISTRY), { type: 'lookup', slot });
    if (pid === undefined) {
      // Between a crash and the restarted worker's registration.
      await ctx.sleep(1);
      continue;
    }
    try {
      const r = await GenServer.call(ctx, pid as GenServer.Server<Worker>, { type: 'square', n });
      return { square: r.square, retries, scheduler: r.scheduler };
    } catch (err) {
      if (err instanceof ExitError && (err.code === 'ERR_CALL_EXIT' || err.code === 'ERR_NOPROC')) continue;
      throw err;
    }
  }
  throw new Error(`slot ${slot} did not answer after 1000 tries`);
}

interface ClientReport {
  served: number;
  wrong: number;
  retries: number;
  schedulers: number[];
}

/** One client per slot: asks for the squares of `numbers`, checks each answer, reports back. */
export const client = defineProcess(import.meta.url, 'client', async (ctx: Context<never>, replyTo: Pid<ClientReport>, slot: number, numbers: number[]) => {
  const report: ClientReport = { served: 0, wrong: 0, retries: 0, schedulers: [] };
  for (const n of numbers) {
    const r = await square(ctx, slot, n);
    report.served++;
    if (r.square !== n * n) report.wrong++;
    report.retries += r.retries;
    if (!report.schedulers.includes(r.scheduler)) report.schedulers.push(r.scheduler);
  }
  ctx.send(replyTo, report);
});

export interface Summary {
  requests: number;
  served: number;
  wrong: number;
  retries: number;
  restarts: number;
  schedulers: number[];
}

export async function main(ctx: Context<any>, args: string[] = []): Promise<Summary> {
  const requests = wholeNumber(args[0], 300, 'the number of requests');
  const workers = wholeNumber(args[1], 8, 'the number of workers');
  const crashRate = Number(args[2] ?? 0.03);
  if (!(crashRate >= 0 && crashRate < 1)) throw new Error(`the crash rate must be a number from 0 to 1 (exclusive), got '${args[2]}'`);
  const top = await startTree(ctx, workers, crashRate);
  const started = performance.now();

  // The requests, split among one client process per worker: they run in parallel.
  for (let slot = 0; slot < workers; slot++) {
    const numbers = Array.from({ length: requests }, (_, i) => i).filter((i) => i % workers === slot);
    ctx.spawn(client, ctx.self as Pid<ClientReport>, slot, numbers);
  }
  const total: ClientReport = { served: 0, wrong: 0, retries: 0, schedulers: [] };
  for (let slot = 0; slot < workers; slot++) {
    const r = (await ctx.receive((m: unknown) => typeof (m as ClientReport)?.served === 'number')) as ClientReport;
    total.served += r.served;
    total.wrong += r.wrong;
    total.retries += r.retries;
    for (const s of r.schedulers) if (!total.schedulers.includes(s)) total.schedulers.push(s);
  }
  const registrations = await GenServer.call(ctx, GenServer.named<Registry>(REGISTRY), { type: 'registrations' });
  const restarts = registrations - workers;
  const ms = performance.now() - started;
  const schedulers = total.schedulers.sort((a, b) => a - b);
  console.log(
    `served ${total.served}/${requests} requests (${total.wrong} wrong answers) with ${workers} workers in ${ms.toFixed(0)} ms; ` +
      `${restarts} worker crashes, each restarted by its supervisor; ${total.retries} requests retried; workers ran on schedulers ${schedulers.join(', ')}`,
  );
  await Supervisor.stop(ctx, top);
  return { requests, served: total.served, wrong: total.wrong, retries: total.retries, restarts, schedulers };
}

function wholeNumber(text: string | undefined, fallback: number, what: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${what} must be a whole number of at least 1, got '${text}'`);
  return n;
}
