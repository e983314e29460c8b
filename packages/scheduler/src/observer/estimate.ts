/**
 * A process's memory, estimated: V8 cannot tell how much of the heap one process holds, so
 * the observer walks its state and mailbox with V8's usual object sizes (64-bit, pointer
 * compression). The walk is bounded: a large array, map, set or object is sized from an even
 * sample of its entries (scaled up to all of them), the walk goes so deep and visits so many
 * values at most, and shared structure is counted once. The numbers are for comparing
 * processes, not for accounting.
 */

/** The process object, its mailbox and bookkeeping, with nothing in them. */
export const PROCESS_BASE_BYTES = 400;
const HEADER = 16;
const SLOT = 8;
/** Entries of one container that are looked at; the rest are taken to be like them. */
const SAMPLE = 32;
const MAX_DEPTH = 32;
/** Values visited per estimate, at most. */
const DEFAULT_BUDGET = 4000;

interface Walk {
  seen: Set<object>;
  left: number;
}

export function estimateBytes(value: unknown, budget = DEFAULT_BUDGET): number {
  return Math.round(sizeOf(value, { seen: new Set(), left: budget }, 0));
}

function sizeOf(v: unknown, walk: Walk, depth: number): number {
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
      if (v === null || walk.seen.has(v)) return 0;
      walk.seen.add(v);
      if (ArrayBuffer.isView(v)) return HEADER * 4 + (v.buffer instanceof SharedArrayBuffer ? 0 : v.byteLength);
      if (v instanceof ArrayBuffer) return HEADER * 2 + v.byteLength;
      const deeper = --walk.left > 0 && depth < MAX_DEPTH;
      if (v instanceof Map) return HEADER * 2 + v.size * SLOT * 3 + (deeper ? sampled([...v.keys()], v.size, (k) => sizeOf(k, walk, depth + 1) + sizeOf(v.get(k), walk, depth + 1)) : 0);
      if (v instanceof Set) return HEADER * 2 + v.size * SLOT * 2 + (deeper ? sampled([...v], v.size, (x) => sizeOf(x, walk, depth + 1)) : 0);
      if (Array.isArray(v)) return HEADER + v.length * SLOT + (deeper ? sampled(v, v.length, (x) => sizeOf(x, walk, depth + 1)) : 0);
      const keys = Object.keys(v);
      return HEADER + keys.length * SLOT + (deeper ? sampled(keys, keys.length, (k) => sizeOf((v as Record<string, unknown>)[k], walk, depth + 1)) : 0);
    }
    default:
      return 0;
  }
}

/** The summed size of `count` entries, from at most SAMPLE of them spread evenly. */
function sampled<T>(entries: readonly T[], count: number, size: (entry: T) => number): number {
  if (count <= SAMPLE) {
    let sum = 0;
    for (const e of entries) sum += size(e);
    return sum;
  }
  let sum = 0;
  const step = count / SAMPLE;
  for (let i = 0; i < SAMPLE; i++) sum += size(entries[Math.floor(i * step)]);
  return (sum * count) / SAMPLE;
}
