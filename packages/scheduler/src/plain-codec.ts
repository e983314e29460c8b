/**
 * The copy of a message that crosses threads through a signal ring (see signal-ring.ts):
 * plain data written straight into shared memory by the sender and read back as new objects
 * by the receiver. Serializing it *is* the copy, so a message that goes this way is copied
 * once, not deep-copied at the sender and structured-cloned again by `postMessage`.
 *
 * Same result as `deepCopy` (packages/runtime/src/copy.ts) for what it accepts: primitives
 * (numbers keep -0 and NaN), strings, arrays (holes stay holes), plain and null-prototype
 * objects (own enumerable keys, in order; they come out with Object.prototype, and an own
 * `__proto__` key stays an own key), and every object is written once, so shared references
 * and cycles come out as they went in. Anything else (Map, Date, typed arrays, bigint, class
 * instances, functions, sparse arrays, data nested deeper than MAX_DEPTH) makes `value`
 * throw NOT_PLAIN, and the caller sends the message the old way (`deepCopy`, then the port),
 * which also gives the typed error for a value that cannot be cloned at all.
 *
 * Wire format: one tag byte per value, then its payload, unaligned, little-endian.
 */
export const NOT_PLAIN: unique symbol = Symbol('not plain data');
/** The encoded value ran past the room it was given. */
export const NO_ROOM: unique symbol = Symbol('no room');

const UNDEFINED = 0;
const NULL = 1;
const FALSE = 2;
const TRUE = 3;
const INT32 = 4;
const FLOAT64 = 5;
const LATIN1 = 6;
const UTF16 = 7;
const ARRAY = 8;
const OBJECT = 9;
/** An object met before in this value: its index in the order objects were first written. */
const REF = 10;
/** An array element that is not there. */
const HOLE = 11;

const MAX_DEPTH = 64;
const hasOwn = Object.prototype.hasOwnProperty;
/** Strings up to this length are written char by char; longer ones by Buffer.write. */
const SHORT_STRING = 48;
// eslint-disable-next-line no-control-regex
const NOT_LATIN1 = /[^\x00-\xff]/;

/**
 * Writes values into a byte region of a (shared) buffer. One instance per buffer; `pos` is
 * where the next byte goes and `limit` where the room ends.
 */
export class PlainWriter {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly buf: Buffer;
  pos = 0;
  limit = 0;
  /**
   * Objects written so far in the current value, and their index (the order the reader meets
   * them). The root is put in only when the first nested object comes: a message that is one
   * object of primitives (most are) can hold no shared reference or cycle, and needs no map.
   */
  private readonly seen = new Map<object, number>();
  private root: object | undefined;

  constructor(buffer: ArrayBufferLike, byteOffset: number, byteLength: number) {
    this.bytes = new Uint8Array(buffer, byteOffset, byteLength);
    this.view = new DataView(buffer, byteOffset, byteLength);
    this.buf = Buffer.from(buffer as ArrayBuffer, byteOffset, byteLength);
  }

  /** Writes one whole value at `pos`; throws NOT_PLAIN or NO_ROOM (then what was written is garbage). */
  value(value: unknown): void {
    try {
      this.any(value, 0);
    } finally {
      this.root = undefined;
      if (this.seen.size > 0) this.seen.clear();
    }
  }

  private any(value: unknown, depth: number): void {
    switch (typeof value) {
      case 'number':
        if ((value | 0) === value && !(value === 0 && 1 / value < 0)) {
          this.room(5);
          this.bytes[this.pos] = INT32;
          this.view.setInt32(this.pos + 1, value, true);
          this.pos += 5;
        } else {
          this.room(9);
          this.bytes[this.pos] = FLOAT64;
          this.view.setFloat64(this.pos + 1, value, true);
          this.pos += 9;
        }
        return;
      case 'string':
        this.string(value);
        return;
      case 'boolean':
        this.room(1);
        this.bytes[this.pos++] = value ? TRUE : FALSE;
        return;
      case 'undefined':
        this.room(1);
        this.bytes[this.pos++] = UNDEFINED;
        return;
      case 'object':
        if (value === null) {
          this.room(1);
          this.bytes[this.pos++] = NULL;
          return;
        }
        if (depth >= MAX_DEPTH) throw NOT_PLAIN;
        if (depth === 0) {
          this.root = value;
        } else {
          if (this.seen.size === 0) this.seen.set(this.root!, 0);
          const index = this.seen.get(value);
          if (index !== undefined) {
            this.room(5);
            this.bytes[this.pos] = REF;
            this.view.setUint32(this.pos + 1, index, true);
            this.pos += 5;
            return;
          }
          this.seen.set(value, this.seen.size);
        }
        if (Array.isArray(value)) {
          const n = value.length;
          // A sparse array (deepCopy walks it by its keys) is rare: the old path.
          if (n > 1024 && !hasOwn.call(value, n - 1)) throw NOT_PLAIN;
          this.room(5);
          this.bytes[this.pos] = ARRAY;
          this.view.setUint32(this.pos + 1, n, true);
          this.pos += 5;
          for (let i = 0; i < n; i++) {
            const item = value[i];
            if (item === undefined && !hasOwn.call(value, i)) {
              this.room(1);
              this.bytes[this.pos++] = HOLE;
            } else this.any(item, depth + 1);
          }
          return;
        }
        this.object(value, depth);
        return;
      default:
        // bigint (structured clone keeps it; rare enough for the old path), symbol, function.
        throw NOT_PLAIN;
    }
  }

  private object(value: object, depth: number): void {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN;
    this.room(5);
    const at = this.pos;
    this.bytes[at] = OBJECT;
    this.pos += 5;
    let n = 0;
    for (const key in value) {
      if (!hasOwn.call(value, key)) continue;
      this.string(key);
      this.any((value as Record<string, unknown>)[key], depth + 1);
      n++;
    }
    this.view.setUint32(at + 1, n, true);
  }

  private string(s: string): void {
    const n = s.length;
    if (n <= SHORT_STRING) {
      this.room(5 + n);
      const start = this.pos + 5;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0xff) break;
        this.bytes[start + i] = c;
      }
      if (i === n) {
        this.bytes[this.pos] = LATIN1;
        this.view.setUint32(this.pos + 1, n, true);
        this.pos = start + n;
        return;
      }
    }
    if (n > SHORT_STRING && !NOT_LATIN1.test(s)) {
      this.room(5 + n);
      this.bytes[this.pos] = LATIN1;
      this.view.setUint32(this.pos + 1, n, true);
      this.buf.write(s, this.pos + 5, n, 'latin1');
      this.pos += 5 + n;
      return;
    }
    this.room(5 + 2 * n);
    this.bytes[this.pos] = UTF16;
    this.view.setUint32(this.pos + 1, n, true);
    this.buf.write(s, this.pos + 5, 2 * n, 'utf16le');
    this.pos += 5 + 2 * n;
  }

  float64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  byte(v: number): void {
    this.room(1);
    this.bytes[this.pos++] = v;
  }

  private room(n: number): void {
    if (this.pos + n > this.limit) throw NO_ROOM;
  }
}

/** Keys of up to 4 Latin-1 characters, by length and bytes (PlainReader.key); emptied when full. */
const shortKeys = new Map<number, string>();
const SHORT_KEYS_MAX = 4096;

/** Reads values written by PlainWriter from the same region. */
export class PlainReader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly buf: Buffer;
  pos = 0;
  /** Objects read so far in the current value, for REF. */
  private objects: object[] = [];

  constructor(buffer: ArrayBufferLike, byteOffset: number, byteLength: number) {
    this.bytes = new Uint8Array(buffer, byteOffset, byteLength);
    this.view = new DataView(buffer, byteOffset, byteLength);
    this.buf = Buffer.from(buffer as ArrayBuffer, byteOffset, byteLength);
  }

  /** Reads one whole value at `pos`. */
  value(): unknown {
    try {
      return this.any();
    } finally {
      if (this.objects.length > 0) this.objects = [];
    }
  }

  private any(): unknown {
    const tag = this.bytes[this.pos++];
    switch (tag) {
      case UNDEFINED:
        return undefined;
      case NULL:
        return null;
      case FALSE:
        return false;
      case TRUE:
        return true;
      case INT32: {
        const v = this.view.getInt32(this.pos, true);
        this.pos += 4;
        return v;
      }
      case FLOAT64: {
        const v = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case LATIN1:
      case UTF16:
        return this.stringBody(tag);
      case ARRAY: {
        const n = this.view.getUint32(this.pos, true);
        this.pos += 4;
        const out = new Array(n);
        this.objects.push(out);
        for (let i = 0; i < n; i++) {
          if (this.bytes[this.pos] === HOLE) this.pos++;
          else out[i] = this.any();
        }
        return out;
      }
      case OBJECT: {
        const n = this.view.getUint32(this.pos, true);
        this.pos += 4;
        const out: Record<string, unknown> = {};
        this.objects.push(out);
        for (let i = 0; i < n; i++) {
          const key = this.key(this.bytes[this.pos++]);
          const item = this.any();
          // `out.__proto__ = x` would set the prototype: an own key stays an own key.
          if (key === '__proto__') Object.defineProperty(out, key, { value: item, writable: true, enumerable: true, configurable: true });
          else out[key] = item;
        }
        return out;
      }
      case REF: {
        const index = this.view.getUint32(this.pos, true);
        this.pos += 4;
        return this.objects[index];
      }
      default:
        throw new Error(`beamjs: corrupt signal ring (tag ${tag} at ${this.pos - 1})`);
    }
  }

  /**
   * A key: the short Latin-1 ones (`t`, `type`, `from`...) come from a cache keyed by their
   * bytes, so every message gets the same string object for them, which V8 has already
   * internalized for property access, instead of a new string to build and look up.
   */
  private key(tag: number): string {
    const n = this.view.getUint32(this.pos, true);
    if (tag !== LATIN1 || n > 4) return this.stringBody(tag);
    const start = this.pos + 4;
    let packed = n;
    for (let i = 0; i < n; i++) packed = packed * 256 + this.bytes[start + i];
    let key = shortKeys.get(packed);
    if (key === undefined) {
      key = this.stringBody(tag);
      if (shortKeys.size >= SHORT_KEYS_MAX) shortKeys.clear();
      shortKeys.set(packed, key);
    } else {
      this.pos = start + n;
    }
    return key;
  }

  private stringBody(tag: number): string {
    const n = this.view.getUint32(this.pos, true);
    const start = this.pos + 4;
    if (tag === LATIN1) {
      this.pos = start + n;
      if (n > 16) return this.buf.toString('latin1', start, start + n);
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCharCode(this.bytes[start + i]);
      return s;
    }
    this.pos = start + 2 * n;
    return this.buf.toString('utf16le', start, start + 2 * n);
  }

  float64(): number {
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  byte(): number {
    return this.bytes[this.pos++];
  }
}
