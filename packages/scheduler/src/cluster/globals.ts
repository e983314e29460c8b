import { creationOf } from '@beamjs/runtime';
import type { KV } from '@nats-io/kv';
import { globalKey as keyOf, type GlobalHolder as Holder } from './global-table.js';

/**
 * Cluster-wide names (Erlang's `global`), in a JetStream KV bucket: registering is
 * create-if-absent, so of two nodes racing for a name exactly one wins; a name whose holder is
 * dead (its process exited, or its node is down) counts as free and is taken over with
 * compare-and-set. The holder's node deletes the name when the holder exits; when a node goes
 * down, the others delete its names.
 */
export class GlobalNames {
  constructor(
    private readonly kv: KV,
    /** Whether a pid's process may be alive (local: the directory; remote: its node is up). */
    private readonly alive: (pid: number) => boolean,
  ) {}

  /** The name's KV revision once registered (the holder's node deletes exactly that one when it exits), or undefined if a live process holds it. */
  async register(name: string, pid: number): Promise<number | undefined> {
    const key = keyOf(name);
    const value = JSON.stringify({ pid } satisfies Holder);
    for (;;) {
      try {
        return await this.kv.create(key, value);
      } catch {
        // taken, or was
      }
      const entry = await this.kv.get(key);
      if (entry === null || entry.operation !== 'PUT') continue;
      const holder = (entry.json() as Holder).pid;
      if (holder === pid) return entry.revision;
      if (this.alive(holder)) return undefined;
      try {
        return await this.kv.update(key, value, entry.revision);
      } catch {
        // someone else took it over: look again
      }
    }
  }

  /** Removes the name (only the registration at `revision`, when given: a later holder's stays). */
  async unregister(name: string, revision?: number): Promise<void> {
    await this.kv.delete(keyOf(name), revision === undefined ? undefined : { previousSeq: revision }).catch(() => {});
  }

  /** The bucket's last revision (a deletion's revision is not returned by the KV client: this one is at least that). */
  async lastRevision(): Promise<number> {
    return (await this.kv.status()).streamInfo.state.last_seq;
  }

  /** Deletes the names held by processes of node `creation` (it went down). */
  async releaseNode(creation: number): Promise<void> {
    const keys = await this.kv.keys();
    for await (const key of keys) {
      const entry = await this.kv.get(key);
      if (entry === null || entry.operation !== 'PUT') continue;
      if (creationOf((entry.json() as Holder).pid) === creation) await this.kv.delete(key, { previousSeq: entry.revision }).catch(() => {});
    }
  }
}
