import { MAX_CREATION } from '@beamjs/runtime';

/**
 * Which cluster nodes this node sees up, in shared memory, so that every thread of the VM
 * answers `ctx.nodes()`, `ctx.isAlive(remotePid)` and `nodeOf(pid)` at once, without asking the
 * main thread. Only the main thread's membership (membership.ts) writes it.
 *
 * Layout: Int32 `state[creation]` (UNKNOWN / UP / DOWN) for every creation, then a seqlock'd
 * JSON list of `[creation, name]` for the creations ever seen (names change rarely: readers
 * cache the decoded list by version).
 */
const UNKNOWN = 0;
const UP = 1;
const DOWN = 2;
const NAMES_BYTES = 256 * 1024;

export class NodeTable {
  private readonly state: Int32Array;
  /** [0]: version (odd while being written), [1]: byte length of the JSON. */
  private readonly header: Int32Array;
  private readonly bytes: Uint8Array;
  private cachedVersion = -1;
  private cached = new Map<number, string>();

  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer(4 * (MAX_CREATION + 1) + 8 + NAMES_BYTES);
  }

  constructor(readonly buffer: SharedArrayBuffer) {
    this.state = new Int32Array(buffer, 0, MAX_CREATION + 1);
    this.header = new Int32Array(buffer, 4 * (MAX_CREATION + 1), 2);
    this.bytes = new Uint8Array(buffer, 4 * (MAX_CREATION + 1) + 8, NAMES_BYTES);
  }

  isUp(creation: number): boolean {
    return creation >= 0 && creation <= MAX_CREATION && Atomics.load(this.state, creation) === UP;
  }

  /** Names of the nodes up now, this one excluded (Erlang's `nodes()`). */
  upNames(self: number): string[] {
    const names: string[] = [];
    for (const [creation, name] of this.names()) if (creation !== self && this.isUp(creation)) names.push(name);
    return names.sort();
  }

  /** The creation of the node up now under `name`, if any. */
  creationOfName(name: string): number | undefined {
    for (const [creation, known] of this.names()) if (known === name && this.isUp(creation)) return creation;
    return undefined;
  }

  nameOf(creation: number): string | undefined {
    return this.names().get(creation);
  }

  // ---- writers (the main thread's membership only) ---------------------------------------------

  markUp(creation: number, name: string): void {
    if (this.names().get(creation) !== name) this.writeNames(new Map(this.names()).set(creation, name));
    Atomics.store(this.state, creation, UP);
  }

  markDown(creation: number): void {
    if (Atomics.load(this.state, creation) === UP) Atomics.store(this.state, creation, DOWN);
  }

  private names(): Map<number, string> {
    for (;;) {
      const version = Atomics.load(this.header, 0);
      if (version === this.cachedVersion) return this.cached;
      if (version & 1) continue;
      const length = Atomics.load(this.header, 1);
      const text = new TextDecoder().decode(this.bytes.slice(0, length));
      if (Atomics.load(this.header, 0) !== version) continue;
      this.cached = new Map(length === 0 ? [] : (JSON.parse(text) as [number, string][]));
      this.cachedVersion = version;
      return this.cached;
    }
  }

  private writeNames(names: Map<number, string>): void {
    // Creations seen long ago and down now are forgotten first if the list outgrows its area.
    let entries = [...names];
    let encoded = new TextEncoder().encode(JSON.stringify(entries));
    while (encoded.length > NAMES_BYTES && entries.length > 0) {
      const stale = entries.findIndex(([creation]) => !this.isUp(creation));
      entries.splice(stale === -1 ? 0 : stale, 1);
      encoded = new TextEncoder().encode(JSON.stringify(entries));
    }
    Atomics.add(this.header, 0, 1);
    this.bytes.set(encoded);
    Atomics.store(this.header, 1, encoded.length);
    Atomics.add(this.header, 0, 1);
  }
}
