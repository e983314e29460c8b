import { BeamError } from '../errors.js';
import type { ExitReason } from '../reasons.js';
import { chain, type Awaitable } from './async.js';
import { define as defineServer, sendReply } from './gen-server-loop.js';
import type { FromData } from './messages.js';
import type { ServerContext, ServerDefinition } from './gen-server-types.js';
import type { StatemBox, StatemCallbacks, StatemTypes, TimeoutMessage } from './gen-statem-types.js';
import { preview, samePlain } from './plain.js';

/**
 * The inside of a GenStatem. It is a GenServer underneath (the start handshake, calls, stop,
 * terminate, the parent's exit and migration are GenServer's), whose state is the machine's
 * box: the current state and data, the queue of events to handle before the next message
 * (inserted, then postponed ones retried), the postponed events, and the running timeouts.
 * All plain data, so a machine migrates between two messages with everything it waits for.
 *
 * Timeouts are `sendAfter` timers to itself (they move with the process). Each carries the id
 * the box expects for its slot: a timeout that was cancelled or restarted while its message was
 * already on the way finds another id (or none) and is dropped, so cancellation is exact.
 */

type Event = Record<string, unknown> & { type: string };
type Result = Record<string, unknown>;
type Outcome = { stop: ExitReason } | undefined;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCallbacks = StatemCallbacks<any>;

interface MachineTypes {
  state: StatemBox;
  args: unknown[];
}

/** Keys of every state machine definition loaded on this thread. */
const statemKeys = new Set<string>();

export function isStatemKey(key: string): boolean {
  return statemKeys.has(key);
}

export function defineStatem(moduleUrl: string, name: string, cb: AnyCallbacks): ServerDefinition<MachineTypes> {
  const hasStates = typeof cb?.states === 'object' && cb.states !== null;
  const hasHandle = typeof cb?.handleEvent === 'function';
  if (typeof cb?.init !== 'function' || hasStates === hasHandle) {
    throw new BeamError(
      'ERR_INVALID_ARGUMENT',
      `GenStatem.define(${JSON.stringify(name)}) needs init(ctx, ...args) => ({ state, data }) and either states: { [state]: (ctx, event, data) => ... } or handleEvent(ctx, event, state, data), not both`,
    );
  }
  const m = new Machine(name, cb);
  const def = defineServer<MachineTypes>(moduleUrl, name, {
    init: (ctx, ...args) => m.init(ctx, args),
    handleCall: (ctx, request, from, box) => m.handled(ctx, box, m.handle(ctx, box, { type: 'call', request, from })),
    handleCast: (ctx, request, box) => m.handled(ctx, box, m.handle(ctx, box, { type: 'cast', request })),
    handleInfo: (ctx, msg, box) => m.handled(ctx, box, m.onInfo(ctx, box, msg)),
    terminate: (ctx, reason, box) => cb.terminate?.(ctx, reason, box.state, box.data),
  });
  statemKeys.add(def.key);
  return def;
}

class Machine {
  constructor(
    private readonly name: string,
    private readonly cb: AnyCallbacks,
  ) {}

  init(ctx: ServerContext, args: unknown[]): Awaitable<{ ok: StatemBox } | { stop: ExitReason }> {
    return chain(this.cb.init(ctx, ...(args as [])), (r: unknown) => {
      if (isResult(r) && 'stop' in r) return { stop: r.stop as ExitReason };
      if (!isResult(r) || !('state' in r)) throw this.bad('init', '{ state, data, actions? } or { stop: reason }', r);
      const box: StatemBox = { state: r.state, data: r.data, queue: [], postponed: [], timers: {}, nextTimerId: 1 };
      const actions = this.actionsOf(r, 'init');
      if (actions.includes('postpone')) throw this.invalid('init cannot postpone: there is no event to postpone');
      this.runActions(ctx, box, actions, true);
      const entered = this.cb.stateEnter ? this.enter(ctx, box, box.state) : undefined;
      return chain(entered, (out: Outcome) => (out ? out : chain(this.drain(ctx, box), (o: Outcome) => (o ? o : { ok: box, hibernate: takeHibernate(box) }))));
    });
  }

  /** A GenServer result from a machine outcome. */
  handled(_ctx: ServerContext, box: StatemBox, outcome: Awaitable<Outcome>): Awaitable<{ noreply: true; state: StatemBox; hibernate: boolean } | { stop: ExitReason; state: StatemBox }> {
    return chain(outcome, (o: Outcome) => (o ? { stop: o.stop, state: box } : { noreply: true as const, state: box, hibernate: takeHibernate(box) }));
  }

  onInfo(ctx: ServerContext, box: StatemBox, msg: unknown): Awaitable<Outcome> {
    if (isTimeout(msg)) {
      const entry = box.timers[msg.slot];
      // Cancelled or restarted while this message was on its way: not ours any more.
      if (entry === undefined || entry.id !== msg.id) return undefined;
      delete box.timers[msg.slot];
      const event: Event =
        msg.slot === 'state'
          ? { type: 'stateTimeout', content: msg.content }
          : msg.slot === 'event'
            ? { type: 'eventTimeout', content: msg.content }
            : { type: 'timeout', name: msg.slot.slice('timeout:'.length), content: msg.content };
      return this.handle(ctx, box, event);
    }
    return this.handle(ctx, box, { type: 'info', msg });
  }

  /** Handles one event from the mailbox, then everything it queued (inserted and postponed events). */
  handle(ctx: ServerContext, box: StatemBox, event: Event): Awaitable<Outcome> {
    return chain(this.step(ctx, box, event), (out: Outcome) => (out ? out : this.drain(ctx, box)));
  }

  private drain(ctx: ServerContext, box: StatemBox): Awaitable<Outcome> {
    while (box.queue.length > 0) {
      const event = box.queue.shift() as Event;
      const out = this.step(ctx, box, event);
      if (out instanceof Promise) return out.then((o: Outcome) => (o ? o : this.drain(ctx, box)));
      if (out) return out;
    }
    return undefined;
  }

  /** One event through the state callback, and the transition it asks for. */
  private step(ctx: ServerContext, box: StatemBox, event: Event): Awaitable<Outcome> {
    // Any event cancels the event timeout (the one that fired is gone already).
    if (event.type !== 'eventTimeout') this.cancel(ctx, box, 'event');
    return chain(this.callback(ctx, box, event, box.state), (r: unknown) => this.transition(ctx, box, event, r));
  }

  private callback(ctx: ServerContext, box: StatemBox, event: Event, state: unknown): Awaitable<unknown> {
    if (this.cb.handleEvent) return this.cb.handleEvent(ctx, event as never, state as never, box.data as never);
    const fn = typeof state === 'string' && Object.hasOwn(this.cb.states!, state) ? (this.cb.states as Record<string, unknown>)[state] : undefined;
    if (typeof fn !== 'function') {
      throw this.invalid(`has no state function for the state ${preview(state)}: add it to states (state functions mode needs string states), or use handleEvent`);
    }
    return fn(ctx, event, box.data);
  }

  private transition(ctx: ServerContext, box: StatemBox, event: Event, r: unknown): Awaitable<Outcome> {
    const where = `the ${event.type} event in state ${preview(box.state)}`;
    if (!isResult(r) || !('next' in r || r.keep === true || r.repeat === true || 'stop' in r)) {
      throw this.bad(where, '{ next: state }, { keep: true }, { repeat: true } or { stop: reason } (each with data?, actions?)', r);
    }
    const actions = this.actionsOf(r, where);
    if ('data' in r) box.data = r.data;
    if ('stop' in r) {
      // As gen_statem: the replies in a stop's actions are sent; the rest is moot.
      for (const a of actions) if (isReply(a)) sendReply(ctx, a.reply, a.value);
      return { stop: r.stop as ExitReason };
    }
    const old = box.state;
    const next = 'next' in r ? r.next : old;
    const changed = !samePlain(next, old);
    if (actions.includes('postpone')) box.postponed.push(event);
    const inserted = this.runActions(ctx, box, actions, false);
    if (changed) {
      // A state change: the state timeout goes (unless the actions just set a new one), and the
      // postponed events are retried after the inserted ones, before the next message.
      if (!actions.some((a) => isResult(a) && 'stateTimeout' in a)) this.cancel(ctx, box, 'state');
      box.queue = [...inserted, ...box.postponed, ...box.queue];
      box.postponed = [];
    } else {
      box.queue = [...inserted, ...box.queue];
    }
    box.state = next;
    if (this.cb.stateEnter && (changed || r.repeat === true)) return this.enter(ctx, box, old);
    return undefined;
  }

  /** The enter call: it may change data, set timeouts and reply, but not change state or insert events. */
  private enter(ctx: ServerContext, box: StatemBox, from: unknown): Awaitable<Outcome> {
    const state = box.state;
    return chain(this.callback(ctx, box, { type: 'enter', from }, state), (r: unknown) => {
      const where = `the enter call of state ${preview(state)}`;
      if (!isResult(r) || !(r.keep === true || r.repeat === true || 'stop' in r || ('next' in r && samePlain(r.next, state)))) {
        throw this.bad(where, '{ keep: true }, { repeat: true } or { stop: reason } (an enter call cannot change the state)', r);
      }
      const actions = this.actionsOf(r, where);
      if (actions.some((a) => a === 'postpone' || (isResult(a) && 'nextEvent' in a))) {
        throw this.invalid(`${where} cannot postpone or insert events (gen_statem forbids it): do it in the event that changed the state`);
      }
      if ('data' in r) box.data = r.data;
      if ('stop' in r) {
        for (const a of actions) if (isReply(a)) sendReply(ctx, a.reply, a.value);
        return { stop: r.stop as ExitReason };
      }
      this.runActions(ctx, box, actions, false);
      return r.repeat === true ? this.enter(ctx, box, from) : undefined;
    });
  }

  /** Runs replies and timeouts in order; returns the inserted events, in order. */
  private runActions(ctx: ServerContext, box: StatemBox, actions: readonly unknown[], init: boolean): Event[] {
    const inserted: Event[] = [];
    for (const a of actions) {
      if (a === 'postpone') continue;
      if (a === 'hibernate') box.hibernate = true;
      else if (isReply(a)) sendReply(ctx, a.reply, a.value);
      else if (isResult(a) && 'nextEvent' in a) inserted.push({ type: 'internal', content: a.nextEvent });
      else if (isResult(a) && 'stateTimeout' in a) this.arm(ctx, box, 'state', a.stateTimeout, a.content);
      else if (isResult(a) && 'eventTimeout' in a) this.arm(ctx, box, 'event', a.eventTimeout, a.content);
      else if (isResult(a) && 'timeout' in a) {
        if (typeof a.name !== 'string' || a.name === '') throw this.invalid(`a generic timeout needs a name: { timeout: ms, name: 'retry' }, got ${preview(a)}`);
        this.arm(ctx, box, `timeout:${a.name}`, a.timeout, a.content);
      } else {
        throw this.invalid(`unknown action ${preview(a)}: use { reply: from, value }, 'postpone', 'hibernate', { nextEvent }, { stateTimeout }, { timeout, name } or { eventTimeout }`);
      }
    }
    if (init) box.queue = [...inserted, ...box.queue];
    return init ? [] : inserted;
  }

  private arm(ctx: ServerContext, box: StatemBox, slot: string, ms: unknown, content: unknown): void {
    this.cancel(ctx, box, slot);
    if (ms === 'cancel' || ms === Infinity) return;
    if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
      throw this.invalid(`a timeout must be a number of ms >= 0, Infinity or 'cancel', got ${preview(ms)}`);
    }
    const id = box.nextTimerId++;
    const msg: TimeoutMessage = { $statem: 'timeout', slot, id, content };
    box.timers[slot] = { id, ref: ctx.sendAfter(ctx.self, msg, ms) };
  }

  private cancel(ctx: ServerContext, box: StatemBox, slot: string): void {
    const entry = box.timers[slot];
    if (entry === undefined) return;
    ctx.cancelTimer(entry.ref);
    delete box.timers[slot];
  }

  private actionsOf(r: Result, where: string): readonly unknown[] {
    const actions = r.actions ?? [];
    if (!Array.isArray(actions)) throw this.invalid(`${where}: actions must be an array, got ${preview(actions)}`);
    return actions;
  }

  private bad(where: string, expected: string, got: unknown): BeamError {
    return this.invalid(`${where} must return ${expected}, got ${preview(got)}`);
  }

  private invalid(text: string): BeamError {
    return new BeamError('ERR_INVALID_ARGUMENT', `GenStatem ${this.name}: ${text}`);
  }
}

/** Whether the machine asked to hibernate while handling this message (the flag does not stay in its data). */
function takeHibernate(box: StatemBox): boolean {
  const asked = box.hibernate === true;
  delete box.hibernate;
  return asked;
}

function isResult(value: unknown): value is Result {
  return typeof value === 'object' && value !== null;
}

function isReply(a: unknown): a is { reply: FromData; value: unknown } {
  return isResult(a) && 'reply' in a && isResult(a.reply) && typeof (a.reply as { pid?: unknown }).pid === 'number';
}

function isTimeout(msg: unknown): msg is TimeoutMessage {
  return isResult(msg) && msg.$statem === 'timeout' && typeof msg.slot === 'string' && typeof msg.id === 'number';
}
