import { BeamError, checkTimeout, describe } from './errors.js';
import { deepCopy } from './copy.js';
import { Mailbox } from './mailbox.js';
import { TIMEOUT, type Context, type Definition, type SpawnOptions } from './context.js';
import { checkPid, type Alias, type AnyPid, type Dest, type Ref } from './pid.js';
import type { DownMessage, ExitReason } from './reasons.js';
import type { ProcessInfo, ProcessStatus } from './info.js';
import type { RuntimeEvent } from './events.js';
import type { ClusterHooks, Host } from './host.js';
import type { Signal } from './signals.js';
import { clusterOf } from './names.js';

/** Thrown through a process's own stack by `ctx.exit(reason)`, and by any ctx call of a dead process. */
export class ProcessExit {
  constructor(readonly reason: ExitReason) {}
}

interface Waiter {
  match: ((msg: unknown) => boolean) | undefined;
  resolve: (value: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** What the run loop does with a process when it reaches the front of the run queue. */
export const enum Next {
  Nothing,
  /** Call the body (or `init` for an actor). */
  Start,
  /** Resolve the pending receive with `resumeValue`. */
  Resume,
  /** Actor: hand the next mailbox message to `handle`. */
  Dispatch,
}

/**
 * What a process asks of the runtime it lives in. Declared here, implemented by `Runtime`, so
 * that imports run one way: the runtime knows processes, a process knows only this.
 */
export interface ProcessRuntime {
  readonly host: Host;
  send(to: Dest<unknown>, msg: unknown): void;
  dispatch(signal: Signal): void;
  /** Makes a process waiting in receive runnable, with `value` as what receive returns. */
  resume(proc: Proc, value: unknown): void;
  spawnFrom(parent: Proc, def: Definition, args: unknown[], options: SpawnOptions, monitorRef?: Ref): number;
  /** `spawnWith`: checks its arguments; `[pid, ref]` when `options.monitor`, else the pid. */
  spawnWithOptions(parent: Proc, def: Definition, args: unknown[], options: SpawnOptions, where: string): number | [number, Ref];
  exitProcess(proc: Proc, reason: ExitReason): void;
  register(name: string, pid: AnyPid): void;
  unregister(name: string): void;
  startTimer(to: Dest<unknown>, msg: unknown, ms: number): Ref;
  cancelTimer(ref: Ref): number | false;
  readTimer(ref: Ref): number | false;
  makeRef(): Ref;
  isAlive(pid: AnyPid): boolean;
  processInfo(pid: AnyPid): ProcessInfo | undefined;
}

/** How many receives a process may satisfy from its mailbox before it yields to the run loop. */
const RECEIVE_BUDGET = 256;

/**
 * One process. It is also the `Context` its code receives, so an idle process costs one
 * object, its mailbox and whatever its code holds. Fields are internal to the runtime.
 */
export class Proc implements Context<unknown> {
  readonly mailbox = new Mailbox();
  status: ProcessStatus = 'starting';
  /** In the run queue with `next` to do. */
  queued = false;
  /** Its index in its thread's ProcessTable's dense list (-1: not in one). */
  tableIndex = -1;
  next: Next = Next.Nothing;
  resumeValue: unknown = undefined;
  waiter: Waiter | undefined = undefined;
  links: Set<number> | undefined = undefined;
  /** Monitors this process holds: ref -> watched pid. */
  monitors: Map<Ref, number> | undefined = undefined;
  /** Monitors on this process: ref -> watcher pid. */
  monitoredBy: Map<Ref, number> | undefined = undefined;
  trapping = false;
  /** Active aliases: ref -> whether the first message deactivates it (`alias({ reply: true })`). */
  aliases: Map<Ref, boolean> | undefined = undefined;
  registeredName: string | undefined = undefined;
  timers: Set<Ref> | undefined = undefined;
  handled = 0;
  /** Steps the run loop gave it (starts, resumes, actor messages): its reductions, for observers. */
  steps = 0;
  /**
   * How many of its last steps in a row took LONG_STEP_MS or more (capped): one or more, it
   * queues in the run loop's heavy lane; two or more, the balancer counts it CPU-bound (one
   * long step may be a garbage collection that fell into it).
   */
  longSteps = 0;
  /** Receives satisfied without yielding since the last time the run loop resumed it. */
  streak = 0;
  /** Actor state; an actor with `busy` set is inside an async `handle`. */
  state: unknown = undefined;
  busy = false;
  startArgs: unknown[] | undefined;
  /** Callbacks of `runtime.whenExit`, for code outside any process. */
  exitWatchers: ((reason: ExitReason) => void)[] | undefined = undefined;

  /**
   * The runtime, in a true private field: a process's code holds its Proc as its context, and
   * must find no path from it to the runtime's table of other processes.
   */
  readonly #rt: ProcessRuntime;

  constructor(
    rt: ProcessRuntime,
    readonly self: number,
    public def: Definition | undefined,
    readonly key: string,
    readonly parent: number | undefined,
  ) {
    this.#rt = rt;
  }

  get schedulerId(): number {
    return this.#rt.host.nodeId;
  }

  get name(): string {
    return this.def?.name ?? (this.key === '' ? 'external' : this.key.slice(this.key.lastIndexOf('#') + 1));
  }

  get isActor(): boolean {
    return this.def?.kind === 'actor';
  }

  get alive(): boolean {
    return this.status !== 'exited';
  }

  /** Every ctx call of a dead process unwinds its code: a zombie continuation stops at its next step. */
  private ensureAlive(): void {
    if (this.status !== 'exited') return;
    if (this.def === undefined) {
      throw new BeamError('ERR_NOT_ALIVE', `mailbox ${this.self} is closed (it exited or its runtime stopped): open a new one with mailbox()`);
    }
    throw new ProcessExit('killed');
  }

  // ---- messaging -------------------------------------------------------------------------

  send(to: Dest<unknown>, msg: unknown): void {
    this.ensureAlive();
    this.#rt.send(to, msg);
  }

  receive(a?: unknown, b?: unknown): Promise<any> {
    this.ensureAlive();
    // The commonest call, `receive()`, goes straight to the mailbox.
    if (a === undefined && b === undefined) return this.take(undefined, Infinity);
    let match: ((msg: unknown) => boolean) | undefined;
    let timeout: number;
    if (typeof a === 'function') {
      match = a as (msg: unknown) => boolean;
      timeout = checkTimeout(b);
    } else if (a === undefined) {
      throw new BeamError('ERR_INVALID_ARGUMENT', 'receive(match, timeout): match must be a function');
    } else {
      if (typeof a !== 'number') {
        throw new BeamError('ERR_INVALID_ARGUMENT', `receive() takes a match function and/or a timeout, got ${describe(a)}`);
      }
      timeout = checkTimeout(a);
    }
    return this.take(match, timeout);
  }

  /** The first message that matches, now if the mailbox has one, else when it arrives (or TIMEOUT). */
  private take(match: ((msg: unknown) => boolean) | undefined, timeout: number): Promise<unknown> {
    if (this.waiter) {
      throw new BeamError('ERR_INVALID_ARGUMENT', `process ${this.self} is already waiting in receive: await each receive before the next`);
    }
    const index = this.mailbox.length === 0 ? -1 : match ? this.mailbox.find(match) : 0;
    if (index >= 0) {
      const msg = this.mailbox.take(index);
      this.handled++;
      if (++this.streak < RECEIVE_BUDGET) return Promise.resolve(msg);
      // Out of budget: take the message, but let others run before we continue.
      return new Promise((resolve) => {
        this.waiter = { match: undefined, resolve, timer: undefined };
        this.#rt.resume(this, msg);
      });
    }
    if (timeout === 0) return Promise.resolve(TIMEOUT);
    return new Promise((resolve) => {
      const waiter: Waiter = { match, resolve, timer: undefined };
      if (timeout !== Infinity) {
        waiter.timer = setTimeout(() => {
          if (this.waiter === waiter && this.status === 'waiting') this.#rt.resume(this, TIMEOUT);
        }, timeout);
      }
      this.waiter = waiter;
      this.status = 'waiting';
    });
  }

  async sleep(ms: number): Promise<void> {
    const timeout = checkTimeout(ms);
    await this.receive(() => false, timeout);
  }

  // ---- processes -------------------------------------------------------------------------

  spawn(def: Definition, ...args: unknown[]): any {
    this.ensureAlive();
    return this.#rt.spawnFrom(this, def, args, {});
  }

  spawnLink(def: Definition, ...args: unknown[]): any {
    this.ensureAlive();
    return this.#rt.spawnFrom(this, def, args, { link: true });
  }

  spawnMonitor(def: Definition, ...args: unknown[]): any {
    this.ensureAlive();
    const ref = this.#rt.makeRef();
    const pid = this.#rt.spawnFrom(this, def, args, {}, ref);
    return [pid, ref];
  }

  spawnLinkMonitor(def: Definition, ...args: unknown[]): any {
    this.ensureAlive();
    const ref = this.#rt.makeRef();
    const pid = this.#rt.spawnFrom(this, def, args, { link: true }, ref);
    return [pid, ref];
  }

  spawnWith(def: Definition, args: unknown[], options: SpawnOptions = {}): any {
    this.ensureAlive();
    return this.#rt.spawnWithOptions(this, def, args, options, 'spawnWith');
  }

  link(target: AnyPid | string): void {
    this.ensureAlive();
    const pid = typeof target === 'string' ? this.registeredOrThrow(target, 'link') : target;
    checkPid(pid, 'link');
    if (pid === this.self) return;
    (this.links ??= new Set()).add(pid);
    this.#rt.dispatch({ kind: 'link', to: pid, from: this.self });
  }

  unlink(pid: AnyPid): void {
    this.ensureAlive();
    checkPid(pid, 'unlink');
    if (this.links?.delete(pid)) this.#rt.dispatch({ kind: 'unlink', to: pid, from: this.self });
  }

  monitor(target: AnyPid | string): Ref {
    this.ensureAlive();
    if (typeof target === 'string') return this.monitorName(target);
    const pid = target;
    checkPid(pid, 'monitor');
    const ref = this.#rt.makeRef();
    (this.monitors ??= new Map()).set(ref, pid);
    this.#rt.dispatch({ kind: 'monitor', to: pid, from: this.self, ref });
    return ref;
  }

  /**
   * A monitor by name watches the process the name maps to now (as OTP). A name nobody holds
   * gets its DOWN at once, as a dead pid does: `noproc`, naming the name (there is no pid).
   */
  private monitorName(name: string): Ref {
    checkName(name, 'monitor');
    const pid = this.#rt.host.names.whereis(name);
    if (pid !== undefined) return this.monitor(pid);
    const ref = this.#rt.makeRef();
    this.#rt.send(this.self, { type: 'DOWN', ref, pid: undefined, name, reason: 'noproc' } satisfies DownMessage);
    return ref;
  }

  /**
   * The pid registered as `name`; ERR_NOPROC naming it if none. As OTP's `link` to a process
   * that does not exist, but at once: with no pid there is no one to send the `noproc` EXIT from.
   */
  private registeredOrThrow(name: string, what: string): AnyPid {
    checkName(name, what);
    const pid = this.#rt.host.names.whereis(name);
    if (pid === undefined) {
      throw new BeamError('ERR_NOPROC', `${what}(${JSON.stringify(name)}): no process is registered under that name: check the name, or whether that process has exited`);
    }
    return pid;
  }

  demonitor(ref: Ref, options?: { flush?: boolean }): void {
    this.ensureAlive();
    const target = this.monitors?.get(ref);
    if (target !== undefined) {
      this.monitors!.delete(ref);
      this.#rt.dispatch({ kind: 'demonitor', to: target, from: this.self, ref });
    }
    if (options?.flush) {
      const index = this.mailbox.find((m) => isDownFor(m, ref));
      if (index >= 0) this.mailbox.take(index);
    }
  }

  alias(options?: { reply?: boolean }): Alias<unknown> {
    this.ensureAlive();
    const ref = this.#rt.makeRef();
    (this.aliases ??= new Map()).set(ref, options?.reply === true);
    return { $alias: ref, pid: this.self };
  }

  unalias(alias: Alias<unknown> | Ref): boolean {
    const ref = typeof alias === 'number' ? alias : alias?.$alias;
    return this.aliases?.delete(ref) ?? false;
  }

  trapExit(on: boolean): boolean {
    this.ensureAlive();
    const previous = this.trapping;
    this.trapping = Boolean(on);
    return previous;
  }

  exit(reason?: ExitReason): never;
  exit(pid: AnyPid, reason: ExitReason): void;
  exit(a?: unknown, b?: unknown): void {
    this.ensureAlive();
    if (arguments.length >= 2) {
      checkPid(a, 'exit');
      this.#rt.dispatch({ kind: 'exit', to: a, from: this.self, reason: deepCopy(b), linked: false });
      return;
    }
    const reason = a === undefined ? 'normal' : a;
    if (this.def === undefined) {
      // A mailbox handle has no code to unwind: exiting just closes it.
      this.#rt.exitProcess(this, reason);
      return undefined as never;
    }
    throw new ProcessExit(reason);
  }

  // ---- names, timers, introspection -------------------------------------------------------

  register(name: string, pid: AnyPid = this.self): void {
    this.ensureAlive();
    this.#rt.register(name, pid);
  }

  unregister(name: string): void {
    this.ensureAlive();
    this.#rt.unregister(name);
  }

  whereis(name: string): any {
    return this.#rt.host.names.whereis(name);
  }

  sendAfter(to: Dest<unknown>, msg: unknown, ms: number): Ref {
    this.ensureAlive();
    return this.#rt.startTimer(to, deepCopy(msg), ms);
  }

  cancelTimer(ref: Ref): number | false {
    return this.#rt.cancelTimer(ref);
  }

  readTimer(ref: Ref): number | false {
    return this.#rt.readTimer(ref);
  }

  makeRef(): Ref {
    return this.#rt.makeRef();
  }

  node(): string {
    return this.#rt.host.cluster?.node() ?? 'nonode@nohost';
  }

  nodes(): string[] {
    return this.#rt.host.cluster?.nodes() ?? [];
  }

  nodeOf(pid: AnyPid): string | undefined {
    checkPid(pid, 'nodeOf');
    return this.#rt.host.cluster ? this.#rt.host.cluster.nodeOf(pid) : 'nonode@nohost';
  }

  monitorNode(node: string): void {
    this.#cluster('monitorNode').monitorNode(this, node, false);
  }

  monitorNodes(): void {
    this.#cluster('monitorNodes').monitorNode(this, '', true);
  }

  spawnOn(node: string, def: Definition, ...args: unknown[]): Promise<any> {
    return this.#cluster('spawnOn').spawnOn(this, node, def, args, {});
  }

  async spawnOnWith(node: string, def: Definition, args: unknown[], options: { link?: boolean; monitor?: boolean } = {}): Promise<any> {
    const cluster = this.#cluster('spawnOnWith');
    if (!options.monitor) return cluster.spawnOn(this, node, def, args, { link: options.link });
    // Monitored from birth, as spawnWith's: the other node spawns the child with our monitor
    // (this ref) in place, so a child that dies at once sends its DOWN with its real reason.
    // Until the pid is known the monitor names us (a demonitor at our exit is then a no-op).
    const ref = this.#rt.makeRef();
    (this.monitors ??= new Map()).set(ref, this.self);
    let pid: number;
    try {
      pid = await cluster.spawnOn(this, node, def, args, { link: options.link, monitorRef: ref });
    } catch (err) {
      this.monitors?.delete(ref);
      throw err;
    }
    if (this.monitors?.has(ref)) {
      this.monitors.set(ref, pid);
      // Its node went down before we knew the pid: that noconnection missed this monitor.
      if (!this.#rt.isAlive(pid)) this.#rt.dispatch({ kind: 'down', to: this.self, from: pid, ref, reason: 'noconnection' });
    }
    return [pid, ref];
  }

  registerGlobal(name: string, pid: AnyPid = this.self): Promise<boolean> {
    return this.#cluster('registerGlobal').registerGlobal(this, name, pid);
  }

  unregisterGlobal(name: string): Promise<void> {
    return this.#cluster('unregisterGlobal').unregisterGlobal(this, name);
  }

  whereisGlobal(name: string): Promise<any> {
    return this.#cluster('whereisGlobal').whereisGlobal(this, name);
  }

  #cluster(where: string): ClusterHooks {
    return clusterOf(this.#rt.host, where);
  }

  isAlive(pid: AnyPid): boolean {
    return this.#rt.isAlive(pid);
  }

  processInfo(pid: AnyPid = this.self): ProcessInfo | undefined {
    return this.#rt.processInfo(pid);
  }

  report(event: RuntimeEvent): void {
    this.#rt.host.report(event);
  }

  info(): ProcessInfo {
    return {
      pid: this.self,
      name: this.name,
      key: this.key,
      kind: this.def?.kind ?? 'external',
      status: this.status,
      mailboxLength: this.mailbox.length,
      links: [...(this.links ?? [])],
      monitors: [...(this.monitors ?? [])].map(([ref, pid]) => ({ ref, pid })),
      monitoredBy: [...(this.monitoredBy?.values() ?? [])],
      // A name given from another thread is in the registry before its `named` signal arrives.
      registeredName: this.registeredName ?? this.#rt.host.names.nameOf?.(this.self),
      trapExit: this.trapping,
      messagesHandled: this.handled,
      steps: this.steps,
      scheduler: this.#rt.host.nodeId,
      movable: this.isActor && this.status === 'waiting' && !this.busy && !this.waiter,
    };
  }
}

function checkName(name: string, where: string): void {
  if (name === '') throw new BeamError('ERR_INVALID_ARGUMENT', `${where} needs a pid or a registered name, got an empty string`);
}

function isDownFor(m: unknown, ref: Ref): boolean {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'DOWN' && (m as { ref?: unknown }).ref === ref;
}

/** The balancer's test for a process worth moving to another scheduler: several long steps in a row. */
export function isCpuBound(proc: { readonly longSteps: number }): boolean {
  return proc.longSteps >= 2;
}
