import type { AnyPid, Ref } from '../pid.js';
import type { ExitReason } from '../reasons.js';

/**
 * The messages behaviours exchange, all plain data so that they cross scheduler threads as
 * they are. Every one carries a `$gen` tag, so a server can tell them from the plain messages
 * it hands to `handleInfo`.
 */
export type GenMessage = CallMessage | CastMessage | StopMessage | ReplyMessage | AckMessage | ContinueMessage | IdleTimeoutMessage;

/**
 * A server's own timer for the `timeout` of a callback's result: if it comes while that
 * timeout is still the armed one (`id`), the server gets the info message `'timeout'`.
 */
export interface IdleTimeoutMessage {
  readonly $gen: 'timeout';
  readonly id: number;
}

/**
 * A `continue` a callback returned, waiting at the front of the server's own mailbox: the
 * server runs handleContinue as its next step, before any other message, and between the two
 * it is idle (so it can move to another scheduler, see gen-server-loop.ts).
 */
export interface ContinueMessage {
  readonly $gen: 'continue';
  readonly arg: unknown;
}

/** Who is waiting for a call's reply: the caller's pid and the call's unique tag. */
export interface FromData {
  readonly pid: AnyPid;
  readonly tag: Ref;
  /** `tag` is an alias of `pid` (GenServer.call's): the reply goes through it, so a late one is dropped. */
  readonly alias?: boolean;
}

export interface CallMessage {
  readonly $gen: 'call';
  readonly from: FromData;
  readonly request: unknown;
}

export interface CastMessage {
  readonly $gen: 'cast';
  readonly request: unknown;
}

/** `GenServer.stop`: run `terminate`, then exit with `reason`. */
export interface StopMessage {
  readonly $gen: 'stop';
  readonly reason: ExitReason;
}

export interface ReplyMessage {
  readonly $gen: 'reply';
  readonly tag: Ref;
  readonly reply: unknown;
}

/** From a starting server to its starter, once `init` has returned (or failed). */
export type AckMessage =
  | { readonly $gen: 'ack'; readonly tag: Ref; readonly ok: true }
  | { readonly $gen: 'ack'; readonly tag: Ref; readonly ok: false; readonly reason: ExitReason; readonly ignore?: true };

/** The first start argument of every server: who to acknowledge, and who its parent is. */
export interface Boot {
  readonly $gen: 'boot';
  readonly starter: AnyPid;
  readonly tag: Ref;
  /** The process that linked to it at start (startLink): its EXIT makes the server terminate. */
  readonly parent: AnyPid | undefined;
  /** `tag` is an alias of `starter`: the ack goes through it, so one after a start timeout is dropped. */
  readonly alias?: boolean;
}

export function isGenMessage(msg: unknown): msg is GenMessage {
  return typeof msg === 'object' && msg !== null && typeof (msg as { $gen?: unknown }).$gen === 'string';
}

export function isBoot(value: unknown): value is Boot {
  return isGenMessage(value) && (value as unknown as Boot).$gen === 'boot' && typeof (value as unknown as Boot).tag === 'number';
}

export const isReplyTo = (msg: unknown, tag: Ref): msg is ReplyMessage =>
  isGenMessage(msg) && msg.$gen === 'reply' && msg.tag === tag;

export const isAckFor = (msg: unknown, tag: Ref): msg is AckMessage =>
  isGenMessage(msg) && msg.$gen === 'ack' && msg.tag === tag;

export const isDownFor = (msg: unknown, ref: Ref): msg is { type: 'DOWN'; ref: Ref; pid: AnyPid; reason: ExitReason } =>
  typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'DOWN' && (msg as { ref?: unknown }).ref === ref;

export const isExitFrom = (msg: unknown, pid: AnyPid): msg is { type: 'EXIT'; from: AnyPid; reason: ExitReason } =>
  typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'EXIT' && (msg as { from?: unknown }).from === pid;
