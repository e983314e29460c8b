/**
 * Savina chameneos: `creatures` chameneos meet in pairs at a mall, `meetings` times in all;
 * at each meeting both change colour. A contended single broker (the mall).
 */
import { defineActor, defineProcess, type Context, type Pid } from '@beamjs/runtime';

export interface ChameneosParams {
  creatures: number;
  meetings: number;
}

/** Red, yellow, blue; faded once the mall has closed. */
type Colour = 0 | 1 | 2 | 3;
const FADED: Colour = 3;

export function complement(a: Colour, b: Colour): Colour {
  if (a === FADED || b === FADED) return FADED;
  if (a === b) return a;
  return (3 - a - b) as Colour;
}

type CreatureMsg = { t: 'meet'; colour: Colour; from: Pid<CreatureMsg> } | { t: 'change'; colour: Colour } | { t: 'exit' };
type MallMsg = { t: 'meet'; colour: Colour; from: Pid<CreatureMsg> } | { t: 'count'; meetings: number };

interface MallState {
  left: number;
  waiting: Extract<MallMsg, { t: 'meet' }> | undefined;
  faded: number;
  sum: number;
  creatures: number;
  report: Pid<number>;
}

const mall = defineActor(import.meta.url, 'savina.mall', {
  init: (_ctx: Context<MallMsg>, meetings: number, creatures: number, report: Pid<number>): MallState => ({
    left: meetings,
    waiting: undefined,
    faded: 0,
    sum: 0,
    creatures,
    report,
  }),
  handle(ctx: Context<MallMsg>, msg: MallMsg, state: MallState): MallState {
    if (msg.t === 'count') {
      state.sum += msg.meetings;
      if (++state.faded === state.creatures) {
        ctx.send(state.report, state.sum);
        ctx.exit();
      }
      return state;
    }
    if (state.left === 0) {
      ctx.send(msg.from, { t: 'exit' });
    } else if (state.waiting === undefined) {
      state.waiting = msg;
    } else {
      state.left--;
      ctx.send(state.waiting.from, { t: 'meet', colour: msg.colour, from: msg.from });
      state.waiting = undefined;
    }
    return state;
  },
});

interface CreatureState {
  mall: Pid<MallMsg>;
  colour: Colour;
  meetings: number;
}

const creature = defineActor(import.meta.url, 'savina.creature', {
  init(ctx: Context<CreatureMsg>, mallPid: Pid<MallMsg>, colour: Colour): CreatureState {
    ctx.send(mallPid, { t: 'meet', colour, from: ctx.self });
    return { mall: mallPid, colour, meetings: 0 };
  },
  handle(ctx: Context<CreatureMsg>, msg: CreatureMsg, state: CreatureState): CreatureState {
    switch (msg.t) {
      case 'meet':
        state.colour = complement(state.colour, msg.colour);
        state.meetings++;
        ctx.send(msg.from, { t: 'change', colour: state.colour });
        ctx.send(state.mall, { t: 'meet', colour: state.colour, from: ctx.self });
        return state;
      case 'change':
        state.colour = msg.colour;
        state.meetings++;
        ctx.send(state.mall, { t: 'meet', colour: state.colour, from: ctx.self });
        return state;
      case 'exit':
        state.colour = FADED;
        ctx.send(state.mall, { t: 'count', meetings: state.meetings });
        return ctx.exit();
    }
  },
});

/** Returns the meetings counted by all creatures: `2 * meetings` (each meeting has two). */
export const chameneos = defineProcess(import.meta.url, 'savina.chameneos', async (ctx: Context<number>, params: ChameneosParams) => {
  const mallPid = ctx.spawn(mall, params.meetings, params.creatures, ctx.self);
  for (let i = 0; i < params.creatures; i++) ctx.spawn(creature, mallPid, (i % 3) as Colour);
  return ctx.receive();
});
