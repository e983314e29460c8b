import { BeamError, type NameRegistry } from '@beamjs/runtime';

/**
 * Registered names, shared by every thread: an open-addressing hash table in a
 * SharedArrayBuffer, so `whereis` is a synchronous read on any thread (as in Erlang).
 *
 * Layout: control Int32 [LOCK, COUNT]; then ENTRIES entries of 144 bytes:
 *   Int32 state (EMPTY / USED / DELETED), Int32 name length, Float64 pid, Uint16 x 64 name.
 * Every operation (reads included) holds LOCK, a spinlock taken with compareExchange; the
 * critical sections are a few dozen instructions, so threads never wait long. Names are at
 * most 64 UTF-16 units; the table holds 4096 names.
 */
const LOCK = 0;
const COUNT = 1;
const ENTRIES = 4096;
const ENTRY_BYTES = 144;
const MAX_NAME = 64;
const EMPTY = 0;
const USED = 1;
const DELETED = 2;

export class SharedNames implements NameRegistry {
  private readonly control: Int32Array;
  private readonly ints: Int32Array;
  private readonly floats: Float64Array;
  private readonly chars: Uint16Array;

  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer(64 + ENTRIES * ENTRY_BYTES);
  }

  constructor(readonly buffer: SharedArrayBuffer) {
    this.control = new Int32Array(buffer, 0, 16);
    this.ints = new Int32Array(buffer, 64);
    this.floats = new Float64Array(buffer, 64);
    this.chars = new Uint16Array(buffer, 64);
  }

  register(name: string, pid: number): boolean {
    checkName(name);
    return this.locked(() => {
      if (this.find(name) >= 0) return false;
      if (Atomics.load(this.control, COUNT) >= ENTRIES * 0.75) {
        throw new BeamError('ERR_INVALID_NAME', `cannot register ${JSON.stringify(name)}: the name table is full (${ENTRIES * 0.75} names)`);
      }
      let e = hash(name) & (ENTRIES - 1);
      while (this.ints[(e * ENTRY_BYTES) / 4] === USED) e = (e + 1) & (ENTRIES - 1);
      const base = e * ENTRY_BYTES;
      this.ints[base / 4 + 1] = name.length;
      this.floats[base / 8 + 1] = pid;
      for (let i = 0; i < name.length; i++) this.chars[base / 2 + 8 + i] = name.charCodeAt(i);
      this.ints[base / 4] = USED;
      Atomics.add(this.control, COUNT, 1);
      return true;
    });
  }

  whereis(name: string): number | undefined {
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME) return undefined;
    return this.locked(() => {
      const e = this.find(name);
      return e < 0 ? undefined : this.floats[(e * ENTRY_BYTES) / 8 + 1];
    });
  }

  unregister(name: string, pid?: number): void {
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME) return;
    this.locked(() => {
      const e = this.find(name);
      if (e < 0) return;
      const base = e * ENTRY_BYTES;
      if (pid !== undefined && this.floats[base / 8 + 1] !== pid) return;
      this.ints[base / 4] = DELETED;
      Atomics.sub(this.control, COUNT, 1);
    });
  }

  /** The name registered for `pid`: a scan of the table (only registering another thread's process asks). */
  nameOf(pid: number): string | undefined {
    return this.locked(() => {
      for (let e = 0; e < ENTRIES; e++) {
        const base = e * ENTRY_BYTES;
        if (this.ints[base / 4] === USED && this.floats[base / 8 + 1] === pid) return this.nameAt(e);
      }
      return undefined;
    });
  }

  names(): string[] {
    return this.locked(() => {
      const out: string[] = [];
      for (let e = 0; e < ENTRIES; e++) if (this.ints[(e * ENTRY_BYTES) / 4] === USED) out.push(this.nameAt(e));
      return out;
    });
  }

  /** Removes every name whose pid fails `alive` (after a scheduler died with its processes). */
  sweep(alive: (pid: number) => boolean): void {
    this.locked(() => {
      for (let e = 0; e < ENTRIES; e++) {
        const base = e * ENTRY_BYTES;
        if (this.ints[base / 4] === USED && !alive(this.floats[base / 8 + 1])) {
          this.ints[base / 4] = DELETED;
          Atomics.sub(this.control, COUNT, 1);
        }
      }
    });
  }

  private nameAt(e: number): string {
    const base = e * ENTRY_BYTES;
    const length = this.ints[base / 4 + 1];
    return String.fromCharCode(...this.chars.subarray(base / 2 + 8, base / 2 + 8 + length));
  }

  /** Entry index holding `name`, or -1. Call with the lock held. */
  private find(name: string): number {
    let e = hash(name) & (ENTRIES - 1);
    for (let probes = 0; probes < ENTRIES; probes++, e = (e + 1) & (ENTRIES - 1)) {
      const base = e * ENTRY_BYTES;
      const state = this.ints[base / 4];
      if (state === EMPTY) return -1;
      if (state === USED && this.ints[base / 4 + 1] === name.length && this.sameName(base, name)) return e;
    }
    return -1;
  }

  private sameName(base: number, name: string): boolean {
    const at = base / 2 + 8;
    for (let i = 0; i < name.length; i++) if (this.chars[at + i] !== name.charCodeAt(i)) return false;
    return true;
  }

  private locked<T>(fn: () => T): T {
    while (Atomics.compareExchange(this.control, LOCK, 0, 1) !== 0) {
      // Held by another thread for a few instructions: spin.
    }
    try {
      return fn();
    } finally {
      Atomics.store(this.control, LOCK, 0);
    }
  }
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME) {
    throw new BeamError('ERR_INVALID_NAME', `a registered name is a string of 1 to ${MAX_NAME} characters, got ${typeof name === 'string' ? JSON.stringify(name) : typeof name}`);
  }
}

function hash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
