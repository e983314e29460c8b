/**
 * Distribution over NATS: two cluster nodes (two VMs in this process, each with its own NATS
 * connection, over loopback to a nats-server started for the run), beside the raw NATS client
 * doing the same in the same run.
 * - remote ping-pong: one process on node a, one on node b, `rounds` round trips one at a time;
 *   raw: a request-and-echo between two connections, one at a time.
 * - one-way stream: `count` small messages from a process on a to one on b; raw: `count`
 *   publishes from one connection to a subscriber on another. Target: >= 50% of raw.
 */
import { connect } from '@nats-io/transport-node';
import { startVM, type VM } from '@beamjs/scheduler';
import { timeRuns, toRate } from '../harness/measure.js';
import { NATS_SERVER, startNatsServer } from '../harness/nats-server.js';
import type { Suite, SuiteContext } from '../harness/results.js';
import { pinger, ponger, sink, source } from '../workloads/distribution.js';

const MODULE = new URL('../workloads/distribution.ts', import.meta.url);
const PINGPONG = 'remote ping-pong';
const STREAM = 'remote stream';

export const distributionSuite: Suite = {
  name: 'distribution',
  workloads: [PINGPONG, STREAM],
  async run(ctx: SuiteContext): Promise<void> {
    if (!ctx.selected(PINGPONG) && !ctx.selected(STREAM)) return;
    if (!NATS_SERVER) {
      ctx.log('distribution: nats-server is not installed (apt-get install nats-server): skipped');
      return;
    }
    const server = await startNatsServer();
    const vms: VM[] = [];
    try {
      const cluster = { url: server.url, prefix: 'bench' };
      const a = await startVM({ schedulers: 2, modules: [MODULE], node: 'a', cluster });
      vms.push(a);
      const b = await startVM({ schedulers: 2, modules: [MODULE], node: 'b', cluster });
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
    } finally {
      await Promise.allSettled(vms.map((vm) => vm.stop()));
      await server.stop();
    }
  },
};

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
