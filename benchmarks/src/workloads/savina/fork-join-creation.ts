/**
 * Savina fork-join creation: spawn `actors` processes, send each one message; each does a
 * small computation, answers and ends. Measures the cost of a process's whole life.
 */
import { defineProcess, type Context, type Pid } from '@beamjs/runtime';
import { performComputation } from './compute.js';

export interface ForkJoinCreationParams {
  actors: number;
}

type Work = { t: 'work' };

const shortLived = defineProcess(import.meta.url, 'savina.shortLived', async (ctx: Context<Work>, report: Pid<number>) => {
  await ctx.receive();
  performComputation(37.2);
  ctx.send(report, 1);
});

/** Returns the number of processes that answered: `actors`. */
export const forkJoinCreation = defineProcess(
  import.meta.url,
  'savina.forkJoinCreation',
  async (ctx: Context<number>, params: ForkJoinCreationParams) => {
    const work: Work = { t: 'work' };
    for (let i = 0; i < params.actors; i++) ctx.send(ctx.spawn(shortLived, ctx.self), work);
    let done = 0;
    for (let i = 0; i < params.actors; i++) done += await ctx.receive();
    return done;
  },
);
