import { BeamError, checkTimeout, describe } from '../errors.js';
import { TIMEOUT, type Context } from '../context.js';
import type { Definition } from '../definition.js';
import { isGlobalName, pidToString, type AnyPid, type GlobalName, type Pid } from '../pid.js';
import { formatReason, type ExitReason } from '../reasons.js';
import { ExitError } from './errors.js';
import { childSpecOf, type ChildSpecOptions } from './child-spec-of.js';
import type { ChildSpec } from './child-spec.js';
import { isAckFor, isDownFor, isExitFrom, isReplyTo, type Boot } from './messages.js';
import { isServerDefinition, sendReply } from './gen-server-loop.js';
import { isViaName, via, viaLabel, type ViaName } from './via.js';
import type {
  CastOf,
  FieldsOf,
  From,
  ReplyOfMethod,
  Server,
  ServerDefinition,
  ServerName,
  ServerRef,
  ServerTypes,
  Ignored,
  StartResultOf,
  StartArgsOf,
  StartOptions,
} from './gen-server-types.js';

/**
 * GenServer: a process that keeps state and answers requests, as in Elixir. The callbacks run
 * in the server process one message at a time; clients use `call` (request and reply), `cast`
 * (fire and forget) and plain messages (`handleInfo`). See `define` for the callbacks and the
 * package README for a walk-through.
 */
export { define, isServerDefinition } from './gen-server-loop.js';
export { isIgnored } from './gen-server-types.js';
export type * from './gen-server-types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctx = Context<any>;

/** Any request, for a server without `calls`. */
type UntypedRequest<T> = T extends { calls: object } ? never : unknown;

/** `start`'s arguments after the definition: the init arguments (omit for none), then options. */
export type StartRest<T> = StartArgsOf<T> extends [] ? [args?: [], options?: StartOptions] : [args: StartArgsOf<T>, options?: StartOptions];

/**
 * Starts a server and waits until its `init` has returned: the pid once the server is ready.
 *
 * ```ts
 * const stack = await GenServer.start(ctx, Stack, [['a', 'b']], { name: 'stack' });
 * ```
 *
 * Failure modes: `init` throws or returns `{ stop: reason }` -> ExitError ERR_INIT_FAILED with
 * the reason (the server has exited); the name is taken -> ERR_NAME_TAKEN, and nothing was
 * started; `timeout` passes first -> the server is killed and ERR_INIT_FAILED with reason `timeout`.
 * `init` returns `{ ignore: true }` (a server typed `ignorable: true`) -> resolves with `{ ignore: true }`
 * (test it with `GenServer.isIgnored`); the server has exited `normal`.
 */
export function start<T extends ServerTypes>(ctx: Ctx, def: ServerDefinition<T>, ...rest: StartRest<T>): Promise<StartResultOf<T>> {
  return startServer(ctx, def, rest[0] ?? [], rest[1] ?? {}, false) as Promise<StartResultOf<T>>;
}

/**
 * Like `start`, and links the server to the caller (atomically, at spawn). The server's
 * parent is then the caller: if the server traps exits, the parent's exit signal makes it run
 * `terminate` and exit with the same reason. A failed `init` does not take the caller down:
 * the server unlinks before it exits, and `startLink` throws ERR_INIT_FAILED.
 */
export function startLink<T extends ServerTypes>(ctx: Ctx, def: ServerDefinition<T>, ...rest: StartRest<T>): Promise<StartResultOf<T>> {
  return startServer(ctx, def, rest[0] ?? [], rest[1] ?? {}, true) as Promise<StartResultOf<T>>;
}

/** @internal the start handshake, shared with supervisors (which start children by key). */
export async function startServer(ctx: Ctx, def: Definition, args: unknown[], options: StartOptions, link: boolean): Promise<AnyPid | Ignored> {
  if (!isServerDefinition(def)) {
    throw new BeamError('ERR_INVALID_ARGUMENT', `GenServer.start needs a definition made with GenServer.define(import.meta.url, name, callbacks), got ${describe(def)}`);
  }
  if (!Array.isArray(args)) throw new BeamError('ERR_INVALID_ARGUMENT', `GenServer.start(ctx, def, args): args must be an array, got ${describe(args)}`);
  const timeout = checkTimeout(options.timeout);
  // The ack comes through an alias: if the start times out, a late ack is dropped on arrival.
  const alias = ctx.alias({ reply: true });
  const tag = alias.$alias;
  const boot: Boot = { $gen: 'boot', starter: ctx.self, tag, parent: link ? ctx.self : undefined, alias: true };
  const viaName = isViaName(options.name) ? options.name : undefined;
  const globalName = isGlobalName(options.name) ? options.name : undefined;
  // Monitored (and linked) from birth: a monitor set after the spawn could find the server
  // already dead on another scheduler and produce a `noproc` DOWN that overtakes its ack.
  const [pid, ref] =
    options.node === undefined
      ? ctx.spawnWith(def, [boot, ...args] as never, { link, name: typeof options.name === 'string' ? options.name : undefined, monitor: true, placement: options.placement, scheduler: options.scheduler })
      : await startOnNode(ctx, options.node, def, [boot, ...args], link, options.name);
  if (viaName) await registerOrKill(ctx, () => via().register(ctx, viaName, pid), pid, ref, link);
  if (globalName) await registerOrKill(ctx, () => registerGlobalOrThrow(ctx, globalName, pid), pid, ref, link);
  const msg = await ctx.receive((m) => isAckFor(m, tag) || isDownFor(m, ref), timeout);
  ctx.unalias(alias);
  if (msg === TIMEOUT) {
    if (link) ctx.unlink(pid);
    ctx.exit(pid, 'kill');
    ctx.demonitor(ref, { flush: true });
    await flushExit(ctx, pid);
    throw new ExitError('ERR_INIT_FAILED', `${def.name} did not finish init within ${timeout} ms and was killed`, 'timeout');
  }
  if (isAckFor(msg, tag)) {
    if (msg.ok) {
      ctx.demonitor(ref, { flush: true });
      return pid;
    }
    // As OTP 26's proc_lib:init_fail: the start returns once the server has exited, so its
    // name is free (the ack may reach a starter on another thread before the exit is done).
    await ctx.receive((m) => isDownFor(m, ref));
    if (link) ctx.unlink(pid);
    await flushExit(ctx, pid);
    // `init` chose not to run (OTP's `ignore`): not a failure; the server exits `normal`.
    if (msg.ignore) return { ignore: true };
    throw new ExitError('ERR_INIT_FAILED', `${def.name} failed to start: ${formatReason(msg.reason)}`, msg.reason);
  }
  ctx.demonitor(ref, { flush: true });
  // It died before it could unlink: its EXIT must not reach a trapping starter (OTP's
  // proc_lib:sync_start_link consumes it too).
  if (link) {
    ctx.unlink(pid);
    await flushExit(ctx, pid);
  }
  throw new ExitError('ERR_INIT_FAILED', `${def.name} exited before its init returned: ${formatReason(msg.reason)}`, msg.reason);
}

/** On another cluster node: linked and monitored from birth there. */
async function startOnNode(ctx: Ctx, node: string, def: Definition, args: unknown[], link: boolean, name: StartOptions['name']): Promise<[AnyPid, number]> {
  if (typeof name === 'string') throw new BeamError('ERR_INVALID_ARGUMENT', `GenServer.start on node '${node}': a local name cannot be registered from here; use a cluster-wide name (name: { global: 'x' }) or a Registry.via name`);
  return ctx.spawnOnWith(node, def, args as never, { link, monitor: true });
}

/**
 * A via or global name is registered by the starter once the pid exists, before `start`
 * returns (the registry links the server, the global name's node monitors it, so the name goes
 * when it exits). Taken: the server is killed, and nothing of it is left in the starter's mailbox.
 */
async function registerOrKill(ctx: Ctx, register: () => Promise<void>, pid: AnyPid, ref: number, link: boolean): Promise<void> {
  try {
    await register();
  } catch (err) {
    if (link) ctx.unlink(pid);
    ctx.exit(pid, 'kill');
    ctx.demonitor(ref, { flush: true });
    await flushExit(ctx, pid);
    throw err;
  }
}

async function registerGlobalOrThrow(ctx: Ctx, name: GlobalName, pid: AnyPid): Promise<void> {
  if (await ctx.registerGlobal(name.global, pid)) return;
  const holder = await ctx.whereisGlobal(name.global);
  throw new BeamError('ERR_NAME_TAKEN', `the global name ${JSON.stringify(name.global)} is held by another live process${holder === undefined ? '' : ` (${pidToString(holder)})`}: pick another name, or stop that process first`);
}

/**
 * Sends `request` to the server and waits for its reply (`handleCall`'s `reply`, or a later
 * `GenServer.reply`). The request and the reply are typed by the server's `calls`:
 *
 * ```ts
 * const top = await GenServer.call(ctx, stack, { type: 'pop' }); // string | undefined
 * ```
 *
 * Calls from one process are sequential (each waits in a selective receive that leaves other
 * messages in the mailbox). Failure modes, each an ExitError with `reason`:
 * - no reply within `timeout` ms (default 5000) -> ERR_CALL_TIMEOUT, reason `timeout` (a late
 *   reply is dropped on arrival: the call waits on an alias that it deactivates when it gives up);
 * - the server is not alive, or no process has that name -> ERR_NOPROC, reason `noproc`;
 * - the server exited before it replied -> ERR_CALL_EXIT with its exit reason.
 */
export function call<C extends object, K extends keyof C & string>(
  ctx: Ctx,
  server: ServerRef<{ calls: C }>,
  request: { type: K } & FieldsOf<C[K]>,
  timeout?: number,
): Promise<ReplyOfMethod<C[K]>>;
/**
 * An untyped call: a server defined without `calls` (it takes any request), a plain pid, or a
 * plain name. Generic, so a server typed with other fields (`state`, `cast`, ...) but no `calls`
 * matches too; a server with `calls` gets `never` here and must use the typed form above.
 */
export function call<T extends ServerTypes>(ctx: Ctx, server: ServerRef<T>, request: UntypedRequest<T>, timeout?: number): Promise<unknown>;
export async function call(ctx: Ctx, server: unknown, request: unknown, timeout: number = 5000): Promise<unknown> {
  const ms = checkTimeout(timeout);
  // Not `await` for a pid or a name: the monitor and the request go out in the caller's own step.
  const pid = isViaName(server) ? await resolveVia(ctx, server) : isGlobalName(server) ? await resolveGlobal(ctx, server) : resolve(ctx, server, 'call');
  if (pid === ctx.self) {
    throw new BeamError('ERR_INVALID_ARGUMENT', `process ${pidToString(pid)} called itself: it would wait forever for its own reply; run the code directly instead`);
  }
  const ref = ctx.monitor(pid);
  // The reply comes through an alias (as OTP 24's gen_server:call): once this call gives up,
  // a reply that still comes is dropped on arrival instead of landing in the mailbox.
  const alias = ctx.alias({ reply: true });
  const tag = alias.$alias;
  try {
    ctx.send(pid, { $gen: 'call', from: { pid: ctx.self, tag, alias: true }, request });
  } catch (err) {
    ctx.unalias(alias);
    ctx.demonitor(ref, { flush: true });
    throw err;
  }
  const msg = await ctx.receive((m) => isReplyTo(m, tag) || isDownFor(m, ref), ms);
  ctx.unalias(alias);
  if (msg === TIMEOUT) {
    ctx.demonitor(ref, { flush: true });
    throw new ExitError(
      'ERR_CALL_TIMEOUT',
      `call to ${label(server, pid)} got no reply within ${ms} ms: the server is busy or never answers this request; pass a longer timeout, or make the server reply sooner`,
      'timeout',
    );
  }
  if (isReplyTo(msg, tag)) {
    ctx.demonitor(ref, { flush: true });
    return msg.reply;
  }
  const reason = (msg as { reason: ExitReason }).reason;
  if (reason === 'noproc') throw noproc(server, pid);
  if (reason === 'noconnection') {
    throw new ExitError('ERR_NOCONNECTION', `call to ${label(server, pid)} failed: its node went down (or is not up), noconnection; the server may or may not have handled the request`, reason);
  }
  throw new ExitError('ERR_CALL_EXIT', `${label(server, pid)} exited during the call: ${formatReason(reason)}`, reason);
}

/**
 * Sends `request` to the server's `handleCast` and returns at once. As in Elixir it never
 * fails: a dead server or an unregistered name just loses the message.
 */
export function cast<T extends ServerTypes>(ctx: Ctx, server: ServerRef<T>, request: CastOf<T>): void {
  if (isViaName(server)) return ctx.send(server, { $gen: 'cast', request } as never);
  if (isGlobalName(server)) {
    try {
      ctx.send(server, { $gen: 'cast', request } as never);
    } catch (err) {
      // A cast never fails: to a global name nobody holds it is lost (as gen_server:cast's to {global, Name}).
      if ((err as BeamError).code !== 'ERR_GLOBAL_NAME_UNKNOWN') throw err;
    }
    return;
  }
  const pid = typeof server === 'string' ? ctx.whereis(server) : server;
  if (pid === undefined) return;
  ctx.send(pid, { $gen: 'cast', request });
}

/**
 * Answers a call that `handleCall` left open with `{ noreply: true, state }`. `from` is plain
 * data: any process that has it may reply, once. Replying to a caller that gave up is a no-op.
 *
 * ```ts
 * handleCall: { slow: (ctx, req, from, state) => { ctx.spawn(worker, from, req.n); return { noreply: true, state }; } }
 * // in worker: GenServer.reply(ctx, from, result)
 * ```
 */
export function reply<R>(ctx: Ctx, from: From<R>, value: NoInfer<R>): void {
  sendReply(ctx, from, value);
}

/**
 * Stops a server: it runs `terminate(reason)` and exits with `reason` (default `normal`); resolves
 * once it is gone. ERR_NOPROC if it is not alive; ERR_CALL_TIMEOUT if it is still alive after
 * `timeout` ms (default: wait forever); ERR_CALL_EXIT if it exited with another reason (for
 * example `terminate` threw).
 */
export async function stop(ctx: Ctx, server: ServerRef<any> | Pid<any>, reason: ExitReason = 'normal', timeout?: number): Promise<void> {
  const ms = checkTimeout(timeout);
  const pid = isViaName(server) ? await resolveVia(ctx, server) : isGlobalName(server) ? await resolveGlobal(ctx, server) : resolve(ctx, server, 'stop');
  const ref = ctx.monitor(pid);
  ctx.send(pid, { $gen: 'stop', reason });
  const msg = await ctx.receive((m) => isDownFor(m, ref), ms);
  if (msg === TIMEOUT) {
    ctx.demonitor(ref, { flush: true });
    throw new ExitError('ERR_CALL_TIMEOUT', `${label(server, pid)} did not stop within ${ms} ms`, 'timeout');
  }
  const actual = (msg as { reason: ExitReason }).reason;
  if (actual === 'noproc') throw noproc(server, pid);
  if (!sameReason(actual, reason)) {
    throw new ExitError('ERR_CALL_EXIT', `${label(server, pid)} exited with ${formatReason(actual)} instead of ${formatReason(reason)}`, actual);
  }
}

/** A child spec that runs the server under a supervisor: `GenServer.childSpec(cache, [1000], { name: 'cache' })`. */
export function childSpec<T extends ServerTypes>(def: ServerDefinition<T>, args: StartArgsOf<T>, options?: ChildSpecOptions): ChildSpec<ServerDefinition<T>> {
  return childSpecOf(def, args as never, options);
}

/** The pid registered under `name`, typed as the server it names (undefined if none). */
export function whereis<T extends ServerTypes = {}>(ctx: Ctx, name: ServerName<T> | string): Server<T> | undefined {
  return ctx.whereis(name) as Server<T> | undefined;
}

/**
 * A registered name that remembers its server's types, so calls by name are checked too:
 * `const kv = GenServer.named<Kv>('kv'); await GenServer.call(ctx, kv, { type: 'get', key })`.
 */
export function named<T extends ServerTypes>(name: string): ServerName<T> {
  return name as ServerName<T>;
}

/** The pid a via name names (looked up in its registry); ERR_NOPROC if nobody holds the key. */
async function resolveVia(ctx: Ctx, server: ViaName): Promise<AnyPid> {
  const pid = await via().whereis(ctx, server);
  if (pid === undefined) throw noproc(server, undefined);
  return pid;
}

/** The pid holding a global name (this node's replica of the global name table); ERR_NOPROC if nobody holds it. */
async function resolveGlobal(ctx: Ctx, server: GlobalName): Promise<AnyPid> {
  const pid = await ctx.whereisGlobal(server.global);
  if (pid === undefined) throw noproc(server, undefined);
  return pid;
}

function resolve(ctx: Ctx, server: unknown, what: string): AnyPid {
  if (typeof server === 'string') {
    const pid = ctx.whereis(server);
    if (pid === undefined) throw noproc(server, undefined);
    return pid;
  }
  if (typeof server !== 'number') throw new BeamError('ERR_INVALID_ARGUMENT', `GenServer.${what} needs a pid or a registered name, got ${describe(server)}`);
  return server;
}

function noproc(server: unknown, pid: AnyPid | undefined): ExitError {
  const shown = isViaName(server) ? viaLabel(server) : isGlobalName(server) ? `global name ${JSON.stringify(server.global)}` : JSON.stringify(server);
  const what = pid === undefined ? `no process is registered as ${shown}` : `${label(server, pid)} is not alive`;
  return new ExitError('ERR_NOPROC', `${what}: check the name, or whether the server has exited (monitor it to know when)`, 'noproc');
}

function label(server: unknown, pid: AnyPid): string {
  if (isViaName(server)) return `${viaLabel(server)} ${pidToString(pid)}`;
  if (isGlobalName(server)) return `global ${JSON.stringify(server.global)} ${pidToString(pid)}`;
  return typeof server === 'string' ? `${JSON.stringify(server)} ${pidToString(pid)}` : `server ${pidToString(pid)}`;
}

/** Removes the EXIT message a trapping caller may already have from a process it unlinked. */
export async function flushExit(ctx: Ctx, pid: AnyPid): Promise<void> {
  await ctx.receive((m) => isExitFrom(m, pid), 0);
}

function sameReason(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}
