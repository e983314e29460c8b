/**
 * Two raw worker threads joined by a MessageChannel: the machine's own limit for messages
 * between two threads, measured in the same run as the VM.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Command, Event, Role } from './protocol.js';

const BOOTSTRAP = new URL('../harness/ts-worker.mjs', import.meta.url);
const ENTRY = new URL('./port-worker.ts', import.meta.url).href;

function startWorker(role: Role, port: MessagePort): Promise<Worker> {
  const worker = new Worker(BOOTSTRAP, { workerData: { entry: ENTRY }, name: `raw ${role}` });
  const ready = new Promise<Worker>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (e: Event) => (e.kind === 'ready' ? resolve(worker) : reject(new Error(`unexpected ${e.kind}`))));
  });
  worker.postMessage({ kind: 'init', role, port } satisfies Command, [port as never]);
  return ready;
}

function next<E extends Event['kind']>(worker: Worker, kind: E): Promise<Extract<Event, { kind: E }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (e: Event): void => {
      if (e.kind !== kind) return;
      worker.off('message', onMessage);
      worker.off('error', reject);
      resolve(e as Extract<Event, { kind: E }>);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

export class RawPair {
  private constructor(
    private readonly first: Worker,
    private readonly second: Worker,
  ) {}

  /** A source and a sink, for streams. */
  static async streaming(): Promise<RawPair> {
    const { port1, port2 } = new MessageChannel();
    const [a, b] = await Promise.all([startWorker('source', port1), startWorker('sink', port2)]);
    return new RawPair(a, b);
  }

  /** A pinger and a ponger, for round trips. */
  static async pingPong(): Promise<RawPair> {
    const { port1, port2 } = new MessageChannel();
    const [a, b] = await Promise.all([startWorker('pinger', port1), startWorker('ponger', port2)]);
    return new RawPair(a, b);
  }

  /** Streams `count` items from the first worker to the second; resolves when all arrived. */
  async stream(count: number, batch: number): Promise<{ count: number; inOrder: boolean }> {
    const done = next(this.second, 'received');
    this.first.postMessage({ kind: 'stream', count, batch } satisfies Command);
    return done;
  }

  /** `rounds` round trips between the two workers, one at a time. */
  async pingPong(rounds: number): Promise<{ rounds: number; inOrder: boolean }> {
    const done = next(this.first, 'pinged');
    this.first.postMessage({ kind: 'pingpong', rounds } satisfies Command);
    return done;
  }

  async close(): Promise<void> {
    await Promise.all([this.first.terminate(), this.second.terminate()]);
  }
}
