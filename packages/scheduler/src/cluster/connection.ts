import { BeamError, MAX_CREATION } from '@beamjs/runtime';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { subjects, type ResolvedClusterOptions } from './options.js';

/**
 * This node's place in the cluster, taken before the VM starts (its creation goes into every
 * pid it makes): the NATS connection, a creation number no other node start ever had, and its
 * name, which no live node holds.
 */
export interface ClusterSeat {
  nc: NatsConnection;
  nodes: KV;
  globals: KV;
  creation: number;
  /** KV revision of our name's entry: we release the name only if it is still ours. */
  nameRevision: number;
}

const CREATION_KEY = 'creation';
const nameKey = (node: string): string => `node.${node}`;

export async function takeSeat(options: ResolvedClusterOptions): Promise<ClusterSeat> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: options.url.split(','), name: `beamjs ${options.node}`, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  } catch (err) {
    throw new BeamError('ERR_CLUSTER', `cannot reach the cluster's NATS server at ${redact(options.url)}: ${(err as Error).message}. Is nats-server running (with -js), and are the URL's credentials right?`, { cause: err });
  }
  try {
    const kvm = new Kvm(nc);
    const s = subjects(options.prefix);
    const nodes = await kvm.create(s.nodesBucket, { history: 1 });
    const globals = await kvm.create(s.globalsBucket, { history: 1 });
    const creation = await nextCreation(nodes);
    const nameRevision = await claimName(nc, nodes, options, creation);
    return { nc, nodes, globals, creation, nameRevision };
  } catch (err) {
    await nc.close().catch(() => {});
    if (err instanceof BeamError) throw err;
    throw new BeamError('ERR_CLUSTER', `cannot join the cluster at ${redact(options.url)}: ${(err as Error).message} (nats-server must run with JetStream: -js)`, { cause: err });
  }
}

/**
 * A cluster-wide counter, bumped with compare-and-set: every node start gets a creation no
 * start before it had (it wraps after MAX_CREATION starts, as Erlang's creation does), so the
 * pids of a node that died never name a process of its successor.
 */
async function nextCreation(kv: KV): Promise<number> {
  for (;;) {
    const entry = await kv.get(CREATION_KEY);
    if (entry === null || entry.operation !== 'PUT') {
      try {
        await kv.create(CREATION_KEY, '1');
        return 1;
      } catch {
        continue; // another node created it first
      }
    }
    const next = (Number(entry.string()) % MAX_CREATION) + 1;
    try {
      await kv.update(CREATION_KEY, String(next), entry.revision);
      return next;
    } catch {
      // another node took this one: read again
    }
  }
}

/**
 * Create-if-absent on the node's name. A name already there belongs to a live node if that
 * node answers a ping on its control subject; a node that died without releasing it (killed)
 * does not, and its name is taken over with compare-and-set (so two nodes racing for it: one wins).
 */
async function claimName(nc: NatsConnection, kv: KV, options: ResolvedClusterOptions, creation: number): Promise<number> {
  const key = nameKey(options.node);
  const value = JSON.stringify({ creation });
  for (;;) {
    try {
      return await kv.create(key, value);
    } catch {
      // taken, or was: is its holder alive?
    }
    const entry = await kv.get(key);
    if (entry === null || entry.operation !== 'PUT') continue;
    const holder = (entry.json() as { creation: number }).creation;
    const alive = await nc
      .request(subjects(options.prefix).control(holder), JSON.stringify({ op: 'ping' }), { timeout: options.downAfterMs })
      .then(() => true, () => false);
    if (alive) {
      throw new BeamError(
        'ERR_NODE_NAME_TAKEN',
        `a node named '${options.node}' is already running in the cluster at ${redact(options.url)} (creation ${holder}): give this one another name (--node / startVM({ node }))`,
      );
    }
    try {
      return await kv.update(key, value, entry.revision);
    } catch {
      // someone else took it over first: look again
    }
  }
}

export async function releaseName(seat: ClusterSeat, node: string): Promise<void> {
  await seat.nodes.delete(nameKey(node), { previousSeq: seat.nameRevision }).catch(() => {});
}

/** A URL for messages: without its credentials. */
export function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/g, '//***@');
}
