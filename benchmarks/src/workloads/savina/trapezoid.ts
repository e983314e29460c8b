/**
 * Savina trapezoidal approximation (a parallel benchmark): the integral of Savina's fx over
 * [left, right] with `pieces` trapezoids, split among `workers` actors; the master sums
 * their areas in worker order, so the result is the same bit for bit on every runner.
 */
import { defineActor, defineProcess, type Context, type Pid } from '@beamjs/runtime';

export interface TrapezoidParams {
  pieces: number;
  workers: number;
  left: number;
  right: number;
}

export function fx(x: number): number {
  const a = Math.sin(Math.pow(x, 3) - 1);
  const b = x + 1;
  const c = a / b;
  const d = Math.sqrt(1 + Math.exp(Math.sqrt(2 * x)));
  return c * d;
}

/** The area of `n` trapezoids of width h starting at l. */
export function trapezoidArea(l: number, n: number, h: number): number {
  let area = 0;
  for (let i = 0; i < n; i++) {
    const lx = l + i * h;
    area += 0.5 * (fx(lx) + fx(lx + h)) * h;
  }
  return area;
}

/** Worker w's share: its left end and its number of pieces. */
export function workerShare(params: TrapezoidParams, w: number): [l: number, n: number, h: number] {
  const h = (params.right - params.left) / params.pieces;
  const first = Math.floor((params.pieces * w) / params.workers);
  const end = Math.floor((params.pieces * (w + 1)) / params.workers);
  return [params.left + first * h, end - first, h];
}

/** The whole integral on this thread, summed in worker order: the reference. */
export function trapezoidSequential(params: TrapezoidParams): number {
  let total = 0;
  for (let w = 0; w < params.workers; w++) total += trapezoidArea(...workerShare(params, w));
  return total;
}

type WorkMsg = { t: 'work'; l: number; n: number; h: number };
type ResultMsg = { w: number; area: number };

const trapezoidWorker = defineActor(import.meta.url, 'savina.trapezoidWorker', {
  init: (_ctx: Context<WorkMsg>, w: number, master: Pid<ResultMsg>) => ({ w, master }),
  handle(ctx: Context<WorkMsg>, msg: WorkMsg, state: { w: number; master: Pid<ResultMsg> }) {
    ctx.send(state.master, { w: state.w, area: trapezoidArea(msg.l, msg.n, msg.h) });
    return ctx.exit();
  },
});

/** Returns the integral, equal to {@link trapezoidSequential}. */
export const trapezoid = defineProcess(import.meta.url, 'savina.trapezoid', async (ctx: Context<ResultMsg>, params: TrapezoidParams) => {
  for (let w = 0; w < params.workers; w++) {
    const [l, n, h] = workerShare(params, w);
    ctx.send(ctx.spawn(trapezoidWorker, w, ctx.self), { t: 'work', l, n, h });
  }
  const areas = new Array<number>(params.workers);
  for (let i = 0; i < params.workers; i++) {
    const { w, area } = await ctx.receive();
    areas[w] = area;
  }
  let total = 0;
  for (const area of areas) total += area;
  return total;
});
