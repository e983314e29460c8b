import { BeamError, deepCopyTransferring, formatReason, isDownMessage, type Context, type ExitReason, type ProcessDefinition, type Ref, type SpawnJob } from '@beamjs/runtime';
import { MAX_TIMED_MS, requestCancel, runningFor } from './cancel.js';
import { isJobReply, mapChunk, runJob, type JobReply } from './job-runner.js';
import { NO_OWNER, type Directory } from './directory.js';
import type { MainHost } from './main-host.js';

export interface RunOptions {
  /** Cancels the job, queued or running: the promise rejects at once with ERR_CANCELLED. */
  signal?: AbortSignal;
  /**
   * Cancels the job once it has *run* this many ms: the promise rejects with ERR_JOB_TIMEOUT.
   * Time spent queued (every scheduler busy) does not count; bound that with `signal`
   * (`AbortSignal.timeout(ms)`).
   */
  timeout?: number;
  /**
   * After a cancellation, if the job is still running this many ms later (it ignores
   * `isCancelled(ctx)` and never yields), stop its scheduler thread: it is replaced, and
   * **every other process on that thread exits too**, with reason `{ schedulerDown, cause }`
   * (other jobs running there reject with ERR_JOB_FAILED). Default: never.
   */
  hardCancelAfterMs?: number;
  /** ArrayBuffers in `args` to move to the job's thread instead of copying (they are detached here). */
  transfer?: ArrayBuffer[];
}

export interface MapOptions {
  /** Jobs (chunks of items) in flight at once (default: 4 per scheduler). */
  concurrency?: number;
  /** Results in input order (default) or in completion order. */
  ordered?: boolean;
  /** Items per job (default: chosen from the input size; 16 for streams). */
  chunkSize?: number;
  signal?: AbortSignal;
  /** Per job (chunk) timeout in ms, counted from when the chunk starts running. */
  timeout?: number;
  /** As for `run`: after a cancellation, stop the threads of chunks still running this many ms later. */
  hardCancelAfterMs?: number;
}

interface Pending {
  pid: number;
  ref: Ref;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  settled: boolean;
  cleanup: (() => void) | undefined;
  /** Lets Node exit once nothing is pending (see MainThreadWaits). */
  release: () => void;
}

/**
 * Jobs started from the main thread (`vm.run`, `vm.map`): each is a monitored process whose
 * reply (or DOWN) arrives in one mailbox on the main thread and settles its promise.
 */
export class JobBoard {
  private readonly pending = new Map<number, Pending>();
  private readonly byRef = new Map<Ref, number>();
  private nextTag = 0;
  private readonly cancelFlags: Int32Array;
  private closed: Error | undefined;
  private readonly watched = new Map<AbortSignal, { callbacks: Set<() => void>; listener: () => void }>();

  constructor(
    private readonly sink: Context<unknown>,
    cancel: SharedArrayBuffer,
    private readonly dir: Directory,
    private readonly host: MainHost,
    private readonly killOwner: (pid: number, cause: string) => void,
    private readonly hold: () => () => void,
    /** Most jobs waiting for a scheduler before vm.run rejects with ERR_QUEUE_FULL. */
    private readonly maxQueue: number,
  ) {
    this.cancelFlags = new Int32Array(cancel);
    void this.listen();
  }

  private async listen(): Promise<void> {
    for (;;) {
      let msg: unknown;
      try {
        msg = await this.sink.receive();
      } catch {
        // The VM stopped (its mailbox closed after a last message resumed this loop): every job was settled by close().
        return;
      }
      if (isJobReply(msg)) this.onReply(msg);
      else if (isDownMessage(msg)) this.onDown(msg.ref, msg.reason);
    }
  }

  run(def: ProcessDefinition, args: unknown[], options: RunOptions): Promise<unknown> {
    if (this.queueFull()) {
      return Promise.reject(
        new BeamError(
          'ERR_QUEUE_FULL',
          `the VM's queue is full: ${this.queueSize} jobs wait for a scheduler (maxQueue: ${this.maxQueue}). ` +
            `Wait for some of them before starting more (await them, or use vm.map / vm.mapStream, which hold back by themselves), or raise maxQueue in startVM.`,
        ),
      );
    }
    return this.start(runJob, def.key, args, options);
  }

  /** Jobs started from here that have not started running yet (every scheduler is busy). */
  get queueSize(): number {
    let queued = 0;
    for (const entry of this.pending.values()) if (runningFor(this.cancelFlags, entry.pid) === undefined) queued++;
    return queued;
  }

  /** Cheap while the pending jobs are fewer than maxQueue: counting the queued ones is O(pending). */
  private queueFull(): boolean {
    return this.pending.size >= this.maxQueue && this.queueSize >= this.maxQueue;
  }

  private start(runner: ProcessDefinition, key: string, args: unknown[], options: RunOptions): Promise<unknown> {
    if (this.closed) return Promise.reject(this.closed);
    const { signal, timeout, hardCancelAfterMs: hard } = options;
    if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0) || timeout > MAX_TIMED_MS)) {
      return Promise.reject(new BeamError('ERR_INVALID_OPTION', `timeout must be a number of ms from 0 to ${MAX_TIMED_MS}, got ${String(timeout)}`));
    }
    if (hard !== undefined && (typeof hard !== 'number' || !(hard >= 0))) {
      return Promise.reject(new BeamError('ERR_INVALID_OPTION', `hardCancelAfterMs must be a number of ms >= 0, got ${String(hard)}`));
    }
    // An aborted signal: the job is never created.
    if (signal?.aborted) return Promise.reject(cancelledError(signal));
    return new Promise((resolve, reject) => {
      const tag = ++this.nextTag;
      let pid: number;
      let ref: Ref;
      if (options.transfer?.length) {
        [pid, ref] = this.spawnTransferring(runner, [key, args, this.sink.self, tag], options.transfer);
      } else {
        [pid, ref] = this.sink.spawnMonitor(runner, key, args, this.sink.self, tag);
      }
      const entry: Pending = { pid, ref, resolve, reject, settled: false, cleanup: undefined, release: this.hold() };
      this.pending.set(tag, entry);
      this.byRef.set(ref, tag);
      const cleanups: (() => void)[] = [];
      if (signal) cleanups.push(this.onAbort(signal, () => this.cancel(tag, cancelledError(signal), hard)));
      if (timeout !== undefined) {
        // The clock starts when the job does (it marks its start in shared memory). A job not
        // yet started at a check cannot be due before `timeout` ms later, so checks are rare.
        let timer: ReturnType<typeof setTimeout>;
        const check = (): void => {
          const ran = runningFor(this.cancelFlags, pid);
          const left = ran === undefined ? Math.max(timeout, 1) : timeout - ran;
          if (ran !== undefined && left <= 0) this.cancel(tag, new BeamError('ERR_JOB_TIMEOUT', `the job ran for ${timeout} ms and did not finish (its timeout)`), hard);
          else timer = setTimeout(check, left);
        };
        timer = setTimeout(check, timeout);
        cleanups.push(() => clearTimeout(timer));
      }
      if (cleanups.length) entry.cleanup = () => cleanups.forEach((c) => c());
    });
  }

  /**
   * Runs `then` when `signal` aborts; returns the undo. One listener per signal however many
   * jobs share it (a map's chunks, or a program passing one signal to many runs), so a shared
   * signal never reaches Node's MaxListenersExceededWarning.
   */
  private onAbort(signal: AbortSignal, then: () => void): () => void {
    let watch = this.watched.get(signal);
    if (!watch) {
      const callbacks = new Set<() => void>();
      const listener = () => {
        this.watched.delete(signal);
        for (const callback of [...callbacks]) callback();
      };
      watch = { callbacks, listener };
      this.watched.set(signal, watch);
      signal.addEventListener('abort', listener, { once: true });
    }
    const w = watch;
    w.callbacks.add(then);
    return () => {
      w.callbacks.delete(then);
      if (w.callbacks.size === 0 && this.watched.get(signal) === w) {
        this.watched.delete(signal);
        signal.removeEventListener('abort', w.listener);
      }
    };
  }

  /**
   * A job whose arguments move rather than copy: built here and handed straight to a
   * scheduler with the transfer list (the shared job ring holds copies only).
   */
  private spawnTransferring(runner: ProcessDefinition, args: unknown[], transfer: ArrayBuffer[]): [number, Ref] {
    // The copy owns the moved buffers: they are what postMessage must transfer (listing the
    // caller's detached ones instead made postMessage copy the moved bytes: 256 MB, 0.7 s).
    const moved = deepCopyTransferring(args, transfer);
    const pid = this.host.allocatePid();
    const job: SpawnJob = { pid, key: runner.key, args: moved.value, links: [], monitoredBy: [], parent: undefined, name: undefined };
    // The monitor is held with the job and travels with it.
    const ref = this.sink.monitor(pid);
    this.host.handOffNew(job, moved.transfer);
    return [pid, ref];
  }

  /** Cancels a job: rejects its promise now; drops it if it has not started, else tells it to stop. */
  private cancel(tag: number, error: Error, hardAfterMs: number | undefined): void {
    const entry = this.pending.get(tag);
    if (!entry || entry.settled) return;
    this.settle(tag, entry);
    entry.reject(error);
    if (this.host.reclaimOwnJob(entry.pid)) {
      // Never started: it simply never runs. Its pid dies first, so that the demonitor finds no
      // process and is dropped, rather than held for a job that will never start.
      this.host.releasePid(entry.pid);
      this.sink.demonitor(entry.ref, { flush: true });
      this.byRef.delete(entry.ref);
      return;
    }
    requestCancel(this.cancelFlags, entry.pid);
    this.sink.exit(entry.pid, 'cancelled');
    if (hardAfterMs !== undefined) {
      setTimeout(() => {
        if (this.dir.ownerOfPid(entry.pid) !== NO_OWNER) this.killOwner(entry.pid, `hard cancellation of job ${entry.pid}`);
      }, hardAfterMs).unref();
    }
  }

  private onReply(reply: JobReply): void {
    const entry = this.pending.get(reply.tag);
    if (!entry || entry.settled) return;
    this.settle(reply.tag, entry);
    this.sink.demonitor(entry.ref, { flush: true });
    this.byRef.delete(entry.ref);
    if (reply.ok) entry.resolve(reply.value);
    else entry.reject(rebuildError(reply.error));
  }

  private onDown(ref: Ref, reason: ExitReason): void {
    const tag = this.byRef.get(ref);
    this.byRef.delete(ref);
    if (tag === undefined) return;
    const entry = this.pending.get(tag);
    if (!entry || entry.settled) {
      this.pending.delete(tag);
      return;
    }
    this.settle(tag, entry);
    entry.reject(new BeamError('ERR_JOB_FAILED', `the job's process exited before it replied: ${formatReason(reason)}`, { cause: reason }));
  }

  private settle(tag: number, entry: Pending): void {
    entry.settled = true;
    entry.cleanup?.();
    entry.release();
    this.pending.delete(tag);
  }

  /** Bounded parallel map over chunks of items; yields [index, result]. */
  async *map(items: Iterable<unknown> | AsyncIterable<unknown>, def: ProcessDefinition, options: MapOptions & { concurrency: number }): AsyncGenerator<[number, unknown]> {
    const concurrency = options.concurrency;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new BeamError('ERR_INVALID_OPTION', `concurrency must be a whole number >= 1, got ${String(options.concurrency)}`);
    }
    const ordered = options.ordered ?? true;
    const size = options.chunkSize ?? (Array.isArray(items) ? Math.min(1024, Math.max(1, Math.ceil(items.length / (concurrency * 4)))) : 16);
    if (!Number.isInteger(size) || size < 1) throw new BeamError('ERR_INVALID_OPTION', `chunkSize must be a whole number >= 1, got ${String(options.chunkSize)}`);
    const source = toAsyncIterator(items);
    const controller = new AbortController();
    const outer = options.signal;
    const stopWatching = outer ? this.onAbort(outer, () => controller.abort(outer.reason)) : undefined;
    if (outer?.aborted) controller.abort(outer.reason);
    type Done = { chunk: number; first: number; values?: unknown[]; error?: Error };
    const inFlight = new Map<number, Promise<Done>>();
    const finished = new Map<number, Done>();
    let nextChunk = 0;
    let nextToYield = 0;
    let nextIndex = 0;
    let exhausted = false;
    try {
      for (;;) {
        // Finished chunks that wait for an earlier one count too: memory stays bounded however
        // slow one chunk is (the input may be endless).
        while (!exhausted && inFlight.size + finished.size < concurrency) {
          const batch: unknown[] = [];
          while (batch.length < size) {
            const step = await source.next();
            if (step.done) {
              exhausted = true;
              break;
            }
            batch.push(step.value);
          }
          if (batch.length === 0) break;
          const chunk = nextChunk++;
          const first = nextIndex;
          nextIndex += batch.length;
          const job = this.start(mapChunk, def.key, batch, { signal: controller.signal, timeout: options.timeout, hardCancelAfterMs: options.hardCancelAfterMs }).then(
            (values): Done => ({ chunk, first, values: values as unknown[] }),
            (error: Error): Done => ({ chunk, first, error }),
          );
          inFlight.set(chunk, job);
        }
        if (inFlight.size === 0) return;
        const done = await Promise.race(inFlight.values());
        inFlight.delete(done.chunk);
        if (done.error) {
          // The item's index in the whole input, not in its chunk.
          const failed = done.error as Error & { index?: number };
          if (typeof failed.index === 'number') failed.index += done.first;
          throw done.error;
        }
        if (!ordered) {
          for (let i = 0; i < done.values!.length; i++) yield [done.first + i, done.values![i]];
          continue;
        }
        finished.set(done.chunk, done);
        while (finished.has(nextToYield)) {
          const ready = finished.get(nextToYield)!;
          finished.delete(nextToYield++);
          for (let i = 0; i < ready.values!.length; i++) yield [ready.first + i, ready.values![i]];
        }
      }
    } finally {
      // An error, an abort, or a consumer that stopped early: cancel what is still running.
      if (inFlight.size) controller.abort(new BeamError('ERR_CANCELLED', 'the map was stopped'));
      stopWatching?.();
      await source.return?.();
    }
  }

  /** Rejects every pending job (the VM is stopping). */
  close(error: Error): void {
    this.closed = error;
    for (const [tag, entry] of [...this.pending]) {
      this.settle(tag, entry);
      entry.reject(error);
    }
  }
}

function cancelledError(signal: AbortSignal): BeamError {
  const reason = signal.reason;
  const why = reason instanceof Error ? reason.message : reason === undefined ? 'aborted' : String(reason);
  return new BeamError('ERR_CANCELLED', `the job was cancelled: ${why}`, { cause: reason });
}

/** The user's error, rebuilt on this side with its name, message, stack (and code). */
function rebuildError(error: Extract<JobReply, { ok: false }>['error']): Error {
  const rebuilt = error.code ? new BeamError(error.code as never, error.error) : new Error(error.error);
  rebuilt.name = error.name;
  rebuilt.stack = error.stack;
  if (error.index !== undefined) (rebuilt as Error & { index?: number }).index = error.index;
  return rebuilt;
}

function toAsyncIterator(items: Iterable<unknown> | AsyncIterable<unknown>): AsyncIterator<unknown> {
  if (items !== null && typeof items === 'object' && Symbol.asyncIterator in items) return (items as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  if (items !== null && typeof items === 'object' && Symbol.iterator in items) {
    const it = (items as Iterable<unknown>)[Symbol.iterator]();
    return {
      next: async () => it.next(),
      return: async () => it.return?.() ?? { done: true, value: undefined },
    };
  }
  throw new BeamError('ERR_INVALID_ARGUMENT', 'vm.map needs an array, an iterable or an async iterable of items');
}

