// What crosses threads, and how, on the VM: messages and job arguments are copied faithfully
// (shared references, holes, sparse arrays, __proto__ as an own key), memory over a
// SharedArrayBuffer is shared wherever it appears, transferred buffers move, Buffers arrive as
// Uint8Arrays, and a message too deep to cross a thread fails at send, harming nothing else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenServer, MAX_MESSAGE_DEPTH, UncloneableError, type Pid } from '@beamjs/runtime';
import { startVM, type VM } from '@beamjs/scheduler';
import { collector, describeBytes, keeper, mirror, poke, pokeItem, sendThree } from './fixtures/copying.js';

const isObject = (m: unknown): m is Record<string, any> => typeof m === 'object' && m !== null;

function nested(levels: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < levels; i++) v = { next: v };
  return v;
}

describe('copying between threads (VM, 2 schedulers)', () => {
  let vm: VM;
  beforeAll(async () => {
    vm = await startVM({ schedulers: 2, modules: [new URL('./fixtures/copying.ts', import.meta.url)] });
  });
  afterAll(() => vm.stop(500));

  /** Sends `msg` to a mirror on scheduler `on` and resolves with what came back. */
  async function roundTrip(on: number, msg: unknown): Promise<{ echo: any; scheduler: number }> {
    const pid = vm.spawnOn(on, mirror);
    vm.send(pid, { from: vm.self, msg });
    return (await vm.receive((m) => isObject(m) && 'echo' in m, 10_000)) as { echo: any; scheduler: number };
  }

  describe('shared memory', () => {
    it('a typed array or DataView over a SharedArrayBuffer is shared in job arguments, nested in objects and arrays, and in results', async () => {
      const sab = new SharedArrayBuffer(64);
      const bytes = new Uint8Array(sab);
      const args = [new Uint8Array(sab, 0, 8), { view: new DataView(sab, 8, 8) }, [new Int32Array(sab, 16, 2)]];
      const { views, shared } = (await vm.run(poke, args, 7)) as { views: ArrayBufferView[]; shared: boolean[] };
      expect(shared).toEqual([true, true, true]);
      expect([bytes[0], bytes[8], bytes[16]]).toEqual([7, 7, 7]);
      // The views it returns are views on the same memory too.
      new Uint8Array(views[0].buffer)[40] = 9;
      expect(bytes[40]).toBe(9);
      expect(views[1]).toBeInstanceOf(DataView);
    });

    it('views over a SharedArrayBuffer are shared in vm.map items', async () => {
      const sab = new SharedArrayBuffer(16);
      const items = Array.from({ length: 16 }, (_, i) => ({ view: new Uint8Array(sab, i, 1), mark: i + 1 }));
      expect(await vm.map(items, pokeItem)).toEqual(items.map(() => true));
      expect([...new Uint8Array(sab)]).toEqual(items.map((item) => item.mark));
    });

    it('a view over a SharedArrayBuffer in a message is shared both ways, with a process on either scheduler', async () => {
      for (const on of [0, 1]) {
        const sab = new SharedArrayBuffer(8);
        const { echo, scheduler } = await roundTrip(on, { view: new Uint8Array(sab) });
        expect(scheduler).toBe(on);
        (echo.view as Uint8Array)[3] = 5;
        expect(new Uint8Array(sab)[3]).toBe(5);
      }
    });
  });

  describe('transfer and Buffers', () => {
    it('a transferred ArrayBuffer arrives whole and is detached at the sender', async () => {
      const buffer = new ArrayBuffer(64 << 20);
      new Uint8Array(buffer).set([1, 2, 3, 4]);
      const seen = await vm.runWith(describeBytes, [buffer], { transfer: [buffer] });
      expect(buffer.byteLength).toBe(0);
      expect(seen).toEqual({ kind: '[object ArrayBuffer]', proto: 'ArrayBuffer', byteLength: 64 << 20, head: [1, 2, 3, 4] });
    });

    it('a typed array over a transferred buffer moves with it; a bad transfer list rejects and detaches nothing', async () => {
      const buffer = new ArrayBuffer(16);
      new Uint8Array(buffer).set([9, 8, 7, 6]);
      const seen = await vm.runWith(describeBytes, [new Uint8Array(buffer, 1, 8)], { transfer: [buffer] });
      expect(buffer.byteLength).toBe(0);
      expect(seen).toMatchObject({ proto: 'Uint8Array', byteLength: 8, head: [8, 7, 6, 0] });
      const kept = new ArrayBuffer(8);
      await expect(vm.runWith(describeBytes, [kept], { transfer: [kept, kept] })).rejects.toThrow(UncloneableError);
      await expect(vm.runWith(describeBytes, [{ f: () => 1 } as never], { transfer: [kept] })).rejects.toThrow(/a function/);
      expect(kept.byteLength).toBe(8);
    });

    it('a Node Buffer is accepted as a job argument and in messages, and arrives as a Uint8Array of its bytes', async () => {
      const seen = await vm.run(describeBytes, Buffer.from([1, 2, 3]));
      expect(seen).toEqual({ kind: '[object Uint8Array]', proto: 'Uint8Array', byteLength: 3, head: [1, 2, 3] });
      const { echo } = await roundTrip(1, Buffer.from('hi'));
      expect(Object.getPrototypeOf(echo)).toBe(Uint8Array.prototype);
      expect(Buffer.from(echo).toString()).toBe('hi');
    });
  });

  describe('faithful across threads', () => {
    it('shared references stay shared (x = [x, x] 22 times is 23 objects), holes stay holes, -0 and __proto__ as an own key', async () => {
      let x: unknown = { leaf: true };
      for (let i = 0; i < 22; i++) x = [x, x];
      // eslint-disable-next-line no-sparse-arrays
      const msg = { dag: x, holey: [1, , 3], minusZero: -0, parsed: JSON.parse('{"__proto__": {"isAdmin": true}}') };
      const { echo } = await roundTrip(0, msg);
      let node = echo.dag;
      for (let i = 0; i < 22; i++) {
        expect(node[0]).toBe(node[1]);
        node = node[0];
      }
      expect(node).toEqual({ leaf: true });
      expect(1 in echo.holey).toBe(false);
      expect(Object.is(echo.minusZero, -0)).toBe(true);
      expect(echo.parsed.isAdmin).toBeUndefined();
      expect(Object.hasOwn(echo.parsed, '__proto__')).toBe(true);
    });

    it('a sparse array a[2**32-2] = 1 crosses threads, to a job and in messages', async () => {
      const sparse: number[] = [];
      sparse[2 ** 32 - 2] = 1;
      const { echo } = await roundTrip(1, sparse);
      expect(echo.length).toBe(2 ** 32 - 1);
      expect(Object.keys(echo)).toEqual([String(2 ** 32 - 2)]);
      const { views } = (await vm.run(poke, { sparse }, 1)) as { views: unknown[] };
      expect(views).toEqual([]);
    });
  });

  describe('migration', () => {
    it('a behaviour process whose state postMessage cannot carry (a function) is not moved, and goes on where it is', async () => {
      const plain = await GenServer.start(vm.context, keeper, ['plain', false]);
      const holding = await GenServer.start(vm.context, keeper, ['holding', true]);
      for (const server of [plain, holding]) {
        const here = await vm.call(server, { type: 'where' });
        const there = 1 - here;
        // A server that just replied may not be idle yet: a few tries (the one holding a function never moves).
        let moved = false;
        for (let i = 0; i < 40 && !moved; i++) {
          moved = await vm.migrate(server, there);
          if (!moved) await new Promise((resolve) => setTimeout(resolve, 5));
        }
        expect(moved).toBe(server === plain);
        expect(await vm.call(server, { type: 'where' })).toBe(moved ? there : here);
      }
    });
  });

  describe('a message too deep to cross a thread', () => {
    it('vm.send refuses it at once with ERR_UNCLONEABLE; the messages around it arrive and the program lives', async () => {
      const sink = vm.spawnOn(1, collector);
      vm.send(sink, 'before');
      expect(() => vm.send(sink, nested(MAX_MESSAGE_DEPTH + 1))).toThrow(UncloneableError);
      vm.send(sink, nested(MAX_MESSAGE_DEPTH - 1));
      vm.send(sink, 'after');
      vm.send(sink, { dump: vm.self });
      const dump = await vm.receive((m) => isObject(m) && 'got' in m, 10_000);
      expect(dump).toEqual({ got: ['before', 'deep', 'after'], scheduler: 1 });
    });

    it('a process that sends it gets ERR_UNCLONEABLE at send; the other messages of its batch arrive, and its scheduler lives on', async () => {
      for (const [from, to] of [
        [0, 1],
        [1, 1],
      ] as const) {
        const sink = vm.spawnOn(to, collector);
        const sender = vm.spawnOn(from, sendThree);
        vm.send(sender, { to: sink as Pid<unknown>, depth: MAX_MESSAGE_DEPTH + 1, report: vm.self });
        const report = await vm.receive((m) => isObject(m) && 'refused' in m, 10_000);
        expect(report).toEqual({ refused: 'ERR_UNCLONEABLE', scheduler: from });
        expect(await vm.receive((m) => isObject(m) && 'got' in m, 10_000)).toEqual({ got: ['before', 'after'], scheduler: to });
        // The sender's scheduler still runs it: one more round, this time within the limit.
        vm.send(sender, { to: sink as Pid<unknown>, depth: MAX_MESSAGE_DEPTH - 1, report: vm.self });
        expect(await vm.receive((m) => isObject(m) && 'refused' in m, 10_000)).toEqual({ refused: undefined, scheduler: from });
        expect(await vm.receive((m) => isObject(m) && 'got' in m, 10_000)).toEqual({ got: ['before', 'after', 'before', 'deep', 'after'], scheduler: to });
        expect(vm.isAlive(sender)).toBe(true);
      }
    });

    it('vm.run with arguments too deep rejects with ERR_UNCLONEABLE', async () => {
      await expect(vm.run(poke, nested(MAX_MESSAGE_DEPTH + 1), 1)).rejects.toThrow(UncloneableError);
      expect(await vm.run(poke, [], 1)).toEqual({ views: [], shared: [] });
    });
  });
});
