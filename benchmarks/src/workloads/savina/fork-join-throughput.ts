/**
 * Savina fork-join throughput: `actors` actors each handle `messages` messages, each
 * message a small computation; the sender round-robins over the actors.
 */
import { defineActor, defineProcess, type Context, type Pid } from '@beamjs/runtime';
import { performComputation } from './compute.js';

export interface ForkJoinThroughputParams {
  actors: number;
  messages: number;
}

type WorkMsg = { t: 'work' };

interface ThroughputState {
  processed: number;
  expected: number;
  report: Pid<number>;
}

const throughputActor = defineActor(import.meta.url, 'savina.throughputActor', {
  init: (_ctx: Context<WorkMsg>, report: Pid<number>, expected: number): ThroughputState => ({ processed: 0, expected, report }),
  handle(ctx: Context<WorkMsg>, _msg: WorkMsg, state: ThroughputState): ThroughputState {
    performComputation(37.2);
    if (++state.processed === state.expected) {
      ctx.send(state.report, state.processed);
      ctx.exit();
    }
    return state;
  },
});

/** Returns the messages processed by all actors: `actors * messages`. */
export const forkJoinThroughput = defineProcess(
  import.meta.url,
  'savina.forkJoinThroughput',
  async (ctx: Context<number>, params: ForkJoinThroughputParams) => {
    const pids: Pid<WorkMsg>[] = [];
    for (let a = 0; a < params.actors; a++) pids.push(ctx.spawn(throughputActor, ctx.self, params.messages));
    const work: WorkMsg = { t: 'work' };
    for (let m = 0; m < params.messages; m++) for (const pid of pids) ctx.send(pid, work);
    let total = 0;
    for (let a = 0; a < params.actors; a++) total += await ctx.receive();
    return total;
  },
);
