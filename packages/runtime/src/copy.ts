import { UncloneableError } from './errors.js';

/**
 * Deep copy with structured-clone semantics, specialised for plain data.
 *
 * `structuredClone` costs about 1 us even for a tiny object, which would cap local messaging
 * far below what the scheduler can do. Messages are almost always primitives, arrays and
 * plain objects: those, and Map, Set, Date, ArrayBuffers and their views, are copied here
 * directly (several times faster); the rare rest (Error, RegExp, boxed primitives) is handed
 * to `structuredClone` for that sub-tree.
 *
 * The copy is what `structuredClone` gives for plain data, in time linear in the message's
 * size: every object is copied once, so shared references and cycles come out as they went
 * in (a DAG stays a DAG), holes stay holes (a sparse array costs its elements, not its
 * length), `-0` and `NaN` stay, and an own `__proto__` key stays an own key (never the copy's
 * prototype). Objects come out with `Object.prototype`, as from `structuredClone`.
 *
 * Differences from raw `structuredClone`, on purpose:
 * - an instance of a user class throws instead of silently becoming a plain object without
 *   its prototype or private fields;
 * - typed arrays and DataViews over a SharedArrayBuffer are shared (a new view on the same
 *   memory), as `postMessage` does between threads;
 * - a Node `Buffer` arrives as a `Uint8Array` over a copy of its own bytes only (not of the
 *   pool it may share with other Buffers): the same thing on every thread, as `postMessage`
 *   delivers it;
 * - named properties of an array (other than its elements) are not copied;
 * - nesting deeper than {@link MAX_MESSAGE_DEPTH} levels throws: `postMessage` serializes on the
 *   native stack and fails somewhere past ~1900 levels, so a deeper message would be accepted
 *   here and lost between threads. It fails at `send`, on every thread alike.
 */
export function deepCopy<T>(value: T): T {
  // Primitives are immutable: the fast path for most messages.
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function' || typeof value === 'symbol') throw uncloneable('msg', value);
    return value;
  }
  // No map of objects seen yet: most messages are one object of primitives, which can hold
  // no shared reference or cycle, and allocating the map was much of their cost. copyObject
  // makes it at the first member that is an object.
  return copyRoot(value, undefined) as T;
}

/**
 * A copy whose ArrayBuffers listed in `transfer` are moved instead of copied: they are
 * detached here and owned by the copy, in time independent of their size. Gives the copy and
 * the moved buffers (the transfer list for a `postMessage` that carries the copy further).
 * Nothing is detached unless the whole copy succeeds.
 */
export function deepCopyTransferring<T>(value: T, transfer: readonly ArrayBuffer[]): { value: T; transfer: ArrayBuffer[] } {
  checkTransferList(transfer);
  // First the checked copy, keeping the listed buffers themselves (views over them become
  // views over the same buffers); then one structured clone of that skeleton moves them.
  const seen = new Map<object, unknown>();
  for (const buffer of transfer) seen.set(buffer, buffer);
  const copy = typeof value === 'object' && value !== null ? copyRoot(value, seen) : deepCopy(value);
  const [moved, buffers] = structuredClone([copy, transfer], { transfer: transfer as ArrayBuffer[] });
  return { value: moved as T, transfer: buffers as ArrayBuffer[] };
}

function checkTransferList(transfer: readonly unknown[]): void {
  if (!Array.isArray(transfer)) throw new UncloneableError('transfer', `${String(transfer)} as the transfer list`, 'transfer is an array of ArrayBuffers.');
  const unique = new Set<unknown>();
  transfer.forEach((buffer, i) => {
    const at = `transfer[${i}]`;
    if (typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer) {
      throw new UncloneableError(at, 'a SharedArrayBuffer to transfer', 'A SharedArrayBuffer is always shared, never moved: pass it in the message and leave it out of transfer.');
    }
    if (!(buffer instanceof ArrayBuffer)) {
      throw new UncloneableError(at, `${describeValue(buffer)} to transfer`, 'Only ArrayBuffers can be transferred: list a typed array\'s .buffer, not the typed array.');
    }
    if (isDetached(buffer)) throw new UncloneableError(at, 'a detached ArrayBuffer to transfer', 'It was already transferred (or its memory released): send a live one.');
    if (unique.has(buffer)) throw new UncloneableError(at, 'the same ArrayBuffer twice to transfer', 'List each buffer once.');
    unique.add(buffer);
  });
}

/** The most levels of nesting a message may have (see deepCopy). */
export const MAX_MESSAGE_DEPTH = 1000;

/** Thrown while the copy unwinds past MAX_MESSAGE_DEPTH levels: turned into one error at the root (a path of 1000 steps helps nobody). */
const TOO_DEEP: unique symbol = Symbol('too deep');

/** Objects met so far and their copies (undefined at the root of a copy until it is needed). */
type Seen = Map<object, unknown>;

function copyRoot(value: object, seen: Seen | undefined): unknown {
  try {
    return copyObject(value, seen, 0);
  } catch (err) {
    if (err === TOO_DEEP) throw tooDeep(`more than ${MAX_MESSAGE_DEPTH} levels deep`);
    // The sender's own stack was already deep: the copy found no room to recurse.
    if (err instanceof RangeError && /call stack/i.test(err.message)) throw tooDeep('too deeply for the stack left at this point of the program');
    throw locate(err, 'msg');
  }
}

function tooDeep(how: string): UncloneableError {
  return new UncloneableError(
    'msg',
    `data nested ${how}`,
    `Messages cross threads through the structured clone serializer, which recurses on the native stack; a message may nest at most ${MAX_MESSAGE_DEPTH} levels (arrays, objects, Maps, Sets). Flatten deep structures, e.g. a long linked list into an array.`,
  );
}

function copyValue(value: unknown, seen: Map<object, unknown>, depth: number): unknown {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function' || typeof value === 'symbol') throw uncloneable('', value);
    return value;
  }
  const done = seen.get(value);
  if (done !== undefined) return done;
  // The root is level 0: a message holds at most MAX_MESSAGE_DEPTH objects on any path.
  if (depth + 1 >= MAX_MESSAGE_DEPTH) throw TOO_DEEP;
  return copyObject(value, seen, depth + 1);
}

const hasOwn = Object.prototype.hasOwnProperty;

/** A hole found this far from the end: the rest is walked by its keys, not its length (a[2**32-2] = 1). */
const SPARSE_AFTER = 64;

/**
 * Copies an object not seen yet; registers the copy before its contents, so cycles close.
 * `seen` is undefined only for the root: it is made, with the root in it, at the first member
 * that is an object (primitives need no registration).
 */
function copyObject(value: object, seen: Seen | undefined, depth: number): unknown {
  if (Array.isArray(value)) {
    const n = value.length;
    const out = new Array(n);
    seen?.set(value, out);
    let i = 0;
    try {
      for (; i < n; i++) {
        const item: unknown = value[i];
        if (item === undefined && !hasOwn.call(value, i)) {
          // A hole stays a hole. Far from the end, the array is sparse: copy what it holds.
          if (n - i > SPARSE_AFTER) {
            copySparseTail(value, out, i, (seen ??= seenFrom(value, out)), depth);
            break;
          }
          continue;
        }
        out[i] = isPrimitive(item) ? item : copyValue(item, (seen ??= seenFrom(value, out)), depth);
      }
    } catch (err) {
      throw locate(err, `[${i}]`);
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = {};
    seen?.set(value, out);
    let at = '';
    try {
      for (const key in value) {
        // for..in also walks inherited enumerable keys (a null-prototype object has none, but be exact).
        if (!hasOwn.call(value, key)) continue;
        at = key;
        const item = (value as Record<string, unknown>)[key];
        const copy = isPrimitive(item) ? item : copyValue(item, (seen ??= seenFrom(value, out)), depth);
        // `out.__proto__ = x` would set the copy's prototype: an own key must stay an own key.
        if (key === '__proto__') Object.defineProperty(out, key, { value: copy, writable: true, enumerable: true, configurable: true });
        else out[key] = copy;
      }
    } catch (err) {
      throw locate(err, /^[A-Za-z_$][\w$]*$/.test(at) ? `.${at}` : `[${JSON.stringify(at)}]`);
    }
    return out;
  }
  return copyBuiltin(value, proto, seen ?? new Map(), depth);
}

/** The map of objects seen, made when the root (`value`, copied as `out`) meets its first member that is an object. */
function seenFrom(value: object, out: unknown): Seen {
  const seen: Seen = new Map();
  seen.set(value, out);
  return seen;
}

/** Copied as it is: not an object, and not a function or symbol (which cannot be sent: copyValue says so). */
function isPrimitive(value: unknown): boolean {
  if (value === null) return true;
  const type = typeof value;
  return type !== 'object' && type !== 'function' && type !== 'symbol';
}

/** The elements of a sparse array from index `from` on, by its own keys (ascending for indices). */
function copySparseTail(value: unknown[], out: unknown[], from: number, seen: Map<object, unknown>, depth: number): void {
  let key = '';
  try {
    for (key of Object.keys(value)) {
      const index = Number(key);
      // Named properties come after the indices; only elements are copied (see deepCopy).
      if (!(index >= from && String(index) === key && index < 2 ** 32 - 1)) continue;
      out[index] = copyValue(value[index], seen, depth);
    }
  } catch (err) {
    throw locate(err, `[${key}]`);
  }
}

const TYPED_ARRAYS: ReadonlySet<unknown> = new Set<unknown>([
  Int8Array.prototype,
  Uint8Array.prototype,
  Uint8ClampedArray.prototype,
  Int16Array.prototype,
  Uint16Array.prototype,
  Int32Array.prototype,
  Uint32Array.prototype,
  Float32Array.prototype,
  Float64Array.prototype,
  BigInt64Array.prototype,
  BigUint64Array.prototype,
]);

/** Built-ins that `structuredClone` copies well and messages rarely hold. */
const CLONED_BY_PLATFORM: ReadonlySet<unknown> = new Set<unknown>([
  RegExp.prototype,
  Boolean.prototype,
  Number.prototype,
  String.prototype,
  BigInt.prototype,
  Error.prototype,
  EvalError.prototype,
  RangeError.prototype,
  ReferenceError.prototype,
  SyntaxError.prototype,
  TypeError.prototype,
  URIError.prototype,
]);

const NODE_BUFFER: unknown = (globalThis as { Buffer?: { prototype: unknown } }).Buffer?.prototype;
const SHARED: unknown = typeof SharedArrayBuffer === 'undefined' ? undefined : SharedArrayBuffer.prototype;

function copyBuiltin(value: object, proto: unknown, seen: Map<object, unknown>, depth: number): unknown {
  if (proto === Map.prototype) {
    const out = new Map();
    seen.set(value, out);
    let i = 0;
    for (const [key, item] of value as Map<unknown, unknown>) {
      let k: unknown;
      try {
        k = copyValue(key, seen, depth);
      } catch (err) {
        throw locate(err, `.keys()[${i}]`);
      }
      try {
        out.set(k, copyValue(item, seen, depth));
      } catch (err) {
        throw locate(err, `.get(${typeof key === 'string' || typeof key === 'number' ? JSON.stringify(key) : `<key ${i}>`})`);
      }
      i++;
    }
    return out;
  }
  if (proto === Set.prototype) {
    const out = new Set();
    seen.set(value, out);
    let i = 0;
    try {
      for (const item of value as Set<unknown>) {
        out.add(copyValue(item, seen, depth));
        i++;
      }
    } catch (err) {
      throw locate(err, `.values()[${i}]`);
    }
    return out;
  }
  if (proto === Date.prototype) {
    const out = new Date((value as Date).getTime());
    seen.set(value, out);
    return out;
  }
  if (TYPED_ARRAYS.has(proto) || proto === DataView.prototype || (proto === NODE_BUFFER && NODE_BUFFER !== undefined)) {
    const out = copyView(value as ArrayBufferView, proto, seen);
    seen.set(value, out);
    return out;
  }
  if (proto === ArrayBuffer.prototype || (proto === SHARED && SHARED !== undefined)) {
    const out = copyBuffer(value as ArrayBuffer, seen);
    seen.set(value, out);
    return out;
  }
  if (!CLONED_BY_PLATFORM.has(proto)) throw uncloneable('', value);
  try {
    const out = structuredClone(value);
    seen.set(value, out);
    return out;
  } catch (err) {
    // e.g. an Error whose cause is a function.
    const inner = new UncloneableError('', `a ${(proto as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'value'} holding uncloneable data`);
    (inner as { cause?: unknown }).cause = err;
    throw inner;
  }
}

/** A SharedArrayBuffer is shared (the same memory); an ArrayBuffer is copied, once per message. */
function copyBuffer(buffer: ArrayBuffer, seen: Map<object, unknown>): ArrayBuffer {
  const done = seen.get(buffer);
  if (done !== undefined) return done as ArrayBuffer;
  let out: ArrayBuffer;
  if (SHARED !== undefined && Object.getPrototypeOf(buffer) === SHARED) out = buffer;
  else if (isDetached(buffer)) throw new UncloneableError('', 'a detached ArrayBuffer', 'It was transferred away (or its memory released): it holds no data to send.');
  // A resizable buffer keeps its maximum size, as with structuredClone.
  else if ((buffer as { resizable?: boolean }).resizable) out = structuredClone(buffer);
  else out = buffer.slice(0);
  seen.set(buffer, out);
  return out;
}

/**
 * A view over a copy of its buffer (shared: over the same SharedArrayBuffer). Views on one
 * buffer stay views on one buffer. A Node Buffer becomes a Uint8Array over a copy of its own
 * bytes, not of the pool behind it, which holds other Buffers' data.
 */
function copyView(view: ArrayBufferView, proto: unknown, seen: Map<object, unknown>): ArrayBufferView {
  const source = view.buffer as ArrayBuffer;
  if (proto === NODE_BUFFER && seen.get(source) === undefined && Object.getPrototypeOf(source) !== SHARED) {
    if (isDetached(source)) throw new UncloneableError('', 'a Buffer over a detached ArrayBuffer', 'Its memory was transferred away: it holds no data to send.');
    return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
  }
  const buffer = copyBuffer(source, seen);
  if (proto === DataView.prototype) return new DataView(buffer, view.byteOffset, view.byteLength);
  const Ctor = proto === NODE_BUFFER ? Uint8Array : ((proto as { constructor: new (b: ArrayBuffer, o: number, l: number) => ArrayBufferView }).constructor);
  return new Ctor(buffer, view.byteOffset, (view as Uint8Array).length);
}

function isDetached(buffer: ArrayBuffer): boolean {
  const detached = (buffer as { detached?: boolean }).detached;
  if (detached !== undefined) return detached;
  // Node 20 has no `detached`: a detached buffer is empty and cannot be sliced.
  if (buffer.byteLength !== 0) return false;
  try {
    buffer.slice(0);
    return false;
  } catch {
    return true;
  }
}

/** Builds the error's path on the way out, so the copy never concatenates strings. */
function locate(err: unknown, step: string): unknown {
  if (err instanceof UncloneableError) err.prepend(step);
  return err;
}

function uncloneable(path: string, value: unknown): UncloneableError {
  if (typeof value === 'function') {
    return new UncloneableError(path, `a function (${value.name || 'anonymous'})`);
  }
  if (typeof value === 'symbol') return new UncloneableError(path, `a symbol (${value.toString()})`);
  if (ArrayBuffer.isView(value)) {
    return new UncloneableError(
      path,
      `${describeValue(value)} (binary data in a subclass)`,
      'Send the bytes as a plain typed array over the same memory, e.g. new Uint8Array(value.buffer, value.byteOffset, value.byteLength), or an ArrayBuffer (a Node Buffer is accepted and arrives as a Uint8Array).',
    );
  }
  return new UncloneableError(path, describeValue(value));
}

function describeValue(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  const name = Object.getPrototypeOf(value)?.constructor?.name;
  return name ? `an instance of class ${name}` : 'an exotic object';
}

/** True when `value` can be sent: the check `send` does, without keeping the copy. */
export function isCloneable(value: unknown): boolean {
  try {
    deepCopy(value);
    return true;
  } catch {
    return false;
  }
}
