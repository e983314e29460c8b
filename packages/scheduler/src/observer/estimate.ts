/**
 * A process's memory, estimated: V8 cannot tell how much of the heap one process holds, so
 * the observer walks its state and mailbox with V8's usual object sizes (on a 64-bit build
 * with pointer compression). The walk is bounded (a huge state costs a bounded time; what is
 * left unvisited is extrapolated from the average so far), shared structure is counted once,
 * and the numbers are for comparing processes, not for accounting.
 */

/** The process object, its mailbox and bookkeeping, with nothing in them. */
export const PROCESS_BASE_BYTES = 400;
const HEADER = 16;
const SLOT = 8;
/** Values visited per estimate; the rest is extrapolated. */
const DEFAULT_BUDGET = 2000;

export function estimateBytes(value: unknown, budget = DEFAULT_BUDGET): number {
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  let bytes = 0;
  let visited = 0;
  let pending = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    if (visited >= budget) {
      pending = stack.length + 1;
      break;
    }
    visited++;
    bytes += sizeOfOne(v, stack, seen);
  }
  return Math.round(bytes + (pending > 0 ? (bytes / visited) * pending : 0));
}

/** The size of `v` itself; its children go on `stack`. */
function sizeOfOne(v: unknown, stack: unknown[], seen: Set<object>): number {
  switch (typeof v) {
    case 'string':
      // One byte a character for Latin-1 strings, two otherwise; checking costs more than it tells.
      return HEADER + v.length;
    case 'number':
      // Small integers live in the pointer; the others are boxed doubles.
      return Number.isInteger(v) && Math.abs(v) < 2 ** 30 ? 0 : HEADER;
    case 'bigint':
      return HEADER + 8 * Math.ceil(v.toString(16).length / 16);
    case 'object': {
      if (v === null || seen.has(v)) return 0;
      seen.add(v);
      if (ArrayBuffer.isView(v)) return HEADER * 4 + (v.buffer instanceof SharedArrayBuffer ? 0 : v.byteLength);
      if (v instanceof ArrayBuffer) return HEADER * 2 + v.byteLength;
      if (v instanceof Map) {
        for (const [k, x] of v) stack.push(k, x);
        return HEADER * 2 + v.size * SLOT * 3;
      }
      if (v instanceof Set) {
        for (const x of v) stack.push(x);
        return HEADER * 2 + v.size * SLOT * 2;
      }
      if (Array.isArray(v)) {
        for (const x of v) stack.push(x);
        return HEADER + v.length * SLOT;
      }
      let n = 0;
      for (const key in v) {
        if (!Object.hasOwn(v, key)) continue;
        stack.push((v as Record<string, unknown>)[key]);
        n++;
      }
      return HEADER + n * SLOT;
    }
    default:
      return 0;
  }
}
