import { describe } from '../errors.js';

/** Helpers for the plain data behaviours keep and exchange (states, keys, patterns). */

/** A short JSON rendering of a value for an error message (described instead if it is not JSON). */
export function preview(value: unknown): string {
  // JSON would show these as null.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    // Not JSON: describe it instead.
  }
  return describe(value);
}

/** Structural equality of plain data (primitives, arrays, plain objects), as Erlang compares terms. */
export function samePlain(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && samePlain((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * Whether `value` matches `pattern` (Registry.match): a primitive matches itself; an array
 * matches an array of the same length whose items match; an object matches an object that has
 * every field of the pattern, matching (other fields are free). `undefined` in a pattern matches anything.
 */
export function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (pattern === undefined) return true;
  if (typeof pattern !== 'object' || pattern === null) return Object.is(value, pattern);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && value.length === pattern.length && pattern.every((p, i) => matchesPattern(value[i], p));
  }
  return Object.keys(pattern).every((k) => Object.hasOwn(value, k) && matchesPattern((value as Record<string, unknown>)[k], (pattern as Record<string, unknown>)[k]));
}
