import { availableParallelism } from 'node:os';
import { TIMEOUT, type Context } from '../context.js';
import { BeamError, describe } from '../errors.js';
import type { AnyPid, Pid } from '../pid.js';
import { formatReason, type ExitReason } from '../reasons.js';
import type { ChildSpec } from './child-spec.js';
import { ExitError } from './errors.js';
import { call } from './gen-server.js';
import { isDownFor, isReplyTo } from './messages.js';
import { keyId, partition, type Entry, type PartitionCalls } from './registry-partition.js';
import { childSpec as supervisorChildSpec, startLink as startSupervisor } from './supervisor.js';
import { installViaResolver, viaLabel, type RegistrySpec, type ViaName } from './via.js';

/**
 * Registry: a VM-wide key-value store of processes, as Elixir's `Registry`. Processes register
 * themselves under keys (with a value each); others look them up, match on values, count, and
 * name processes by key (`{ via: registry, key }`); a process's keys go when it dies.
 *
 * ```ts
 * export const rooms = Registry.define<string, { joinedAt: number }>('rooms', { keys: 'duplicate' });
 *
 * await Registry.startLink(ctx, rooms);                   // or Registry.childSpec(rooms) under a supervisor
 * await Registry.register(ctx, rooms, 'lobby', { joinedAt: Date.now() });
 * await Registry.dispatch(ctx, rooms, 'lobby', (entries) => { for (const [pid] of entries) ctx.send(pid, 'hi'); });
 * ```
 *
 * How: the registry is `partitions` GenServers (default: one per core) under a supervisor, each
 * registered by a VM-wide name, so every scheduler reaches them. A unique key lives in the
 * partition its hash picks; a duplicate registry keeps a process's keys in the partition its pid
 * picks (registering touches one partition; looking a key up asks all of them at once). See
 * the package README for why processes and not shared memory.
 */
export type { RegistrySpec, ViaName } from './via.js';
export type { Entry } from './registry-partition.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctx = Context<any>;

/** The key and value types of a registry. */
export type KeyOf<R> = R extends RegistrySpec<infer K, unknown> ? K : never;
export type ValueOf<R> = R extends RegistrySpec<unknown, infer V> ? V : never;

export interface RegistryOptions {
  /** `unique`: one process per key (names, via); `duplicate`: any number (pub/sub, groups). */
  keys: 'unique' | 'duplicate';
  /** How many partitions (default: the machine's available parallelism, so one per scheduler). */
  partitions?: number;
}

/**
 * Defines a registry: plain data naming it, to define once at a module's top level and pass
 * around (it travels inside via names). `name` must be unique in the VM.
 */
export function define<K = string, V = undefined>(name: string, options: RegistryOptions): RegistrySpec<K, V> {
  if (typeof name !== 'string' || name === '') throw new BeamError('ERR_INVALID_ARGUMENT', `Registry.define needs a non-empty name, got ${describe(name)}`);
  const keys = options?.keys;
  if (keys !== 'unique' && keys !== 'duplicate') {
    throw new BeamError('ERR_INVALID_OPTION', `Registry.define(${JSON.stringify(name)}): keys must be 'unique' or 'duplicate', got ${describe(keys)}`);
  }
  const partitions = options.partitions ?? Math.max(1, availableParallelism());
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new BeamError('ERR_INVALID_OPTION', `Registry.define(${JSON.stringify(name)}): partitions must be a whole number >= 1, got ${describe(partitions)}`);
  }
  return { $registry: name, keys, partitions };
}

/** Starts the registry's partitions under a supervisor linked to the caller; resolves with the supervisor's pid. */
export function startLink(ctx: Ctx, registry: RegistrySpec<any, any>): Promise<Pid<unknown>> {
  checkSpec(registry, 'Registry.startLink');
  return startSupervisor(ctx, partitionSpecs(registry), { strategy: 'one_for_all', name: registry.$registry });
}

/** A child spec that runs the registry under a supervisor (type `supervisor`). */
export function childSpec(registry: RegistrySpec<any, any>, options: { id?: string } = {}): ChildSpec {
  checkSpec(registry, 'Registry.childSpec');
  return supervisorChildSpec(options.id ?? registry.$registry, partitionSpecs(registry), { strategy: 'one_for_all', name: registry.$registry });
}

/** One child per partition, each registered under its VM-wide name. */
function partitionSpecs(registry: RegistrySpec): ChildSpec[] {
  return Array.from({ length: registry.partitions }, (_, i) => ({ id: `partition.${i}`, start: { def: partition, args: [registry], name: partitionName(registry, i) } }));
}

/** The via name of `key` in a unique registry: a name for GenServer.start/call/cast/stop and `Registry.send`. */
export function via<T = unknown, K = unknown>(registry: RegistrySpec<K, any>, key: NoInfer<K>): ViaName<T> {
  checkSpec(registry, 'Registry.via');
  if (registry.keys !== 'unique') throw new BeamError('ERR_INVALID_ARGUMENT', `Registry.via: ${registry.$registry} has duplicate keys; a name needs a unique registry`);
  return { via: registry, key };
}

/**
 * Registers the calling process under `key` with `value`. A unique registry refuses a key held
 * by another live process: ExitError ERR_NAME_TAKEN with reason `{ already_registered: pid }`.
 * The key is released when the process calls `unregister` or exits.
 */
export async function register<K, V>(ctx: Ctx, registry: RegistrySpec<K, V>, key: NoInfer<K>, value: NoInfer<V>): Promise<void> {
  await registerPid(ctx, registry, key, ctx.self, value, 'Registry.register');
}

/** Removes every entry of the calling process under `key`. */
export async function unregister<K>(ctx: Ctx, registry: RegistrySpec<K, any>, key: NoInfer<K>): Promise<void> {
  await ask(ctx, registry, partitionFor(registry, key, ctx.self), { type: 'unregister', key, pid: ctx.self });
}

/** Removes the calling process's entries under `key` whose value matches `pattern` (see `match`). */
export async function unregisterMatch<K, V>(ctx: Ctx, registry: RegistrySpec<K, V>, key: NoInfer<K>, pattern: Pattern<V>): Promise<void> {
  await ask(ctx, registry, partitionFor(registry, key, ctx.self), { type: 'unregisterMatch', key, pid: ctx.self, pattern });
}

/** Replaces the calling process's value under `key` in a unique registry. ERR_NOPROC-free: false if it does not hold the key. */
export async function updateValue<K, V>(ctx: Ctx, registry: RegistrySpec<K, V>, key: NoInfer<K>, value: NoInfer<V>): Promise<boolean> {
  if (registry.keys !== 'unique') throw new BeamError('ERR_INVALID_ARGUMENT', `Registry.updateValue needs a unique registry; ${registry.$registry} has duplicate keys`);
  const r = await ask(ctx, registry, partitionFor(registry, key, ctx.self), { type: 'updateValue', key, pid: ctx.self, value });
  return r !== 'not_owner';
}

/** The `[pid, value]` entries under `key` (at most one in a unique registry). */
export async function lookup<K, V>(ctx: Ctx, registry: RegistrySpec<K, V>, key: NoInfer<K>): Promise<Entry<V>[]> {
  return (await fromKeyPartitions(ctx, registry, key, { type: 'lookup', key })) as Entry<V>[];
}

/**
 * A value pattern (plain data): a primitive matches itself, an object matches values with those
 * fields (others are free), an array matches item by item, `undefined` matches anything.
 */
export type Pattern<V> = V extends object ? { [P in keyof V]?: Pattern<V[P]> } : V | undefined;

/** The entries under `key` whose value matches `pattern`. The matching runs in the partitions. */
export async function match<K, V>(ctx: Ctx, registry: RegistrySpec<K, V>, key: NoInfer<K>, pattern: Pattern<V>): Promise<Entry<V>[]> {
  return (await fromKeyPartitions(ctx, registry, key, { type: 'match', key, pattern })) as Entry<V>[];
}

/** How many entries the registry holds, over all keys and partitions. */
export async function count(ctx: Ctx, registry: RegistrySpec<any, any>): Promise<number> {
  const counts = (await askAll(ctx, registry, { type: 'count' })) as number[];
  return counts.reduce((a, b) => a + b, 0);
}

/** How many entries under `key` match `pattern`. */
export async function countMatch<K, V>(ctx: Ctx, registry: RegistrySpec<K, V>, key: NoInfer<K>, pattern: Pattern<V>): Promise<number> {
  return (await match(ctx, registry, key, pattern)).length;
}

/** The keys `pid` holds in the registry. */
export async function keys<K>(ctx: Ctx, registry: RegistrySpec<K, any>, pid: AnyPid): Promise<K[]> {
  if (registry.keys === 'duplicate') return (await ask(ctx, registry, partitionFor(registry, undefined, pid), { type: 'keys', pid })) as K[];
  return ((await askAll(ctx, registry, { type: 'keys', pid })) as K[][]).flat();
}

/**
 * Elixir's `Registry.dispatch`: calls `fn` with the entries under `key`, in the calling process
 * (a closure is fine: it never leaves this thread). The pub/sub idiom:
 * `Registry.dispatch(ctx, topics, 'news', (subs) => { for (const [pid] of subs) ctx.send(pid, item); })`.
 */
export async function dispatch<K, V>(ctx: Ctx, registry: RegistrySpec<K, V>, key: NoInfer<K>, fn: (entries: Entry<V>[]) => void | Promise<void>): Promise<void> {
  if (typeof fn !== 'function') throw new BeamError('ERR_INVALID_ARGUMENT', `Registry.dispatch needs a function (entries) => ..., got ${describe(fn)}`);
  const entries = await lookup(ctx, registry, key);
  if (entries.length > 0) await fn(entries);
}

/** The pid under `key` in a unique registry, or undefined. */
export async function whereis<K>(ctx: Ctx, registry: RegistrySpec<K, any>, key: NoInfer<K>): Promise<Pid<unknown> | undefined> {
  const [entry] = await lookup(ctx, registry, key);
  return entry?.[0];
}

/**
 * Sends `msg` to the process a via name names (Erlang's `Module:send/2`): looks it up, then
 * sends directly, so the message keeps its order with the caller's other messages to it.
 * ERR_NOPROC if nobody holds the key.
 */
export async function send<M>(ctx: Ctx, name: ViaName, msg: M): Promise<void> {
  const pid = await resolveVia(ctx, name);
  if (pid === undefined) throw new ExitError('ERR_NOPROC', `no process is registered as ${viaLabel(name)}: check the key, or whether its holder has exited`, 'noproc');
  ctx.send(pid, msg as never);
}

// ---- internals ------------------------------------------------------------------------------

/** The registered name of partition `i`: VM-wide, so any scheduler finds it. */
export function partitionName(registry: RegistrySpec, i: number): string {
  return `${registry.$registry}.partition.${i}`;
}

function partitionFor(registry: RegistrySpec, key: unknown, pid: AnyPid): number {
  if (registry.keys === 'duplicate') return pid % registry.partitions;
  return hash(keyId(key)) % registry.partitions;
}

/** FNV-1a: the same partition for the same key on every thread. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

async function registerPid(ctx: Ctx, registry: RegistrySpec, key: unknown, pid: AnyPid, value: unknown, where: string): Promise<void> {
  checkSpec(registry, where);
  const r = (await ask(ctx, registry, partitionFor(registry, key, pid), { type: 'register', key, pid, value })) as { ok: true } | { taken: AnyPid };
  if ('taken' in r) {
    throw new ExitError(
      'ERR_NAME_TAKEN',
      `${where}: ${registry.$registry} already has the key ${viaLabel({ via: registry, key }).slice(registry.$registry.length + 1)} (held by ${formatReason(r.taken)}): a unique registry holds one process per key`,
      { already_registered: r.taken },
    );
  }
}

async function resolveVia(ctx: Ctx, name: ViaName): Promise<AnyPid | undefined> {
  return whereis(ctx, name.via, name.key as never);
}

/** A lookup reads one partition for a unique key, every partition for a duplicate one. */
async function fromKeyPartitions(ctx: Ctx, registry: RegistrySpec, key: unknown, req: unknown): Promise<Entry[]> {
  checkSpec(registry, 'Registry');
  if (registry.keys === 'unique') return (await ask(ctx, registry, partitionFor(registry, key, 0), req)) as Entry[];
  return ((await askAll(ctx, registry, req)) as Entry[][]).flat();
}

type Req = { [K in keyof PartitionCalls]: { type: K } & (PartitionCalls[K] extends (r: infer R) => unknown ? R : {}) }[keyof PartitionCalls];

async function ask(ctx: Ctx, registry: RegistrySpec, i: number, req: unknown): Promise<unknown> {
  const name = partitionName(registry, i);
  if (ctx.whereis(name) === undefined) throw notRunning(registry);
  return call(ctx, name, req as Req);
}

/**
 * Asks every partition at once and waits for all the answers (in partition order): the
 * partitions work in parallel, on whatever schedulers they live on.
 */
async function askAll(ctx: Ctx, registry: RegistrySpec, req: unknown): Promise<unknown[]> {
  checkSpec(registry, 'Registry');
  const pending: { pid: AnyPid; ref: number }[] = [];
  for (let i = 0; i < registry.partitions; i++) {
    const pid = ctx.whereis(partitionName(registry, i));
    if (pid === undefined) {
      for (const p of pending) ctx.demonitor(p.ref, { flush: true });
      throw notRunning(registry);
    }
    const ref = ctx.monitor(pid);
    ctx.send(pid, { $gen: 'call', from: { pid: ctx.self, tag: ref }, request: req });
    pending.push({ pid, ref });
  }
  const out: unknown[] = [];
  for (const { ref } of pending) {
    const msg = await ctx.receive((m: unknown) => isReplyTo(m, ref) || isDownFor(m, ref), 5000);
    ctx.demonitor(ref, { flush: true });
    if (msg === TIMEOUT) throw new ExitError('ERR_CALL_TIMEOUT', `${registry.$registry}: a partition did not answer within 5000 ms`, 'timeout');
    if (!isReplyTo(msg, ref)) {
      const reason = (msg as { reason: ExitReason }).reason;
      throw new ExitError('ERR_CALL_EXIT', `${registry.$registry}: a partition exited during the request: ${formatReason(reason)}`, reason);
    }
    out.push(msg.reply);
  }
  return out;
}

function notRunning(registry: RegistrySpec): ExitError {
  return new ExitError(
    'ERR_NOPROC',
    `the registry ${JSON.stringify(registry.$registry)} is not running: start it with Registry.startLink(ctx, registry) or put Registry.childSpec(registry) in a supervisor`,
    'noproc',
  );
}

function checkSpec<R extends RegistrySpec>(registry: R, where: string): R {
  if (typeof registry !== 'object' || registry === null || typeof registry.$registry !== 'string') {
    throw new BeamError('ERR_INVALID_ARGUMENT', `${where} needs a registry made with Registry.define(name, { keys }), got ${describe(registry)}`);
  }
  return registry;
}

// Via names resolve through here (see via.ts). `ctx.send` and `GenServer.cast` by via name go
// through the key's partition, which forwards the message: they never wait, so they cannot look up first.
installViaResolver({
  whereis: resolveVia,
  register: (ctx, name, pid) => registerPid(ctx, name.via, name.key, pid, undefined, 'start'),
  forwarding: (name, msg) => ({
    partition: partitionName(name.via, partitionFor(name.via, name.key, 0)),
    msg: { $gen: 'cast', request: { forward: { key: name.key, msg } } },
  }),
});

export { partition as partitionDefinition };
