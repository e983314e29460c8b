/**
 * Savina big: `actors` actors each send `pings` pings, one at a time, to peers chosen at
 * random; every ping is answered with a pong. Many-to-many traffic.
 */
import { defineActor, defineProcess, type Context, type Pid } from '@beamjs/runtime';
import { nextRandom } from './compute.js';

export interface BigParams {
  actors: number;
  pings: number;
}

type BigMsg = { t: 'peers'; pids: Pid<BigMsg>[] } | { t: 'ping'; from: Pid<BigMsg> } | { t: 'pong' } | { t: 'exit' };
type Report = { t: 'done' } | { t: 'count'; pings: number };

interface BigState {
  peers: Pid<BigMsg>[];
  left: number;
  seed: number;
  received: number;
  report: Pid<Report>;
}

function pingSomeone(ctx: Context<BigMsg>, state: BigState): void {
  state.seed = nextRandom(state.seed);
  ctx.send(state.peers[state.seed % state.peers.length], { t: 'ping', from: ctx.self });
  state.left--;
}

const bigActor = defineActor(import.meta.url, 'savina.bigActor', {
  init: (_ctx: Context<BigMsg>, id: number, pings: number, report: Pid<Report>): BigState => ({ peers: [], left: pings, seed: id + 1, received: 0, report }),
  handle(ctx: Context<BigMsg>, msg: BigMsg, state: BigState): BigState {
    switch (msg.t) {
      case 'peers':
        state.peers = msg.pids;
        if (state.left > 0) pingSomeone(ctx, state);
        else ctx.send(state.report, { t: 'done' });
        return state;
      case 'ping':
        state.received++;
        ctx.send(msg.from, { t: 'pong' });
        return state;
      case 'pong':
        if (state.left > 0) pingSomeone(ctx, state);
        else ctx.send(state.report, { t: 'done' });
        return state;
      case 'exit':
        ctx.send(state.report, { t: 'count', pings: state.received });
        return ctx.exit();
    }
  },
});

/** Returns the pings all actors received: `actors * pings`. */
export const big = defineProcess(import.meta.url, 'savina.big', async (ctx: Context<Report>, params: BigParams) => {
  const pids: Pid<BigMsg>[] = [];
  for (let i = 0; i < params.actors; i++) pids.push(ctx.spawn(bigActor, i, params.pings, ctx.self));
  for (const pid of pids) ctx.send(pid, { t: 'peers', pids });
  for (let i = 0; i < params.actors; i++) await ctx.receive((m): m is Report => m.t === 'done');
  for (const pid of pids) ctx.send(pid, { t: 'exit' });
  let pings = 0;
  for (let i = 0; i < params.actors; i++) {
    const m = await ctx.receive();
    if (m.t === 'count') pings += m.pings;
  }
  return pings;
});
