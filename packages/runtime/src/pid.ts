/**
 * A pid is a plain number, so it costs nothing to copy, hash or send across threads, and it
 * means the same on every thread: `slot + generation * SLOT_SPACE`. The slot indexes the
 * scheduler's directory; the generation changes every time a slot is reused, so a stale pid
 * never reaches the slot's next owner.
 *
 * The `Msg` parameter exists only for the type checker: `send(pid, msg)` compiles only when
 * `msg` is what the process accepts.
 */
import type { ViaName } from './behaviours/via.js';
import { BeamError, describe } from './errors.js';

declare const accepts: unique symbol;
export type Pid<Msg = unknown> = number & { readonly [accepts]?: Msg };

/** A pid whose message type is not known (or not relevant, as for `link`/`monitor`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPid = Pid<any>;

/** Monitor references, timer references and call tags: unique across all threads of a VM. */
export type Ref = number;

/** 2^22 slots: enough for 4M live processes per VM. */
export const SLOT_SPACE = 0x400000;

/**
 * The largest pid: generations are counted in an Int32 per slot, and every pid must stay an
 * exact double so it means the same after any arithmetic or copy.
 */
export const MAX_PID = Number.MAX_SAFE_INTEGER;

/** True for a value shaped like a pid (whether or not that process is alive). */
export function isPid(value: unknown): value is AnyPid {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_PID;
}

/**
 * Every API that takes a pid calls this first, so a bad one fails where it was passed, with a
 * clear message, instead of as a raw `RangeError` from a shared-memory read deep inside (or,
 * for `pid + 0.5`, as a false answer about some other process).
 */
export function checkPid(value: unknown, where: string): asserts value is AnyPid {
  if (!isPid(value)) {
    throw new BeamError(
      'ERR_INVALID_ARGUMENT',
      `${where} needs a pid (a non-negative integer as returned by spawn, self or whereis), got ${describe(value)}`,
    );
  }
}

/**
 * Distribution: a pid's top bits name its node's *creation* (one per node start in a
 * cluster, never 0; 0 is the single-node VM), so a pid from another node is still one plain
 * number, and a restarted node's old pids stay dead. 2^18 generations per slot (a slot's pid
 * comes back after 262,144 reuses, as Erlang's pids wrap) and 2^13 creations fit in 2^53.
 */
export const GENERATION_SPACE = 0x40000;
/** Pids of one node creation: `slot + generation * SLOT_SPACE` is below this. */
export const CREATION_UNIT = SLOT_SPACE * GENERATION_SPACE;
/** Creations are 1 .. MAX_CREATION (0: no cluster). */
export const MAX_CREATION = Math.floor(MAX_PID / CREATION_UNIT);

export const slotOf = (pid: number): number => pid % SLOT_SPACE;
export const generationOf = (pid: number): number => Math.floor(pid / SLOT_SPACE) % GENERATION_SPACE;
/** The node creation a pid belongs to (0 on a VM without a cluster). */
export const creationOf = (pid: number): number => Math.floor(pid / CREATION_UNIT);
export const makePid = (slot: number, generation: number, creation = 0): number =>
  slot + (generation & (GENERATION_SPACE - 1)) * SLOT_SPACE + creation * CREATION_UNIT;

/** `<slot.generation>`, the way pids are shown in reports; `<creation.slot.generation>` for a cluster node's. */
export function pidToString(pid: AnyPid): string {
  const creation = creationOf(pid);
  return creation === 0 ? `<${slotOf(pid)}.${generationOf(pid)}>` : `<${creation}.${slotOf(pid)}.${generationOf(pid)}>`;
}

/**
 * A process alias (OTP 24's `alias()`): a destination that reaches its process only while the
 * alias is active. A message sent to an alias that was deactivated (`ctx.unalias`, or its one
 * reply arrived) is dropped on arrival: a reply that comes after its caller gave up never
 * lands in the mailbox. Plain data: store it, send it.
 */
export interface Alias<Msg = unknown> {
  readonly $alias: Ref;
  readonly pid: Pid<Msg>;
}

export function isAlias(value: unknown): value is Alias {
  return typeof value === 'object' && value !== null && typeof (value as Alias).$alias === 'number' && typeof (value as Alias).pid === 'number';
}

/**
 * A cluster-wide name (Erlang's `{global, Name}`), registered with `ctx.registerGlobal`: a send
 * to it goes to whichever process on whichever node holds the name now, resolved from this
 * node's replica of the global name table. `T` are the types of the server it names (for typed calls).
 */
export interface GlobalName<T = unknown> {
  readonly global: string;
  readonly [globalTypes]?: T;
}
declare const globalTypes: unique symbol;

export function isGlobalName(value: unknown): value is GlobalName {
  return typeof value === 'object' && value !== null && typeof (value as GlobalName).global === 'string' && !('via' in value);
}

/** A pid, a registered name, a `{ via: registry, key }` name, a `{ global: name }` or an alias: what `send` accepts. */
export type Dest<Msg> = Pid<Msg> | string | ViaName | GlobalName | Alias<Msg>;
