import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Directory, inflightOf } from '../src/directory.js';
import { JobRing } from '../src/job-ring.js';
import { SharedNames } from '../src/names.js';
import { NodeHost } from '../src/node-host.js';
import { StatsBlock } from '../src/stats-block.js';
import { TimerCells } from '@beamjs/runtime';
import { Doorbells } from '../src/doorbell.js';

/** Node 1 with a peer, node 2, on the other end of a channel; a pid owned by node 2. */
function hostWithPeer(): { host: NodeHost; dir: Directory; pid: number; inbox: unknown[][]; other: MessagePort; close: () => void } {
  const dir = new Directory(Directory.create());
  const host = new NodeHost({ nodeId: 1, directory: dir, names: new SharedNames(SharedNames.create()), ring: new JobRing(JobRing.create()), doorbells: new Doorbells(Doorbells.create()), timerCells: new TimerCells(new SharedArrayBuffer(TimerCells.bytes(3)), 1), report: () => {}, stats: new StatsBlock(StatsBlock.create()), loadWindowMs: 50 });
  const { port1, port2 } = new MessageChannel();
  // A link with no rings (as to the main thread): everything goes by the port.
  host.connect({ id: 2, port: port1 });
  const inbox: unknown[][] = [];
  port2.on('message', (batch: unknown[]) => inbox.push(batch));
  const pid = dir.claimSlot(dir.reserveSlots(1)[0], 2, false);
  return { host, dir, pid, inbox, other: port2, close: () => (port1.close(), port2.close()) };
}

describe('posting a batch to another thread', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a batch that postMessage refuses costs only the entries that fail: the others arrive in order, and it is never posted again', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const { host, dir, pid, inbox, close } = hostWithPeer();
    // send() checks every message; a value it would refuse stands in for anything postMessage cannot take.
    host.route({ kind: 'message', to: pid, msg: 'first' });
    host.route({ kind: 'message', to: pid, msg: () => 'no' });
    host.route({ kind: 'message', to: pid, msg: 'last' });
    expect(inflightOf(dir.wordOf(pid))).toBe(3);
    expect(() => host.flush()).not.toThrow();
    host.flush();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Each entry alone, numbered in the link's sequence (see peer-link.ts).
    expect(inbox).toEqual([[0, pid, 'first'], [1, pid, 'last']]);
    // The dropped one will never arrive: it no longer counts as in flight.
    expect(inflightOf(dir.wordOf(pid))).toBe(2);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(new RegExp(`message for pid ${pid} could not be posted to node 2 and was dropped`));
    expect(host.pendingOut).toBe(0);
    close();
  });
});
