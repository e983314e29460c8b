import { defineActor, isDefinition } from '../definition.js';
import { BeamError } from '../errors.js';
import { deepCopy } from '../copy.js';
import { Proc, ProcessExit } from '../process.js';
import { crashReason, isExitMessage, type ExitReason } from '../reasons.js';
import type { Context } from '../context.js';
import type { Dest } from '../pid.js';
import { attempt, chain, type Awaitable } from './async.js';
import { preview } from './plain.js';
import { isBoot, isGenMessage, type Boot, type CallMessage, type ContinueMessage, type FromData, type IdleTimeoutMessage } from './messages.js';
import type { ServerBox, ServerCallbacks, ServerDefinition, ServerTypes } from './gen-server-types.js';

/**
 * The inside of a GenServer: the actor that runs the user's callbacks. It is an actor, not a
 * coroutine: between two messages nothing is on the stack and its state is plain data, so the
 * scheduler may move it to another thread. A callback that returns a promise keeps the server
 * busy (pinned) until it settles; the next message waits in the mailbox.
 *
 * A `continue` is not chained onto the callback that returned it: it goes to the front of the
 * mailbox and runs as the server's next step. So a server whose async callbacks continue
 * each other (a worker that pulls its next job in handleContinue) is idle, and movable,
 * between any two of them, instead of pinned for as long as the chain lasts; and a chain of
 * sync continues does not grow the stack.
 *
 * A result's `timeout` (OTP's `{noreply, State, Timeout}`) is a `sendAfter` timer to the server
 * itself, so it migrates with it. Any message cancels it, as the `after` of OTP's receive loop;
 * its message carries an id, so one already on its way when it was cancelled is dropped.
 * `hibernate` has no stack to discard (between two messages an actor has none): it replaces the
 * state by a fresh copy of itself, right-sized, and trims the mailbox's storage; what the old
 * objects held is garbage for V8's next collection (none is forced).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCallbacks = ServerCallbacks<any>;
type Ctx = Context<unknown>;
type Result = Record<string, unknown>;

/** Keys of every server definition loaded on this thread (each thread defines them again). */
const serverKeys = new Set<string>();

export function isServerDefinition(value: unknown): value is ServerDefinition {
  return isDefinition(value) && serverKeys.has(value.key);
}

/**
 * Defines a GenServer. Call it at the top level of a module and export the result; the
 * module URL and name make the key by which every scheduler thread finds it.
 *
 * ```ts
 * interface Counter { state: number; args: [start: number]; calls: { get(): number }; cast: 'inc' }
 *
 * export const counter = GenServer.define<Counter>(import.meta.url, 'counter', {
 *   init: (_ctx, start) => ({ ok: start }),
 *   handleCall: { get: (_ctx, _req, _from, n) => ({ reply: n, state: n }) },
 *   handleCast: (_ctx, _msg, n) => ({ noreply: true, state: n + 1 }),
 * });
 * ```
 *
 * Throws ERR_INVALID_ARGUMENT without an `init` function, and for a bad key (see defineActor).
 */
export function define<T extends ServerTypes = {}>(moduleUrl: string, name: string, callbacks: ServerCallbacks<T>): ServerDefinition<T> {
  if (typeof callbacks?.init !== 'function') {
    throw new BeamError('ERR_INVALID_ARGUMENT', `GenServer.define(${JSON.stringify(name)}) needs an init callback: init(ctx, ...args) => ({ ok: state })`);
  }
  const loop = new ServerLoop(name, callbacks as AnyCallbacks);
  const def = defineActor<unknown, [Boot, ...unknown[]], ServerBox>(moduleUrl, name, {
    init: (ctx, boot, ...args) => loop.init(ctx, boot, args),
    handle: (ctx, msg, box) => loop.handle(ctx, msg, box),
  });
  serverKeys.add(def.key);
  return def as unknown as ServerDefinition<T>;
}

class ServerLoop {
  constructor(
    private readonly name: string,
    private readonly cb: AnyCallbacks,
  ) {}

  init(ctx: Ctx, boot: Boot, args: unknown[]): Awaitable<ServerBox> {
    if (!isBoot(boot)) {
      throw new BeamError(
        'ERR_INVALID_ARGUMENT',
        `${this.name} is a GenServer: start it with GenServer.start(ctx, ${this.name}, args) or GenServer.startLink, not with spawn`,
      );
    }
    const box: ServerBox = { s: undefined, parent: boot.parent };
    const result = attempt(
      () => this.cb.init(ctx, ...args),
      (err) => this.initFailed(ctx, boot, err instanceof ProcessExit ? err.reason : crashReason(err), err),
    );
    return chain(result, (r: unknown) => {
      if (isResult(r) && 'ok' in r) {
        ctx.send(starterOf(boot), { $gen: 'ack', tag: boot.tag, ok: true });
        return this.next(ctx, box, r.ok, r);
      }
      if (isResult(r) && 'stop' in r) return this.initFailed(ctx, boot, r.stop, undefined);
      if (isResult(r) && (r as { ignore?: unknown }).ignore === true) return this.initFailed(ctx, boot, 'normal', undefined, true);
      const err = badReturn(this.name, 'init', '{ ok: state }, { stop: reason } or { ignore: true }', r);
      return this.initFailed(ctx, boot, crashReason(err), err);
    });
  }

  /** The starter hears why; the link to it goes first, so its failure does not take the starter down. */
  private initFailed(ctx: Ctx, boot: Boot, reason: ExitReason, err: unknown, ignore = false): never {
    ctx.send(starterOf(boot), ignore ? { $gen: 'ack', tag: boot.tag, ok: false, reason, ignore } : { $gen: 'ack', tag: boot.tag, ok: false, reason });
    if (boot.parent !== undefined) ctx.unlink(boot.parent);
    if (err !== undefined) throw err;
    return ctx.exit(reason);
  }

  handle(ctx: Ctx, msg: unknown, box: ServerBox): Awaitable<ServerBox> {
    if (isGenMessage(msg) && msg.$gen === 'timeout') return this.onIdleTimeout(ctx, msg, box);
    // Any other message cancels the armed timeout, as it would leave OTP's receive before `after`.
    this.disarm(ctx, box);
    if (isGenMessage(msg)) {
      switch (msg.$gen) {
        case 'call':
          return this.onCall(ctx, msg, box);
        case 'cast':
          if (!this.cb.handleCast) return this.crashed(ctx, box, missing(this.name, 'handleCast', 'a cast', msg.request));
          return this.run(ctx, box, () => this.cb.handleCast!(ctx, msg.request, box.s), (r) => this.afterNoReply(ctx, box, r, 'handleCast'));
        case 'stop':
          return this.stop(ctx, box, msg.reason, box.s);
        case 'continue':
          return this.run(ctx, box, () => this.cb.handleContinue!(ctx, msg.arg, box.s), (r) => this.afterNoReply(ctx, box, r, 'handleContinue'));
        case 'reply':
        case 'ack':
        case 'timeout':
          // The answer to a call or a start that gave up waiting (timeout): drop it.
          return box;
      }
    }
    // The parent's exit signal (or the runtime's shutdown, which comes from the process itself)
    // reaches a server that traps exits as a message: it terminates, as in OTP.
    if (isExitMessage(msg) && (msg.from === box.parent || msg.from === ctx.self)) {
      return this.stop(ctx, box, msg.reason, box.s);
    }
    if (!this.cb.handleInfo) return box;
    return this.run(ctx, box, () => this.cb.handleInfo!(ctx, msg, box.s), (r) => this.afterNoReply(ctx, box, r, 'handleInfo'));
  }

  private onCall(ctx: Ctx, msg: CallMessage, box: ServerBox): Awaitable<ServerBox> {
    const from = msg.from;
    return this.run(
      ctx,
      box,
      () => this.callHandler(msg.request)(ctx, msg.request, from, box.s),
      (r) => this.afterCall(ctx, box, from, r),
    );
  }

  private callHandler(request: unknown): (ctx: Ctx, req: unknown, from: FromData, state: unknown) => unknown {
    const hc = this.cb.handleCall as unknown;
    if (typeof hc === 'function') return hc as never;
    if (typeof hc === 'object' && hc !== null && typeof request === 'object' && request !== null) {
      const type = (request as { type?: unknown }).type;
      if (typeof type === 'string' && Object.hasOwn(hc, type)) {
        const handler = (hc as Record<string, unknown>)[type];
        if (typeof handler === 'function') return handler as never;
      }
    }
    throw missing(this.name, 'handleCall', 'the request', request);
  }

  private afterCall(ctx: Ctx, box: ServerBox, from: FromData, r: unknown): Awaitable<ServerBox> {
    if (isResult(r)) {
      if ('stop' in r) {
        if ('reply' in r) sendReply(ctx, from, r.reply);
        return this.stop(ctx, box, r.stop, r.state);
      }
      if ('reply' in r) {
        // A bad timeout/hibernate/continue crashes the server before it answers, as any bad return.
        const bad = this.idleError(r);
        if (bad) return this.crashed(ctx, box, bad);
        sendReply(ctx, from, r.reply);
        return this.next(ctx, box, r.state, r);
      }
      if (r.noreply === true) return this.next(ctx, box, r.state, r);
    }
    return this.crashed(ctx, box, badReturn(this.name, 'handleCall', '{ reply, state }, { noreply: true, state } or { stop: reason, state }', r));
  }

  private afterNoReply(ctx: Ctx, box: ServerBox, r: unknown, where: string): Awaitable<ServerBox> {
    if (isResult(r)) {
      if ('stop' in r) return this.stop(ctx, box, r.stop, r.state);
      if (r.noreply === true) return this.next(ctx, box, r.state, r);
    }
    return this.crashed(ctx, box, badReturn(this.name, where, '{ noreply: true, state } or { stop: reason, state }', r));
  }

  /**
   * Takes the new state; a `continue` runs handleContinue before the next message; a `timeout`
   * is armed, `hibernate` compacts the server (see the top of this file).
   */
  private next(ctx: Ctx, box: ServerBox, state: unknown, r: Result): Awaitable<ServerBox> {
    box.s = state;
    if (!(ctx instanceof Proc)) throw new Error('a GenServer runs in a process of the runtime');
    const bad = this.idleError(r);
    if (bad) return this.crashed(ctx, box, bad);
    const { continue: arg, timeout, hibernate } = r;
    if (arg !== undefined) {
      if (!this.cb.handleContinue) return this.crashed(ctx, box, missing(this.name, 'handleContinue', 'the continue', arg));
      ctx.mailbox.unshift({ $gen: 'continue', arg } satisfies ContinueMessage);
      return box;
    }
    if (typeof timeout === 'number' && timeout !== Infinity) {
      const id = (box.idleIds = (box.idleIds ?? 0) + 1);
      box.idle = { id, ref: ctx.sendAfter(ctx.self, { $gen: 'timeout', id } satisfies IdleTimeoutMessage, timeout) };
    }
    if (hibernate === true) hibernateServer(ctx, box);
    return box;
  }

  /** What is wrong with a result's `timeout`, `hibernate` and `continue` together, if anything. */
  private idleError(r: Result): BeamError | undefined {
    const { continue: arg, timeout, hibernate } = r;
    if (arg !== undefined && (timeout !== undefined || hibernate !== undefined)) {
      return new BeamError(
        'ERR_INVALID_ARGUMENT',
        `GenServer ${this.name}: a result with continue cannot also have timeout or hibernate (the continue runs next, before any message, as in OTP): return them from handleContinue`,
      );
    }
    if (timeout !== undefined && timeout !== Infinity) {
      if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
        return new BeamError('ERR_INVALID_TIMEOUT', `GenServer ${this.name}: timeout must be a number of ms >= 0 or Infinity, got ${preview(timeout)}`);
      }
      if (!this.cb.handleInfo) return missing(this.name, 'handleInfo', 'the timeout', timeout);
    }
    if (hibernate !== undefined && typeof hibernate !== 'boolean') return badReturn(this.name, 'a callback', 'hibernate: true or false', hibernate);
    return undefined;
  }

  /** The armed timeout's timer: `'timeout'` for handleInfo; one cancelled on its way is dropped. */
  private onIdleTimeout(ctx: Ctx, msg: IdleTimeoutMessage, box: ServerBox): Awaitable<ServerBox> {
    if (box.idle?.id !== msg.id) return box;
    box.idle = undefined;
    return this.run(ctx, box, () => this.cb.handleInfo!(ctx, 'timeout', box.s), (r) => this.afterNoReply(ctx, box, r, 'handleInfo'));
  }

  private disarm(ctx: Ctx, box: ServerBox): void {
    if (box.idle === undefined) return;
    ctx.cancelTimer(box.idle.ref);
    box.idle = undefined;
  }

  /** Runs a user callback; if it throws, `terminate` runs with the crash reason and the server exits with it. */
  private run(ctx: Ctx, box: ServerBox, callback: () => unknown, then: (r: unknown) => Awaitable<ServerBox>): Awaitable<ServerBox> {
    return chain(
      attempt(callback, (err) => this.crashed(ctx, box, err)),
      then,
    );
  }

  private crashed(ctx: Ctx, box: ServerBox, err: unknown): Awaitable<never> {
    // Killed while the callback ran: there is nothing left to clean up with.
    if (!ctx.isAlive(ctx.self)) throw err;
    const reason = err instanceof ProcessExit ? err.reason : crashReason(err);
    return chain(this.cb.terminate ? this.cb.terminate(ctx, reason, box.s) : undefined, () => {
      throw err;
    });
  }

  /** Runs `terminate`, then exits with `reason`. If terminate throws, its error is the exit reason. */
  private stop(ctx: Ctx, box: ServerBox, reason: ExitReason, state: unknown): Awaitable<never> {
    box.s = state;
    return chain(this.cb.terminate ? this.cb.terminate(ctx, reason, state) : undefined, () => ctx.exit(reason));
  }
}

export function sendReply(ctx: Context<any>, from: FromData, reply: unknown): void {
  ctx.send(from.alias ? { $alias: from.tag, pid: from.pid } : from.pid, { $gen: 'reply', tag: from.tag, reply });
}

/**
 * OTP's hibernate, as far as it means something here: the state becomes a fresh copy of itself
 * (arrays and objects sized to what they hold, as after a migration; a state that cannot be
 * copied stays as it is) and the mailbox gives up storage left by a burst.
 */
function hibernateServer(ctx: Proc, box: ServerBox): void {
  try {
    box.s = deepCopy(box.s);
  } catch {
    // Not plain data (such a server cannot migrate either): nothing to compact it into.
  }
  ctx.mailbox.compact();
}

function isResult(value: unknown): value is Result {
  return typeof value === 'object' && value !== null;
}

function badReturn(server: string, callback: string, expected: string, got: unknown): BeamError {
  return new BeamError('ERR_INVALID_ARGUMENT', `GenServer ${server}: ${callback} must return ${expected}, got ${preview(got)}`);
}

function missing(server: string, callback: string, what: string, value: unknown): BeamError {
  return new BeamError('ERR_INVALID_ARGUMENT', `GenServer ${server} has no ${callback} for ${what} ${preview(value)}: define ${callback} in its callbacks`);
}

/** Where the start ack goes: the starter's alias if it made one for the start. */
function starterOf(boot: Boot): Dest<unknown> {
  return boot.alias ? { $alias: boot.tag, pid: boot.starter } : boot.starter;
}
