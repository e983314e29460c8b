import type { KV } from '@nats-io/kv';
import { SharedJson, growableBuffer } from './shared-json.js';

/**
 * This node's replica of the cluster's global name table (Erlang's `global` keeps one on every
 * node), in shared memory, so that `send({ global: name })` and `whereisGlobal` resolve at once
 * on any thread of the VM. The main thread's GlobalReplica keeps it up to date from a watch on
 * the JetStream KV bucket that is the authority (globals.ts); every other thread only reads.
 */
export class GlobalTable {
  private readonly cell: SharedJson<Map<string, number>>;

  /** Starts at 64 KiB of JSON, grows to 64 MiB (about a million names). */
  static create(): SharedArrayBuffer {
    return growableBuffer(SharedJson.bytesFor(64 * 1024), SharedJson.bytesFor(64 * 1024 * 1024));
  }

  constructor(readonly buffer: SharedArrayBuffer) {
    this.cell = new SharedJson(buffer, 0, undefined, (json) => new Map(json as [string, number][]), new Map());
  }

  /** The pid holding `name` as this node last heard, if any. */
  holder(name: string): number | undefined {
    return this.cell.read().get(name);
  }

  /** The main thread's replica only. */
  write(names: Map<string, number>): void {
    if (!this.cell.write([...names])) {
      process.emitWarning(`beamjs: the global name table outgrew its shared area (${names.size} names): sends by global name see the names of before`, { code: 'BEAMJS_GLOBALS_FULL' });
    }
  }
}

/** A stored name as the bucket holds it. */
export interface GlobalHolder {
  pid: number;
}

/** KV keys allow few characters: a name is stored under its base64url form. */
export const globalKey = (name: string): string => `g.${Buffer.from(name, 'utf8').toString('base64url') || '_'}`;
const nameOfKey = (key: string): string => (key === 'g._' ? '' : Buffer.from(key.slice(2), 'base64url').toString('utf8'));

/**
 * The writer of the node's GlobalTable, on the main thread: a KV watch on the global names
 * bucket applies every put and delete, in the bucket's order (a KV revision is the bucket
 * stream's sequence number, so "applied revision R" means "knows every change up to R").
 * `reached(R)` resolves once it has: the kernels use it to make `registerGlobal` synchronous
 * cluster-wide, as Erlang's `global:register_name` is (when it returns, every node up resolves
 * the name).
 */
export class GlobalReplica {
  private readonly names = new Map<string, number>();
  /** Per key, the last revision applied (deletes included), so an older entry never overwrites a newer one. */
  private readonly revisions = new Map<string, number>();
  private applied = 0;
  private waiters: { revision: number; resolve: () => void }[] = [];
  private writeQueued = false;
  private stopWatch: (() => void) | undefined;

  constructor(
    private readonly table: GlobalTable,
    private readonly kv: KV,
  ) {}

  /** Starts the watch; resolves once the names registered before are in (at most `timeoutMs`). */
  async start(timeoutMs: number): Promise<void> {
    const watch = await this.kv.watch({ key: 'g.>' });
    this.stopWatch = () => watch.stop();
    // The watch delivers each name's last entry: once the bucket's last one is in, all are.
    const status = await this.kv.status();
    const last = status.values === 0 ? 0 : status.streamInfo.state.last_seq;
    void (async () => {
      for await (const entry of watch) this.apply(entry.key, entry.operation === 'PUT' ? (entry.json() as GlobalHolder).pid : undefined, entry.revision);
    })().catch(() => {});
    await this.reached(last, timeoutMs);
  }

  stop(): void {
    this.stopWatch?.();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  /** Resolves once every change up to `revision` is in the table (or after `timeoutMs`: a node that cannot keep up is not waited for forever). */
  reached(revision: number, timeoutMs: number): Promise<void> {
    if (this.applied >= revision && !this.writeQueued) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push({ revision, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  private apply(key: string, pid: number | undefined, revision: number): void {
    this.applied = Math.max(this.applied, revision);
    if ((this.revisions.get(key) ?? 0) < revision) {
      this.revisions.set(key, revision);
      const name = nameOfKey(key);
      if (pid === undefined) this.names.delete(name);
      else this.names.set(name, pid);
    }
    // A burst of changes (the initial load) is one write of the table.
    if (!this.writeQueued) {
      this.writeQueued = true;
      queueMicrotask(this.publish);
    }
  }

  private readonly publish = (): void => {
    this.writeQueued = false;
    this.table.write(this.names);
    const ready = this.waiters.filter((w) => w.revision <= this.applied);
    this.waiters = this.waiters.filter((w) => w.revision > this.applied);
    for (const w of ready) w.resolve();
  };
}
