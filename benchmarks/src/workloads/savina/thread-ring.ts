/**
 * Savina thread ring: `actors` actors in a ring pass a token `hops` times; one message in
 * flight, each hop to another actor.
 */
import { defineActor, defineProcess, type Context, type Pid } from '@beamjs/runtime';

export interface ThreadRingParams {
  actors: number;
  hops: number;
}

type RingMsg = { t: 'next'; pid: Pid<RingMsg> } | { t: 'token'; left: number; report: Pid<number> } | { t: 'stop' };

interface RingState {
  id: number;
  next: Pid<RingMsg> | undefined;
  /** A token that arrived before this actor learnt its neighbour. */
  held: Extract<RingMsg, { t: 'token' }> | undefined;
}

function pass(ctx: Context<RingMsg>, state: RingState, token: Extract<RingMsg, { t: 'token' }>): void {
  if (token.left === 0) ctx.send(token.report, state.id);
  else ctx.send(state.next!, { t: 'token', left: token.left - 1, report: token.report });
}

const ringNode = defineActor(import.meta.url, 'savina.ringNode', {
  init: (_ctx: Context<RingMsg>, id: number): RingState => ({ id, next: undefined, held: undefined }),
  handle(ctx: Context<RingMsg>, msg: RingMsg, state: RingState): RingState {
    switch (msg.t) {
      case 'next':
        state.next = msg.pid;
        if (state.held) pass(ctx, state, state.held);
        state.held = undefined;
        return state;
      case 'token':
        if (state.next === undefined) state.held = msg;
        else pass(ctx, state, msg);
        return state;
      case 'stop':
        return ctx.exit();
    }
  },
});

/** Returns the id of the actor holding the token after `hops` hops from actor 0: `hops % actors`. */
export const threadRing = defineProcess(import.meta.url, 'savina.threadRing', async (ctx: Context<number>, params: ThreadRingParams) => {
  const nodes: Pid<RingMsg>[] = [];
  for (let i = 0; i < params.actors; i++) nodes.push(ctx.spawn(ringNode, i));
  for (let i = 0; i < params.actors; i++) ctx.send(nodes[i], { t: 'next', pid: nodes[(i + 1) % params.actors] });
  ctx.send(nodes[0], { t: 'token', left: params.hops, report: ctx.self });
  const at = await ctx.receive();
  for (const node of nodes) ctx.send(node, { t: 'stop' });
  return at;
});
