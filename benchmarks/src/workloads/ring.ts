/**
 * Issue 2's ring: `processes` processes in a ring pass a token `hops` times on one thread.
 * The token is a small plain object, so every hop pays for a real deep copy. Two kinds of
 * member: a coroutine (async function with receive) and an actor (init/handle callbacks).
 */
import { defineActor, defineProcess, type Context, type Pid } from '@beamjs/runtime';

export interface RingParams {
  processes: number;
  hops: number;
  kind: 'coroutine' | 'actor';
}

type Token = { n: number };
type Setup = { next: Pid<Member>; report: Pid<number> };
type Member = Token | Setup | 'stop';

const isSetup = (m: Member): m is Setup => typeof m === 'object' && 'next' in m;

const coroutineMember = defineProcess(import.meta.url, 'ring.coroutine', async (ctx: Context<Member>) => {
  const { next, report } = await ctx.receive(isSetup);
  for (;;) {
    const m = await ctx.receive();
    if (m === 'stop') return;
    const { n } = m as Token;
    if (n === 0) ctx.send(report, 0);
    else ctx.send(next, { n: n - 1 });
  }
});

interface ActorState {
  next: Pid<Member> | undefined;
  report: Pid<number> | undefined;
  held: Token | undefined;
}

function forward(ctx: Context<Member>, state: ActorState, token: Token): void {
  if (token.n === 0) ctx.send(state.report!, 0);
  else ctx.send(state.next!, { n: token.n - 1 });
}

const actorMember = defineActor(import.meta.url, 'ring.actor', {
  init: (): ActorState => ({ next: undefined, report: undefined, held: undefined }),
  handle(ctx: Context<Member>, m: Member, state: ActorState): ActorState {
    if (m === 'stop') return ctx.exit();
    if (isSetup(m)) {
      state.next = m.next;
      state.report = m.report;
      if (state.held) forward(ctx, state, state.held);
      state.held = undefined;
    } else if (state.next === undefined) {
      state.held = m;
    } else {
      forward(ctx, state, m);
    }
    return state;
  },
});

/** Builds the ring, sends the token round `hops` times, stops the ring; returns the hops made. */
export const ring = defineProcess(import.meta.url, 'ring.driver', async (ctx: Context<number>, params: RingParams) => {
  const def = params.kind === 'coroutine' ? coroutineMember : actorMember;
  const members: Pid<Member>[] = [];
  for (let i = 0; i < params.processes; i++) members.push(ctx.spawn(def));
  for (let i = 0; i < params.processes; i++) ctx.send(members[i], { next: members[(i + 1) % params.processes], report: ctx.self });
  ctx.send(members[0], { n: params.hops });
  await ctx.receive();
  for (const m of members) ctx.send(m, 'stop');
  return params.hops;
});
