import { MAX_CREATION } from '@beamjs/runtime';
import { SharedJson } from './shared-json.js';

/**
 * Which cluster nodes this node sees up, in shared memory, so that every thread of the VM
 * answers `ctx.nodes()`, `ctx.isAlive(remotePid)` and `nodeOf(pid)` at once, without asking the
 * main thread. Only the main thread's membership (membership.ts) writes it.
 *
 * Layout: Int32 `state[creation]` (UNKNOWN / UP / DOWN) for every creation, then a shared
 * JSON list (shared-json.ts) of `[creation, name]` for the creations ever seen (names change
 * rarely: readers decode the list only when it changed).
 */
const UNKNOWN = 0;
const UP = 1;
const DOWN = 2;
const NAMES_BYTES = 256 * 1024;

export class NodeTable {
  private readonly state: Int32Array;
  private readonly nameList: SharedJson<Map<number, string>>;

  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer(4 * (MAX_CREATION + 1) + SharedJson.bytesFor(NAMES_BYTES));
  }

  constructor(readonly buffer: SharedArrayBuffer) {
    this.state = new Int32Array(buffer, 0, MAX_CREATION + 1);
    this.nameList = new SharedJson(buffer, 4 * (MAX_CREATION + 1), NAMES_BYTES, (json) => new Map(json as [number, string][]), new Map());
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

  /** Creations of the nodes up now, this one excluded. */
  upCreations(self: number): number[] {
    return [...this.names().keys()].filter((creation) => creation !== self && this.isUp(creation));
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
    return this.nameList.read();
  }

  private writeNames(names: Map<number, string>): void {
    // Creations seen long ago and down now are forgotten first if the list outgrows its area.
    const entries = [...names];
    while (!this.nameList.write(entries) && entries.length > 0) {
      const stale = entries.findIndex(([creation]) => !this.isUp(creation));
      entries.splice(stale === -1 ? 0 : stale, 1);
    }
  }
}
