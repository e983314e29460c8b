/**
 * The raw MessagePort baselines: two plain worker threads joined by one MessageChannel,
 * with no runtime in between. Every message between the main thread and those workers.
 */
import type { MessagePort } from 'node:worker_threads';

export type Role = 'source' | 'sink' | 'pinger' | 'ponger';

/** main -> worker */
export type Command =
  | { kind: 'init'; role: Role; port: MessagePort }
  /** source: send `count` items `{ seq }` to the sink, one postMessage each (batch 1) or in arrays of `batch`. */
  | { kind: 'stream'; count: number; batch: number }
  /** pinger: make `rounds` round trips to the ponger. */
  | { kind: 'pingpong'; rounds: number };

/** worker -> main */
export type Event =
  | { kind: 'ready' }
  | { kind: 'received'; count: number; inOrder: boolean }
  | { kind: 'pinged'; rounds: number; inOrder: boolean };

/** source -> sink, ahead of the items of one stream. */
export type StreamStart = { t: 'start'; count: number };
export type Item = { seq: number };
