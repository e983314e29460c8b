import { isExitMessage } from '../reasons.js';
import type { AnyPid } from '../pid.js';
import { define } from './gen-server-loop.js';
import { matchesPattern } from './plain.js';
import type { RegistrySpec } from './via.js';

/**
 * One partition of a Registry: a GenServer that owns the entries of some keys (unique
 * registries: by a hash of the key) or of some processes (duplicate registries: by pid), as
 * Elixir's Registry partitions do. Its state is plain data, so it migrates like any GenServer.
 *
 * As in Elixir, a registered process is *linked* to the partition, and the partition traps
 * exits: a process that dies takes its entries with it (its EXIT reaches the partition, which
 * removes them), and a partition that dies takes its registered processes with it, so nobody
 * is left believing it holds a key that the restarted partition no longer has.
 */

export type Entry<V = unknown> = [pid: AnyPid, value: V];

interface KeyEntries {
  key: unknown;
  entries: Entry[];
}

export interface PartitionState {
  spec: RegistrySpec;
  /** keyId -> the key and its entries (one for a unique key, any number for a duplicate one). */
  byKey: Record<string, KeyEntries>;
  /** pid -> the keyIds it holds here (with repeats for a duplicate key registered twice). */
  byPid: Record<number, string[]>;
}

export interface PartitionCalls {
  register(req: { key: unknown; pid: AnyPid; value: unknown }): { ok: true } | { taken: AnyPid };
  unregister(req: { key: unknown; pid: AnyPid }): 'ok';
  unregisterMatch(req: { key: unknown; pid: AnyPid; pattern: unknown }): 'ok';
  updateValue(req: { key: unknown; pid: AnyPid; value: unknown }): { ok: unknown } | 'not_owner';
  lookup(req: { key: unknown }): Entry[];
  match(req: { key: unknown; pattern: unknown }): Entry[];
  keys(req: { pid: AnyPid }): unknown[];
  count(): number;
}

/** The cast that `send` by via name and `GenServer.cast` use: deliver to the key's holder. */
export interface ForwardCast {
  forward: { key: unknown; msg: unknown };
}

/** A key as a string that is the same for equal plain data (object fields sorted). */
export function keyId(key: unknown): string {
  return JSON.stringify(key, (_k, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  ) ?? String(key);
}

export const partition = define<{
  state: PartitionState;
  args: [spec: RegistrySpec];
  calls: PartitionCalls;
  cast: ForwardCast;
  info: unknown;
}>(import.meta.url, 'registryPartition', {
  init: (ctx, spec) => {
    ctx.trapExit(true);
    return { ok: { spec, byKey: {}, byPid: {} } };
  },
  handleCall: {
    register: (ctx, { key, pid, value }, _from, s) => {
      const id = keyId(key);
      const held = s.byKey[id];
      if (s.spec.keys === 'unique' && held && held.entries.length > 0) {
        const holder = held.entries[0]![0];
        // Its EXIT may still be on the way: a dead holder does not keep the key.
        if (ctx.isAlive(holder)) return { reply: { taken: holder }, state: s };
        drop(s, holder);
      }
      if (!ctx.isAlive(pid)) return { reply: { ok: true }, state: s };
      if (s.byPid[pid] === undefined) {
        s.byPid[pid] = [];
        ctx.link(pid);
      }
      s.byPid[pid]!.push(id);
      (s.byKey[id] ??= { key, entries: [] }).entries.push([pid, value]);
      return { reply: { ok: true }, state: s };
    },
    unregister: (ctx, { key, pid }, _from, s) => {
      remove(ctx, s, keyId(key), pid, () => true);
      return { reply: 'ok', state: s };
    },
    unregisterMatch: (ctx, { key, pid, pattern }, _from, s) => {
      remove(ctx, s, keyId(key), pid, (v) => matchesPattern(v, pattern));
      return { reply: 'ok', state: s };
    },
    updateValue: (_ctx, { key, pid, value }, _from, s) => {
      const entry = s.byKey[keyId(key)]?.entries.find(([p]) => p === pid);
      if (!entry) return { reply: 'not_owner', state: s };
      entry[1] = value;
      return { reply: { ok: value }, state: s };
    },
    lookup: (_ctx, { key }, _from, s) => ({ reply: s.byKey[keyId(key)]?.entries ?? [], state: s }),
    match: (_ctx, { key, pattern }, _from, s) => ({
      reply: (s.byKey[keyId(key)]?.entries ?? []).filter(([, v]) => matchesPattern(v, pattern)),
      state: s,
    }),
    keys: (_ctx, { pid }, _from, s) => ({ reply: (s.byPid[pid] ?? []).map((id) => s.byKey[id]!.key), state: s }),
    count: (_ctx, _req, _from, s) => ({ reply: Object.values(s.byKey).reduce((n, k) => n + k.entries.length, 0), state: s }),
  },
  handleCast: (ctx, { forward }, s) => {
    const holder = s.byKey[keyId(forward.key)]?.entries[0]?.[0];
    if (holder !== undefined) ctx.send(holder, forward.msg as never);
    return { noreply: true, state: s };
  },
  handleInfo: (_ctx, msg, s) => {
    // A registered process exited: its keys go (the supervisor's EXIT stops us in GenServer).
    if (isExitMessage(msg)) drop(s, msg.from);
    return { noreply: true, state: s };
  },
});

/** Removes the entries of `pid` under `id` whose value passes `keep`; unlinks a pid left with no keys. */
function remove(ctx: { unlink(pid: AnyPid): void }, s: PartitionState, id: string, pid: AnyPid, which: (value: unknown) => boolean): void {
  const k = s.byKey[id];
  const ids = s.byPid[pid];
  if (!k || !ids) return;
  const before = k.entries.length;
  k.entries = k.entries.filter(([p, v]) => p !== pid || !which(v));
  let removed = before - k.entries.length;
  if (k.entries.length === 0) delete s.byKey[id];
  s.byPid[pid] = ids.filter((x) => x !== id || removed-- <= 0);
  if (s.byPid[pid]!.length === 0) {
    delete s.byPid[pid];
    ctx.unlink(pid);
  }
}

/** Every entry of `pid` goes (it exited). */
function drop(s: PartitionState, pid: AnyPid): void {
  for (const id of new Set(s.byPid[pid] ?? [])) {
    const k = s.byKey[id];
    if (!k) continue;
    k.entries = k.entries.filter(([p]) => p !== pid);
    if (k.entries.length === 0) delete s.byKey[id];
  }
  delete s.byPid[pid];
}
