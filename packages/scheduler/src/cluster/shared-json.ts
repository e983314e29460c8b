/**
 * A JSON value in shared memory: one thread writes it (the main thread's membership or global
 * name replica), every thread of the VM reads it at once, without asking anyone. A seqlock:
 * the version is odd while a write is in progress, and a reader whose copy straddled a write
 * (the version moved) reads again. Readers decode only when the version changed.
 *
 * Layout at `offset`: Int32 version, Int32 byte length, then the UTF-8 JSON. On a growable
 * SharedArrayBuffer the area grows with the value (up to the buffer's maxByteLength).
 */
/** ES2024's growable SharedArrayBuffer (Node 20 has it; the project's lib is ES2023). */
type Growable = SharedArrayBuffer & { readonly growable: boolean; readonly maxByteLength: number; grow(bytes: number): void };

/** A SharedArrayBuffer of `bytes` that can grow to `maxBytes` (only the bytes in use are committed). */
export function growableBuffer(bytes: number, maxBytes: number): SharedArrayBuffer {
  return new (SharedArrayBuffer as unknown as new (bytes: number, options: { maxByteLength: number }) => SharedArrayBuffer)(bytes, { maxByteLength: maxBytes });
}

export class SharedJson<T> {
  private readonly header: Int32Array;
  private readonly bytes: Uint8Array;
  private cachedVersion = -1;
  private cached: T;

  /** The bytes a value of `capacity` JSON bytes needs (header included). */
  static bytesFor(capacity: number): number {
    return 8 + capacity;
  }

  constructor(
    private readonly buffer: SharedArrayBuffer,
    private readonly offset: number,
    /** JSON bytes room; undefined: up to the end of the (growable) buffer. */
    capacity: number | undefined,
    private readonly decode: (json: unknown) => T,
    empty: T,
  ) {
    this.header = new Int32Array(buffer, offset, 2);
    // Without a length, a view of a growable buffer tracks its growth.
    this.bytes = capacity === undefined ? new Uint8Array(buffer, offset + 8) : new Uint8Array(buffer, offset + 8, capacity);
    this.cached = empty;
  }

  read(): T {
    for (;;) {
      const version = Atomics.load(this.header, 0);
      if (version === this.cachedVersion) return this.cached;
      if (version & 1) continue;
      const length = Atomics.load(this.header, 1);
      const text = length === 0 ? '' : new TextDecoder().decode(this.bytes.slice(0, length));
      if (Atomics.load(this.header, 0) !== version) continue;
      this.cached = length === 0 ? this.cached : this.decode(JSON.parse(text));
      this.cachedVersion = version;
      return this.cached;
    }
  }

  /** Encodes `value`; false (nothing written) if it does not fit, even after growing the buffer. */
  write(value: unknown): boolean {
    const encoded = new TextEncoder().encode(JSON.stringify(value));
    if (encoded.length > this.bytes.length) {
      const buffer = this.buffer as Growable;
      const needed = this.offset + 8 + encoded.length;
      if (!buffer.growable || needed > buffer.maxByteLength) return false;
      // Grows by half again, so that a table that grows name by name does not grow each time.
      buffer.grow(Math.min(buffer.maxByteLength, Math.max(needed, Math.ceil(buffer.byteLength * 1.5))));
    }
    Atomics.add(this.header, 0, 1);
    this.bytes.set(encoded);
    Atomics.store(this.header, 1, encoded.length);
    Atomics.add(this.header, 0, 1);
    return true;
  }
}
