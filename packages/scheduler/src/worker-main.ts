/**
 * The code that runs inside a scheduler thread. It imports the user's modules, joins the
 * mesh, exposes its control API to the main thread (comlink), and then runs processes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { nodeEndpoint } from './comlink-port.js';
import { setCancelFlags } from './cancel.js';
import { Scheduler } from './scheduler.js';
import { installProcessExit } from './process-exit.js';
import { containFaults, trackOwners } from './fault-attribution.js';
import { SnapshotProbe } from './observer/snapshot.js';
import { processCluster } from './cluster/hooks.js';
import { RemoteOutbox } from './cluster/remote-outbox.js';
import type { Connect, SchedulerControl, SchedulerEvent, SchedulerInit } from './protocol.js';
import type { RuntimeEvent } from '@beamjs/runtime';

const init = workerData as SchedulerInit;
const port = parentPort!;
const post = (event: SchedulerEvent): void => port.postMessage(event);

setCancelFlags(init.cancel);
trackOwners(init.faultAttribution);
installProcessExit();
const scheduler = new Scheduler(
  init,
  (event: RuntimeEvent) => post({ kind: 'report', id: init.id, event }),
  (moves) => post({ kind: 'moved', id: init.id, moves }),
);
if (init.cluster) {
  scheduler.cluster = processCluster(init.cluster, scheduler.dir.creation);
  scheduler.remote = new RemoteOutbox(scheduler.cluster, scheduler.dir.outgoing);
}
containFaults(
  scheduler.runtime,
  (event) => post({ kind: 'report', id: init.id, event }),
  () => scheduler.flush(),
);

port.once('message', async (message: Connect) => {
  for (const wiring of message.peers) scheduler.connect(wiring);
  Comlink.expose(control, nodeEndpoint(message.control as never));
  for (const url of init.modules) {
    try {
      await import(url);
    } catch (err) {
      post({ kind: 'load-failed', id: init.id, url, message: (err as Error)?.message ?? String(err) });
      return;
    }
  }
  post({ kind: 'ready', id: init.id });
  scheduler.idle();
});

let probe: SnapshotProbe | undefined;

const control: SchedulerControl = {
  stats: () => scheduler.snapshot(),
  processInfo: (pid) => scheduler.runtime.processInfo(pid),
  processes: () => scheduler.runtime.processes(),
  async shutdown(timeoutMs) {
    scheduler.stop();
    await scheduler.runtime.stop(timeoutMs);
    scheduler.flush();
  },
  peerDied: (id, pids, cause) => scheduler.peerDied(id, pids, cause),
  replacePeer(wiring, ring) {
    scheduler.connect(wiring);
    scheduler.replaceVictim(wiring.id, ring);
  },
  migrate(pid, to) {
    const moved = scheduler.move(pid, to, 'explicit');
    scheduler.flush();
    return moved;
  },
  observe: (request) => (probe ??= new SnapshotProbe(scheduler.runtime)).snapshot(request),
  observeProcess: (pid) => (probe ??= new SnapshotProbe(scheduler.runtime)).detail(pid),
};
