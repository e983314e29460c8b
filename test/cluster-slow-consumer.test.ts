import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIMEOUT, isDownMessage, type Context } from '@beamjs/runtime';
import { startVM, type VM } from '@beamjs/scheduler';
import { waiter } from './fixtures/cluster/procs.js';
import { NATS_SERVER, startNatsServer, type NatsServer } from './fixtures/cluster/nats-server.js';
import { startChildNode, type ChildNode } from './fixtures/cluster/child-node.js';

const FIXTURE = new URL('./fixtures/cluster/procs.ts', import.meta.url);

async function take<T>(ctx: Context<any>, match: (m: any) => boolean, what: string, ms = 30_000): Promise<T> {
  const got = await ctx.receive(match, ms);
  if (got === TIMEOUT) throw new Error(`no ${what} within ${ms} ms`);
  return got as T;
}

/**
 * NATS disconnects a consumer that falls behind (here: a server that buffers at most 512 KB
 * for a client, and a node whose main thread freezes while another floods it) and drops what
 * it had for it. That must surface as the node going down, not as silent loss: heartbeats
 * alone would not see it (detection is set to a minute here), the reconnecting node says so.
 */
describe.skipIf(!NATS_SERVER)('distribution: a slow consumer disconnected by NATS', () => {
  let nats: NatsServer;
  let conf: string;
  let a: VM;
  let s: ChildNode;
  beforeAll(async () => {
    conf = mkdtempSync(path.join(tmpdir(), 'beamjs-nats-conf-'));
    writeFileSync(path.join(conf, 'server.conf'), 'max_pending: 512KB\nmax_payload: 256KB\nwrite_deadline: "1s"\n');
    nats = await startNatsServer(['-c', path.join(conf, 'server.conf')]);
    const url = `${nats.url}?heartbeatMs=200&downAfterMs=60000`;
    a = await startVM({ schedulers: 2, modules: [FIXTURE], node: 'a', cluster: url });
    s = await startChildNode('s', url);
    const end = Date.now() + 20_000;
    while (!a.nodes().includes('s') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled([s?.stop(), a?.stop(500)]);
    await nats?.stop();
    if (conf) rmSync(conf, { recursive: true, force: true });
  });

  it('the flooded node goes down for the sender: its monitors fire noconnection and nodedown arrives', async () => {
    const me = a.mailbox();
    me.monitorNode('s');
    const target = await me.spawnOn('s', waiter, me.self);
    await take(me, (m) => m?.started === target, 'start');
    const ref = me.monitor(target);
    s.process.kill('SIGUSR2');
    // Flood it while its main thread does not read: far more than the server buffers for it.
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 400; i++) {
      me.send(target, chunk);
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 5));
    }
    const down = await take<any>(me, (m) => isDownMessage(m) && m.ref === ref, 'DOWN');
    expect(down.reason).toBe('noconnection');
    await take(me, (m) => m?.type === 'nodedown' && m.node === 's', 'nodedown');
    me.exit();
  });
});
