import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATS_SERVER, startNatsServer, type NatsServer } from './fixtures/cluster/nats-server.js';
import { startChildNode, type ChildNode } from './fixtures/cluster/child-node.js';
import { countPrimes } from '../examples/primes.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const NODE_SCRIPT = fileURLToPath(new URL('../examples/cluster/node.ts', import.meta.url));

describe.skipIf(!NATS_SERVER)('examples/cluster: the job queue across three OS processes', () => {
  let nats: NatsServer;
  const nodes: ChildNode[] = [];
  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(async () => {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    await nats?.stop();
  });

  it('the total is right although a worker node is killed with kill -9 while it holds jobs', async () => {
    const url = `${nats.url}?heartbeatMs=100&downAfterMs=1500`;
    const [b, c] = await Promise.all(['b', 'c'].map((name) => startChildNode(name, url, { script: NODE_SCRIPT, args: ['2'], ready: `node ${name}: 2 workers` })));
    nodes.push(b, c);
    const jobs = 40;
    const bound = 4_000_000;
    const queue = spawn(process.execPath, [BIN, 'run', 'examples/cluster/queue.ts', '--schedulers', '1', '--node', 'a', '--cluster', url, '--', String(jobs), String(bound)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let killed = false;
    const exitCode = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => queue.kill('SIGKILL'), 120_000);
      const watch = (d: Buffer) => {
        out += d;
        // c is killed as soon as it has done a job: its workers hold jobs at that moment.
        if (!killed && /\(.*c: \d+/.test(out)) {
          killed = true;
          void c.kill();
        }
      };
      queue.stdout.on('data', watch);
      queue.stderr.on('data', (d) => (out += d));
      queue.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    expect(exitCode, out).toBe(0);
    expect(out).toContain(`${countPrimes(0, bound)} primes below ${bound}`);
    expect(killed, out).toBe(true);
    expect(out).toMatch(/nodedown c/);
  });
});
