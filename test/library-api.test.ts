// The Library API: startVM, vm.run / vm.map / vm.mapStream, cancellation and timeouts,
// transfer and shared memory, errors, and GenServers from the main thread.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenServer, TIMEOUT, type Pid } from '@beamjs/runtime';
import { startVM, type VM, type VMEvent } from '@beamjs/scheduler';
import {
  add,
  block,
  mark,
  bystander,
  cooperative,
  counter,
  echo,
  failing,
  fillShared,
  gauged,
  makeShared,
  sleepy,
  square,
  strictSquare,
  stubborn,
  sumBytes,
  tellRan,
  type GaugeItem,
} from './fixtures/library.js';
import { neverRuns } from './fixtures/library-fails-in-workers.js';

const isType = (type: string) => (m: unknown) => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Resolves with how long `promise` took to settle, and how. */
async function timed<T>(promise: Promise<T>): Promise<{ ms: number; value?: T; error?: any }> {
  const start = performance.now();
  try {
    const value = await promise;
    return { ms: performance.now() - start, value };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

describe('the Library API', () => {
  let vm: VM;
  const reports: VMEvent[] = [];
  beforeAll(async () => {
    // `modules` are imported by every scheduler before it takes work. Without them a definition's
    // module is imported by a scheduler on first use (the hard-cancellation VM below relies on that).
    vm = await startVM({ schedulers: 2, modules: [new URL('./fixtures/library.ts', import.meta.url)], onReport: (e) => reports.push(e) });
  });
  afterAll(() => vm.stop(500));

  describe('run, map and mapStream', () => {
    it('vm.run runs a definition from a user module on a scheduler and resolves with its result', async () => {
      const sum: number = await vm.run(add, 4, 6);
      expect(sum).toBe(10);
      // Types only (never called): the arguments and the result are checked against the definition.
      const typesOnly = async () => {
        // @ts-expect-error 'four' is not a number
        void vm.run(add, 'four', 6);
        // @ts-expect-error the result is a number
        const s: string = await vm.run(add, 1, 2);
        return s;
      };
      void typesOnly;
    });

    it('vm.map resolves with every result in input order', async () => {
      const items = Array.from({ length: 200 }, (_, i) => i);
      expect(await vm.map(items, square)).toEqual(items.map((n) => n * n));
      expect(await vm.map([], square)).toEqual([]);
    });

    it('vm.map runs at most `concurrency` jobs at once, and more than one', async () => {
      const gauge = new SharedArrayBuffer(8);
      const items: GaugeItem[] = Array.from({ length: 12 }, (_, value) => ({ value, ms: 20, gauge }));
      const results = await vm.map(items, gauged, { concurrency: 3, chunkSize: 1 });
      expect(results).toEqual(items.map((i) => i.value * 10));
      const mostAtOnce = Atomics.load(new Int32Array(gauge), 1);
      expect(mostAtOnce).toBeLessThanOrEqual(3);
      expect(mostAtOnce).toBeGreaterThan(1);
    });

    it('ordered: false yields results as they complete', async () => {
      const gauge = new SharedArrayBuffer(8);
      const items: GaugeItem[] = [
        { value: 1, ms: 150, gauge },
        { value: 2, ms: 0, gauge },
        { value: 3, ms: 0, gauge },
      ];
      const seen: number[] = [];
      for await (const r of vm.mapStream(items, gauged, { ordered: false, chunkSize: 1, concurrency: 3 })) seen.push(r);
      expect(seen.slice().sort()).toEqual([10, 20, 30]);
      expect(seen[2]).toBe(10);
    });

    it('vm.mapStream pulls an endless input only as capacity frees, and closes it when the consumer stops', async () => {
      let pulled = 0;
      let closed = false;
      async function* naturals() {
        try {
          for (let n = 0; ; n++) {
            pulled++;
            yield n;
          }
        } finally {
          closed = true;
        }
      }
      const out: number[] = [];
      for await (const r of vm.mapStream(naturals(), square, { concurrency: 2, chunkSize: 4 })) {
        out.push(r);
        if (out.length === 20) break;
      }
      expect(out).toEqual(Array.from({ length: 20 }, (_, n) => n * n));
      expect(pulled).toBeLessThanOrEqual(20 + 2 * 4 + 1);
      expect(closed).toBe(true);
    });

    it('an item that throws rejects the map with its error and its index in the input', async () => {
      const error = await vm.map([1, 2, 3, -4, 5], strictSquare, { chunkSize: 2 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'RangeError', message: 'negative input: -4', index: 3 });
    });

    it('one AbortSignal shared by many jobs and map chunks prints no MaxListenersExceededWarning', async () => {
      const warnings: Error[] = [];
      const onWarning = (w: Error) => warnings.push(w);
      process.on('warning', onWarning);
      try {
        const controller = new AbortController();
        const items = Array.from({ length: 300 }, (_, i) => i);
        const runs = Array.from({ length: 30 }, (_, i) => vm.runWith(add, [i, 1], { signal: controller.signal }));
        const mapped = vm.map(items, square, { concurrency: 40, chunkSize: 1, signal: controller.signal });
        expect(await mapped).toEqual(items.map((n) => n * n));
        expect(await Promise.all(runs)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
        await new Promise((resolve) => setTimeout(resolve, 10));
      } finally {
        process.off('warning', onWarning);
      }
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    });
  });

  describe('cancellation and timeouts', () => {
    it('a job aborted before it starts is dropped: it never runs', async () => {
      const box = vm.mailbox();
      // Keep both schedulers busy, so the next jobs wait.
      const started = new SharedArrayBuffer(4);
      const blockers = [vm.spawnOn(0, block, 300, started, 0), vm.spawnOn(1, block, 300, started, 0)].map((pid) => vm.waitFor(pid));
      await until(() => Atomics.load(new Int32Array(started), 0) === 2);

      const controller = new AbortController();
      // One waits in the main thread's job queue; one (its arguments hold a SharedArrayBuffer)
      // was handed to a scheduler already.
      const marks = new SharedArrayBuffer(4);
      const queued = vm.runWith(tellRan, [box.self, 'dropped'], { signal: controller.signal });
      const handedOver = vm.runWith(mark, [marks, 0], { signal: controller.signal });
      controller.abort('not needed');
      await expect(queued).rejects.toMatchObject({ code: 'ERR_CANCELLED', message: expect.stringContaining('not needed') });
      await expect(handedOver).rejects.toMatchObject({ code: 'ERR_CANCELLED' });
      // Already aborted: never created at all.
      await expect(vm.runWith(tellRan, [box.self, 'pre-aborted'], { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ERR_CANCELLED' });

      expect(await Promise.all(blockers)).toEqual(['normal', 'normal']);
      // Jobs queued after them run (FIFO): once these have run, the dropped ones would have too.
      expect(await Promise.all([vm.run(tellRan, box.self, 'after'), vm.run(tellRan, box.self, 'after')])).toEqual(['after', 'after']);
      expect(await box.receive(isType('ran'))).toEqual({ type: 'ran', label: 'after' });
      expect(await box.receive(isType('ran'))).toEqual({ type: 'ran', label: 'after' });
      expect(await box.receive(isType('ran'), 50)).toBe(TIMEOUT);
      expect(Atomics.load(new Int32Array(marks), 0)).toBe(0);
      box.exit();
    });

    it('aborting a running job rejects its promise at once, and other jobs go on', async () => {
      const controller = new AbortController();
      const cancelled = timed(vm.runWith(sleepy, [10_000, 'never'], { signal: controller.signal }));
      const other = vm.run(sleepy, 100, 'other');
      await new Promise((resolve) => setTimeout(resolve, 30));
      controller.abort();
      const outcome = await cancelled;
      expect(outcome.error).toMatchObject({ code: 'ERR_CANCELLED' });
      expect(outcome.ms).toBeLessThan(500);
      expect(await other).toBe('other');
    });

    it('a running job sees the cancellation from synchronous code (isCancelled) and stops early', async () => {
      const state = new SharedArrayBuffer(8);
      const s = new Int32Array(state);
      const controller = new AbortController();
      const job = vm.runWith(cooperative, [state, 5_000], { signal: controller.signal });
      await until(() => Atomics.load(s, 0) === 1);
      const aborted = performance.now();
      controller.abort();
      await expect(job).rejects.toMatchObject({ code: 'ERR_CANCELLED' });
      expect(performance.now() - aborted).toBeLessThan(100);
      await until(() => Atomics.load(s, 1) === 1, 2000);
    });

    it('a per-call timeout rejects with ERR_JOB_TIMEOUT, and other jobs go on', async () => {
      const late = timed(vm.runWith(sleepy, [10_000, 'late'], { timeout: 50 }));
      const onTime = vm.runWith(sleepy, [10, 'on time'], { timeout: 2000 });
      const outcome = await late;
      expect(outcome.error).toMatchObject({ code: 'ERR_JOB_TIMEOUT', message: expect.stringContaining('50 ms') });
      expect(outcome.ms).toBeLessThan(1000);
      expect(await onTime).toBe('on time');
    });

    it('bad options are a clear error and start nothing', async () => {
      await expect(vm.runWith(add, [1, 2], { timeout: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
      await expect(vm.runWith(add, [1, 2], { hardCancelAfterMs: Number.NaN })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    });
  });

  describe('binary data', () => {
    it('an ArrayBuffer in the transfer list moves to the job: it is detached at the caller', async () => {
      const bytes = new Uint8Array(1 << 20).fill(3);
      const job = vm.runWith(sumBytes, [bytes.buffer], { transfer: [bytes.buffer] });
      expect(bytes.buffer.byteLength).toBe(0);
      expect(await job).toEqual({ sum: 3 << 20, length: 1 << 20 });
    });

    it('a SharedArrayBuffer written by a job is visible to the caller, and one made by a job comes back shared', async () => {
      const shared = new SharedArrayBuffer(4 * 1024);
      expect(await vm.run(fillShared, shared, 7)).toBe(4 * 1024);
      expect(new Int32Array(shared).every((v) => v === 7)).toBe(true);

      const made = await vm.run(makeShared, 1000);
      expect(made).toBeInstanceOf(SharedArrayBuffer);
      expect(new Int32Array(made)[999]).toBe(999);
    });
  });

  describe('errors', () => {
    it("an error thrown by the user's function reaches the caller with its name, message and a stack in the user's file", async () => {
      const error = (await vm.run(failing, 'x=1').catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ name: 'ParseError', message: 'cannot parse "x=1"' });
      expect(error.stack).toContain('cannot parse "x=1"');
      expect(error.stack).toContain('test/fixtures/library.ts');
    });

    it('a plain function is ERR_NOT_A_DEFINITION, naming the fix', async () => {
      const plain = (_ctx: unknown, a: number, b: number) => a + b;
      // What a JS caller (or an `as any`) can pass; in TS these do not compile.
      const untyped = vm as unknown as { run(def: unknown, ...args: unknown[]): Promise<unknown>; map(items: unknown[], def: unknown): Promise<unknown[]> };
      await expect(untyped.run(plain, 1, 2)).rejects.toMatchObject({
        code: 'ERR_NOT_A_DEFINITION',
        message: expect.stringMatching(/plain function 'plain'.*defineProcess\(import\.meta\.url, 'plain', plain\)/s),
      });
      await expect(untyped.map([1], plain)).rejects.toMatchObject({ code: 'ERR_NOT_A_DEFINITION' });
      // A GenServer is a definition, but not one vm.run can call.
      await expect(untyped.run(counter)).rejects.toMatchObject({ code: 'ERR_NOT_A_DEFINITION', message: expect.stringContaining('vm.call') });
    });

    it('a module that cannot be loaded in a worker is ERR_LOAD_FAILED, naming the module, the cause and the fix', async () => {
      const error = await vm.run(neverRuns).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_LOAD_FAILED' });
      const message = (error as Error).message;
      expect(message).toContain('library-fails-in-workers.ts');
      expect(message).toContain('this module refuses to load in a worker');
      expect(message).toContain('import cleanly on its own');
      // The VM goes on.
      expect(await vm.run(add, 1, 1)).toBe(2);
    });
  });

  describe('the main thread as a process', () => {
    it('vm.spawn, vm.send and vm.receive talk to a process on a scheduler', async () => {
      const pid = vm.spawn(echo);
      vm.send(pid, { from: vm.self, text: 'hello' });
      expect(await vm.receive(isType('echo'), 2000)).toMatchObject({ type: 'echo', text: 'hello' });
      vm.context.exit(pid, 'kill');
    });

    it('vm.call calls a GenServer (typed by its calls), vm.cast casts to it, and calls may overlap', async () => {
      const server = await GenServer.start(vm.context, counter, [5]);
      const seven: number = await vm.call(server, { type: 'add', by: 2 });
      expect(seven).toBe(7);
      const typesOnly = () => {
        // @ts-expect-error requests are checked against the server's calls
        void vm.call(server, { type: 'nope' });
        // @ts-expect-error `add` needs its `by` field
        void vm.call(server, { type: 'add' });
      };
      void typesOnly;
      const many = await Promise.all(Array.from({ length: 10 }, () => vm.call(server, { type: 'add', by: 1 })));
      expect(many.slice().sort((a, b) => a - b)).toEqual([8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
      vm.cast(server, { type: 'reset' });
      expect(await vm.call(server, { type: 'get' })).toBe(0);
      await GenServer.stop(vm.context, server);
    });

    it('vm.call to a dead server or an unknown name rejects with ERR_NOPROC', async () => {
      const server = await GenServer.start(vm.context, counter, [1]);
      await GenServer.stop(vm.context, server);
      await expect(vm.call(server, { type: 'get' })).rejects.toMatchObject({ code: 'ERR_NOPROC', reason: 'noproc' });
      await expect(vm.call(GenServer.named<any>('nobody-here'), { type: 'get' })).rejects.toMatchObject({ code: 'ERR_NOPROC' });
    });
  });
});

describe('hard cancellation', () => {
  it('a job that ignores cancellation is stopped hard by replacing its scheduler, and its processes die with that reason', async () => {
    const reports: VMEvent[] = [];
    const vm = await startVM({ schedulers: 1, onReport: (e) => reports.push(e) });
    try {
      const box = vm.mailbox();
      const other = vm.spawn(bystander, box.self);
      expect(await box.receive(isType('bystander-up'))).toMatchObject({ scheduler: 0 });
      const otherExit = vm.waitFor(other as Pid<unknown>);

      const state = new SharedArrayBuffer(4);
      const controller = new AbortController();
      const job = timed(vm.runWith(stubborn, [state, 20_000], { signal: controller.signal, hardCancelAfterMs: 50 }));
      await until(() => Atomics.load(new Int32Array(state), 0) === 1);
      controller.abort();
      const outcome = await job;
      expect(outcome.error).toMatchObject({ code: 'ERR_CANCELLED' });
      expect(outcome.ms).toBeLessThan(100);

      expect(await otherExit).toEqual({ schedulerDown: 0, cause: expect.stringContaining('hard cancellation of job') });
      expect(reports).toContainEqual(
        expect.objectContaining({ type: 'scheduler_down', scheduler: 0, cause: expect.stringContaining('hard cancellation'), replaced: true }),
      );
      // A new scheduler took its place.
      expect(await vm.run(add, 2, 3)).toBe(5);
      box.exit();
    } finally {
      await vm.stop(200);
    }
  });
});

describe('the VM lifecycle', () => {
  it('startVM with a module that fails in workers rejects with ERR_LOAD_FAILED', async () => {
    await expect(startVM({ schedulers: 1, modules: [new URL('./fixtures/library-fails-in-workers.ts', import.meta.url)] })).rejects.toMatchObject({
      code: 'ERR_LOAD_FAILED',
      message: expect.stringContaining('refuses to load in a worker'),
    });
  });

  it('the Node process exits by itself after vm.stop(), with nothing printed to stderr', () => {
    const script = fileURLToPath(new URL('./fixtures/library-exit.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [tsx, script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('results 10 285 7 cancelled\nstopped');
    expect(run.status).toBe(0);
  });
});
