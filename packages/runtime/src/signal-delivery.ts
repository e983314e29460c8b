import { BeamError, describe } from './errors.js';
import { deepCopy } from './copy.js';
import { Next, ProcessExit, type Proc } from './process.js';
import { crashReason, type ExitReason } from './reasons.js';
import { globalHolderOrThrow, whereisOrThrow } from './names.js';
import { isViaName, via } from './behaviours/via.js';
import type { ProcessTable } from './process-table.js';
import type { RunLoop, ProcessEnds } from './run-loop.js';
import type { Timers } from './timers.js';
import type { Counters } from './stats.js';
import type { Host } from './host.js';
import type { Signal } from './signals.js';
import { checkPid, isAlias, isGlobalName, type AnyPid, type Dest } from './pid.js';

/**
 * Signals between processes, and the end of a process (which is where most signals come
 * from): a signal for a process on this thread is applied here, one for a pid that is not
 * here goes to the host. An exit sends its own signals: exits to links, DOWNs to monitors.
 */
export class SignalDelivery implements ProcessEnds {
  constructor(
    private readonly procs: ProcessTable,
    private readonly host: Host,
    private readonly loop: RunLoop,
    private readonly timers: Timers,
    private readonly counters: Counters,
  ) {}

  send(to: Dest<unknown>, msg: unknown, copy = true): void {
    // A via name: the key's registry partition forwards it (see behaviours/via.ts).
    if (isViaName(to)) ({ partition: to, msg } = via().forwarding(to, msg));
    if (isAlias(to)) {
      checkPid(to.pid, 'send (to an alias)');
      const copied = copy ? deepCopy(msg) : msg;
      this.counters.messagesOut++;
      this.dispatch({ kind: 'alias-message', to: to.pid, alias: to.$alias, msg: copied });
      return;
    }
    // A global name resolves here, at once, from the node's replica: from then on it is a pid
    // send (same path, same per-sender order as a send to the holder's pid).
    const pid = typeof to === 'string' ? whereisOrThrow(this.host.names, to) : isGlobalName(to) ? globalHolderOrThrow(this.host, to.global) : to;
    if (typeof pid !== 'number') throw new BeamError('ERR_INVALID_ARGUMENT', `send needs a pid, a registered name, { via } or { global } name, got ${describe(to)}`);
    checkPid(pid, 'send');
    const proc = this.procs.get(pid);
    if (proc !== undefined) this.deliverMessage(proc, copy ? deepCopy(msg) : msg);
    // A host that serializes messages for another thread copies them there: one copy, not two.
    else if (copy && this.host.routeMessage !== undefined) this.host.routeMessage(pid, msg);
    else this.host.route({ kind: 'message', to: pid, msg: copy ? deepCopy(msg) : msg });
    this.counters.messagesOut++;
  }

  /** Sends a signal from a local process: applied here if the target is here, else routed. */
  dispatch(signal: Signal): void {
    const proc = this.procs.get(signal.to);
    if (proc !== undefined) this.apply(proc, signal);
    else this.host.route(signal);
  }

  /** A signal arriving from another thread (or bounced back to us): apply, or bounce if the pid is gone. */
  deliver(signal: Signal): void {
    const proc = this.procs.get(signal.to);
    if (proc !== undefined) this.apply(proc, signal);
    else this.bounce(signal);
  }

  /**
   * The target of `signal` does not exist. Links and monitors get their answer as if it had
   * just died with `noproc`; messages and the rest vanish, as in Erlang.
   */
  bounce(signal: Signal): void {
    switch (signal.kind) {
      case 'link':
        this.dispatch({ kind: 'exit', to: signal.from, from: signal.to, reason: 'noproc', linked: true });
        return;
      case 'monitor':
        this.dispatch({ kind: 'down', to: signal.from, from: signal.to, ref: signal.ref, reason: 'noproc' });
        return;
      case 'alias-message':
        return;
      case 'timer':
        // A timer for a dead pid is cancelled, as erlang:send_after's.
        this.timers.cancel(signal.ref);
        return;
      case 'named':
        // Registered for a process that has exited meanwhile: the name goes with it.
        if (signal.on) this.host.names.unregister(signal.name, signal.to);
        return;
      case 'message':
      case 'exit':
      case 'unlink':
      case 'demonitor':
      case 'down':
        return;
      default:
        assertNever(signal);
    }
  }

  apply(proc: Proc, signal: Signal): void {
    switch (signal.kind) {
      case 'message':
        this.deliverMessage(proc, signal.msg);
        return;
      case 'exit':
        this.applyExit(proc, signal.from, signal.reason, signal.linked);
        return;
      case 'link':
        if (signal.from !== proc.self) (proc.links ??= new Set()).add(signal.from);
        return;
      case 'unlink':
        proc.links?.delete(signal.from);
        return;
      case 'monitor':
        (proc.monitoredBy ??= new Map()).set(signal.ref, signal.from);
        return;
      case 'demonitor':
        proc.monitoredBy?.delete(signal.ref);
        return;
      case 'down':
        // A DOWN for a monitor that was removed meanwhile is dropped.
        if (proc.monitors?.delete(signal.ref)) {
          this.deliverMessage(proc, { type: 'DOWN', ref: signal.ref, pid: signal.from, reason: signal.reason });
        }
        return;
      case 'named':
        this.applyNamed(proc, signal.name, signal.on);
        return;
      case 'timer':
        this.timers.tie(proc, signal.ref);
        return;
      case 'alias-message': {
        // To an alias that is no longer active: dropped, as OTP does.
        const once = proc.aliases?.get(signal.alias);
        if (once === undefined) return;
        if (once) proc.aliases!.delete(signal.alias);
        this.deliverMessage(proc, signal.msg);
        return;
      }
      default:
        assertNever(signal);
    }
  }

  /** Another thread registered or unregistered `name` for `proc`: record it, as its own `register` would. */
  private applyNamed(proc: Proc, name: string, on: boolean): void {
    const holds = this.host.names.whereis(name) === proc.self;
    if (on && holds) {
      // Two threads racing to name one process: the first name recorded wins, the other goes.
      if (proc.registeredName === undefined) proc.registeredName = name;
      else if (proc.registeredName !== name) this.host.names.unregister(name, proc.self);
    } else if (!on && !holds && proc.registeredName === name) {
      proc.registeredName = undefined;
    }
  }

  applyExit(proc: Proc, from: number, reason: ExitReason, linked: boolean): void {
    if (linked) {
      // The link may have been removed while this signal was under way.
      if (!proc.links?.delete(from)) return;
    } else if (reason === 'kill') {
      this.exitProcess(proc, 'killed');
      return;
    }
    if (proc.trapping) {
      this.deliverMessage(proc, { type: 'EXIT', from, reason });
    } else if (reason !== 'normal') {
      this.exitProcess(proc, reason);
    } else if (from === proc.self) {
      this.exitProcess(proc, 'normal');
    }
  }

  deliverMessage(proc: Proc, msg: unknown): void {
    this.counters.messagesIn++;
    const waiter = proc.waiter;
    if (waiter !== undefined && proc.status === 'waiting') {
      let matches = true;
      if (waiter.match !== undefined) {
        try {
          matches = waiter.match(msg);
        } catch (err) {
          // The receiver's own match function threw: that is the receiver's crash, not the sender's.
          proc.mailbox.push(msg);
          this.fail(proc, err);
          return;
        }
      }
      if (matches) {
        proc.handled++;
        this.loop.resumeWith(proc, msg);
        return;
      }
    }
    proc.mailbox.push(msg);
    if (proc.status === 'waiting' && proc.isActor && !proc.busy && !proc.queued && proc.waiter === undefined) {
      this.loop.enqueue(proc, Next.Dispatch);
    }
  }

  fail(proc: Proc, err: unknown): void {
    if (!proc.alive) return;
    if (isProcessExit(err)) {
      this.exitProcess(proc, err.reason);
      return;
    }
    const reason = crashReason(err);
    // Reported only here, where the process's own code threw: a process that dies of a
    // partner's crash is not a crash of its own. A linked crash is its partners' business.
    if (!proc.links?.size) this.host.report({ type: 'crash', pid: proc.self, name: proc.name, key: proc.key, reason });
    this.exitProcess(proc, reason);
  }

  /** Ends a process: its links get exit signals, its monitors DOWN messages, its name and timers go. */
  exitProcess(proc: Proc, exitReason: ExitReason): void {
    if (!proc.alive) return;
    const reason = shareable(exitReason);
    proc.status = 'exited';
    this.procs.delete(proc.self);
    this.counters.exited++;
    const waiter = proc.waiter;
    if (waiter?.timer !== undefined) clearTimeout(waiter.timer);
    proc.waiter = undefined;
    this.timers.clearDestination(proc);
    if (proc.registeredName !== undefined) this.host.names.unregister(proc.registeredName, proc.self);
    const from = proc.self;
    const links = proc.links;
    proc.links = undefined;
    if (links) for (const to of links) this.dispatch({ kind: 'exit', to, from, reason, linked: true });
    const watchers = proc.monitoredBy;
    proc.monitoredBy = undefined;
    if (watchers) for (const [ref, to] of watchers) this.dispatch({ kind: 'down', to, from, ref, reason });
    const watching = proc.monitors;
    proc.monitors = undefined;
    if (watching) for (const [ref, to] of watching) this.dispatch({ kind: 'demonitor', to, from, ref });
    proc.mailbox.clear();
    proc.state = undefined;
    const callbacks = proc.exitWatchers;
    proc.exitWatchers = undefined;
    if (callbacks) for (const cb of callbacks) cb(reason);
    this.host.releasePid(from);
  }

  /** Resolves with the exit reason of a local process (at once with `noproc` if it is not here). */
  whenExit(pid: AnyPid): Promise<ExitReason> {
    const proc = this.procs.get(pid);
    if (!proc) return Promise.resolve('noproc');
    return new Promise((resolve) => (proc.exitWatchers ??= []).push(resolve));
  }
}

/** `instanceof`, safe for a revoked Proxy (which throws on it). */
function isProcessExit(err: unknown): err is ProcessExit {
  try {
    return err instanceof ProcessExit;
  } catch {
    return false;
  }
}

/**
 * The exit reason as links and monitors get it, on this thread or another: a copy (the
 * process's own objects must not leak to its watchers), or, for a reason that cannot be copied
 * (`ctx.exit(fn)`, a symbol), a crash reason that says so. Never a value that would fail to
 * cross to another thread.
 */
function shareable(reason: ExitReason): ExitReason {
  if (typeof reason === 'string' || typeof reason === 'number' || typeof reason === 'boolean' || reason === null || reason === undefined) return reason;
  try {
    return deepCopy(reason) as ExitReason;
  } catch (err) {
    return crashReason(err);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled signal ${JSON.stringify(value)}`);
}
