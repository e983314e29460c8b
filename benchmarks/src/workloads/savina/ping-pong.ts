/**
 * Savina ping-pong: two actors bounce a message `pings` times; one message in flight at a
 * time, so this measures the latency of one send + one delivery + one handler.
 */
import { defineActor, defineProcess, type Context, type Pid } from '@beamjs/runtime';

export interface PingPongParams {
  pings: number;
}

type PongMsg = { t: 'ping'; from: Pid<PingMsg> } | { t: 'stop' };
type PingMsg = { t: 'start'; pong: Pid<PongMsg>; report: Pid<number> } | { t: 'pong' };

interface PingState {
  left: number;
  pongs: number;
  pong: Pid<PongMsg> | undefined;
  report: Pid<number> | undefined;
}

const ponger = defineActor(import.meta.url, 'savina.pong', {
  init: () => null,
  handle(ctx: Context<PongMsg>, msg: PongMsg, state: null) {
    if (msg.t === 'stop') ctx.exit();
    ctx.send(msg.from, { t: 'pong' });
    return state;
  },
});

const pinger = defineActor(import.meta.url, 'savina.ping', {
  init: (_ctx: Context<PingMsg>, pings: number): PingState => ({ left: pings, pongs: 0, pong: undefined, report: undefined }),
  handle(ctx: Context<PingMsg>, msg: PingMsg, state: PingState): PingState {
    if (msg.t === 'start') {
      state.pong = msg.pong;
      state.report = msg.report;
    } else {
      state.pongs++;
    }
    if (state.left === 0) {
      ctx.send(state.pong!, { t: 'stop' });
      ctx.send(state.report!, state.pongs);
      ctx.exit();
    }
    state.left--;
    ctx.send(state.pong!, { t: 'ping', from: ctx.self });
    return state;
  },
});

/** Returns the number of pongs the pinger received: `pings`. */
export const pingPong = defineProcess(import.meta.url, 'savina.pingPong', async (ctx: Context<number>, params: PingPongParams) => {
  const pong = ctx.spawn(ponger);
  const ping = ctx.spawn(pinger, params.pings);
  ctx.send(ping, { t: 'start', pong, report: ctx.self });
  return ctx.receive();
});
