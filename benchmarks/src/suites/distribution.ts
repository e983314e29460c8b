/**
 * Distribution over NATS: two cluster nodes (two VMs in this process, each with its own NATS
 * connection, over loopback to a nats-server started for the run), beside the raw NATS client
 * doing the same in the same run.
 * - remote ping-pong: one process on node a, one on node b, `rounds` round trips one at a time;
 *   raw: a request-and-echo between two connections, one at a time.
 * - one-way stream: `count` small messages from a process on a to one on b; raw: `count`
 *   publishes from one connection to a subscriber on another. Target: >= 50% of raw.
 * - primes across two nodes: examples/primes.ts's chunks, half spawned on node b with
 *   `spawnOn`, every count sent back to node a; beside the same on node a alone. Both nodes
 *   share this machine's cores here, so this shows what distribution costs a CPU-bound job,
 *   not what a second machine gains.
 */
import { connect } from '@nats-io/transport-node';
import { startVM, type VM } from '@beamjs/scheduler';
import { loadDefinition, type ProcessDefinition } from '@beamjs/runtime';
import { expectEqual, timeRuns, toRate } from '../harness/measure.js';
import { PRIMES_BELOW } from '../workloads/primes.js';
import { NATS_SERVER, startNatsServer } from '../harness/nats-server.js';
import type { Suite, SuiteContext } from '../harness/results.js';
import { pinger, ponger, sink, source } from '../workloads/distribution.js';

const MODULE = new URL('../workloads/distribution.ts', import.meta.url);
const PINGPONG = 'remote ping-pong';
const STREAM = 'remote stream';
const PRIMES = 'primes across two nodes';
const PRIMES_EXAMPLE = new URL('../../../examples/primes.ts', import.meta.url);
const CHUNKS = 40;

export const distributionSuite: Suite = {
  name: 'distribution',
  workloads: [PINGPONG, STREAM, PRIMES],
  async run(ctx: SuiteContext): Promise<void> {
    if (!ctx.selected(PINGPONG) && !ctx.selected(STREAM) && !ctx.selected(PRIMES)) return;
    if (!NATS_SERVER) {
      ctx.log('distribution: nats-server is not installed (apt-get install nats-server): skipped');
      return;
    }
    const server = await startNatsServer();
    const vms: VM[] = [];
    try {
      const cluster = { url: server.url, prefix: 'bench' };
      const a = await startVM({ schedulers: 2, modules: [MODULE, PRIMES_EXAMPLE], node: 'a', cluster });
      vms.push(a);
      const b = await startVM({ schedulers: 2, modules: [MODULE, PRIMES_EXAMPLE], node: 'b', cluster });
      vms.push(b);
      const rounds = ctx.quick ? 2_000 : 10_000;
      const count = ctx.quick ? 50_000 : 200_000;
      const opts = { warmup: ctx.warmup, reps: ctx.reps };
      const pingNote = `${rounds} round trips, one at a time, two nodes on loopback (2 schedulers each)`;
      const streamNote = `${count} messages { n }, two nodes on loopback (2 schedulers each); target >= 50% of raw`;

      await ctx.workload(PINGPONG, 'beamjs', async () => {
        const echo = b.spawn(ponger);
        const times = await timeRuns(async () => {
          a.spawn(pinger, echo, rounds, a.self);
          await a.receive((m) => m === rounds, 120_000);
        }, opts);
        b.context.exit(echo, 'kill');
        ctx.record({ workload: PINGPONG, runner: 'beamjs', unit: 'round trips/s', better: 'higher', baseline: 'raw nats', summary: toRate(times, rounds), note: pingNote });
      });
      await ctx.workload(PINGPONG, 'raw nats', async () => {
        const times = await rawPingPong(server.url, rounds, opts);
        ctx.record({ workload: PINGPONG, runner: 'raw nats', unit: 'round trips/s', better: 'higher', baseline: 'raw nats', summary: toRate(times, rounds), note: `${pingNote}; raw: two @nats-io/transport-node connections` });
      });
      await ctx.workload(STREAM, 'beamjs', async () => {
        const times = await timeRuns(async () => {
          const to = b.spawn(sink, count, a.self);
          a.spawn(source, to, count);
          await a.receive((m) => m === count, 120_000);
        }, opts);
        ctx.record({ workload: STREAM, runner: 'beamjs', unit: 'msgs/s', better: 'higher', baseline: 'raw nats', summary: toRate(times, count), note: streamNote });
      });
      await ctx.workload(STREAM, 'raw nats', async () => {
        const times = await rawStream(server.url, count, opts);
        ctx.record({ workload: STREAM, runner: 'raw nats', unit: 'msgs/s', better: 'higher', baseline: 'raw nats', summary: toRate(times, count), note: `${streamNote}; raw: publishes of a few bytes, one subscriber` });
      });
      const bound = ctx.quick ? 2_000_000 : 5_000_000;
      const primesNote = `examples/primes.ts below ${bound.toLocaleString('en-US')}, ${CHUNKS} chunks; both nodes on this machine (2 schedulers each)`;
      const counter = (await loadDefinition(`${PRIMES_EXAMPLE.href}#chunkCounter`)) as ChunkCounter;
      await ctx.workload(PRIMES, 'node a alone', async () => {
        const times = await timeRuns(() => primesOn(a, counter, bound, false), opts, (n) => expectEqual('primes below the bound', n, PRIMES_BELOW[bound]));
        ctx.record({ workload: PRIMES, runner: 'node a alone', unit: 'ms', better: 'lower', baseline: 'node a alone', summary: times, note: primesNote });
      });
      await ctx.workload(PRIMES, 'nodes a + b', async () => {
        const times = await timeRuns(() => primesOn(a, counter, bound, true), opts, (n) => expectEqual('primes below the bound', n, PRIMES_BELOW[bound]));
        ctx.record({ workload: PRIMES, runner: 'nodes a + b', unit: 'ms', better: 'lower', baseline: 'node a alone', summary: times, note: `${primesNote}; every other chunk spawned on b with spawnOn, its count sent back to a` });
      });
    } finally {
      await Promise.allSettled(vms.map((vm) => vm.stop()));
      await server.stop();
    }
  },
};

type ChunkCounter = ProcessDefinition<never, [replyTo: number, chunk: number, from: number, to: number], void>;

/** The primes demo from node a's main thread; with `twoNodes`, every other chunk runs on node b. */
async function primesOn(a: VM, counter: ChunkCounter, bound: number, twoNodes: boolean): Promise<number> {
  const size = Math.ceil(bound / CHUNKS);
  let spawned = 0;
  for (let from = 0; from < bound; from += size) {
    const args = [a.self, spawned, from, Math.min(bound, from + size)] as const;
    if (twoNodes && spawned % 2 === 1) await a.context.spawnOn('b', counter, ...args);
    else a.spawn(counter, ...args);
    spawned++;
  }
  let total = 0;
  for (let i = 0; i < spawned; i++) total += ((await a.receive((m) => typeof (m as { primes?: unknown })?.primes === 'number', 120_000)) as { primes: number }).primes;
  return total;
}

async function rawPingPong(url: string, rounds: number, opts: { warmup: number; reps: number }) {
  const [pingSide, pongSide] = await Promise.all([connect({ servers: url }), connect({ servers: url })]);
  try {
    pongSide.subscribe('raw.ping', { callback: (_err, msg) => pongSide.publish('raw.pong', msg.data) });
    await pongSide.flush();
    let next: ((n: number) => void) | undefined;
    pingSide.subscribe('raw.pong', { callback: (_err, msg) => next?.(msg.data[0]! | (msg.data[1]! << 8)) });
    await pingSide.flush();
    return await timeRuns(async () => {
      for (let n = 0; n < rounds; n++) {
        const got = new Promise<number>((resolve) => (next = resolve));
        pingSide.publish('raw.ping', new Uint8Array([n & 0xff, (n >> 8) & 0xff]));
        if ((await got) !== (n & 0xffff)) throw new Error('raw ping-pong out of order');
      }
    }, opts);
  } finally {
    await Promise.all([pingSide.close(), pongSide.close()]);
  }
}

async function rawStream(url: string, count: number, opts: { warmup: number; reps: number }) {
  const [sender, receiver] = await Promise.all([connect({ servers: url }), connect({ servers: url })]);
  try {
    let seen = 0;
    let done: (() => void) | undefined;
    receiver.subscribe('raw.stream', { callback: () => {
        if (++seen === count) done?.();
      } });
    await receiver.flush();
    return await timeRuns(async () => {
      seen = 0;
      const finished = new Promise<void>((resolve) => (done = resolve));
      const payload = new TextEncoder().encode('{"n":0}');
      for (let n = 0; n < count; n++) {
        sender.publish('raw.stream', payload);
        if ((n & 1023) === 1023) await new Promise((r) => setImmediate(r));
      }
      await finished;
    }, opts);
  } finally {
    await Promise.all([sender.close(), receiver.close()]);
  }
}
