import { BeamError } from '@beamjs/runtime';

/** `startVM({ node, cluster })`: `cluster` is the NATS URL, or this for the details. */
export interface ClusterOptions {
  /** NATS server URL(s), comma-separated; may carry credentials: `nats://user:pass@host:4222` or `nats://token@host:4222`. */
  url: string;
  /** How often this node says it is alive (ms, default 500). */
  heartbeatMs?: number;
  /**
   * A node not heard from for this long is declared down (ms, default 3000): links and
   * monitors to its processes fire with `noconnection`, `monitorNode` gets `nodedown`. The
   * bound of failure detection is `downAfterMs + heartbeatMs`.
   */
  downAfterMs?: number;
  /** Subject and bucket prefix: clusters that share a NATS server use different ones (default `beamjs`). */
  prefix?: string;
  /**
   * The project root: a remote spawn names its module by its path relative to this, and the
   * node that runs it resolves that path against its own root (default `process.cwd()`).
   */
  root?: string;
  /** How long a remote spawn or a global-name operation may take before it fails (ms, default 5000). */
  requestTimeoutMs?: number;
}

export type ResolvedClusterOptions = Required<ClusterOptions> & { node: string };

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function resolveClusterOptions(node: unknown, cluster: unknown): ResolvedClusterOptions {
  const given: ClusterOptions = typeof cluster === 'string' ? fromUrl(cluster) : (cluster as ClusterOptions);
  if (typeof given !== 'object' || given === null || typeof given.url !== 'string' || given.url === '') {
    throw new BeamError('ERR_INVALID_OPTION', `cluster must be a NATS URL such as 'nats://127.0.0.1:4222' (or { url, heartbeatMs, downAfterMs, ... }), got ${String(cluster)}`);
  }
  if (typeof node !== 'string' || !NAME.test(node)) {
    throw new BeamError('ERR_INVALID_OPTION', `a cluster node needs a name of 1-64 letters, digits, '_' or '-' (startVM({ node: 'a', cluster })), got ${JSON.stringify(node)}`);
  }
  const prefix = given.prefix ?? 'beamjs';
  if (!NAME.test(prefix)) throw new BeamError('ERR_INVALID_OPTION', `cluster prefix must be letters, digits, '_' or '-', got ${JSON.stringify(prefix)}`);
  const heartbeatMs = positive(given.heartbeatMs ?? 500, 'heartbeatMs');
  const downAfterMs = positive(given.downAfterMs ?? 3000, 'downAfterMs');
  if (downAfterMs < 2 * heartbeatMs) {
    throw new BeamError('ERR_INVALID_OPTION', `downAfterMs (${downAfterMs}) must be at least twice heartbeatMs (${heartbeatMs}), or one late heartbeat declares a healthy node down`);
  }
  return {
    node,
    url: given.url,
    heartbeatMs,
    downAfterMs,
    prefix,
    root: given.root ?? process.cwd(),
    requestTimeoutMs: positive(given.requestTimeoutMs ?? 5000, 'requestTimeoutMs'),
  };
}

/**
 * A URL's query sets the other options (the CLI's --cluster has only the URL):
 * `nats://127.0.0.1:4222?heartbeatMs=100&downAfterMs=1500&prefix=test`.
 */
function fromUrl(text: string): ClusterOptions {
  const at = text.indexOf('?');
  if (at === -1) return { url: text };
  const options: ClusterOptions = { url: text.slice(0, at) };
  for (const [key, value] of new URLSearchParams(text.slice(at + 1))) {
    if (key === 'heartbeatMs' || key === 'downAfterMs' || key === 'requestTimeoutMs') options[key] = Number(value);
    else if (key === 'prefix' || key === 'root') options[key] = value;
    else throw new BeamError('ERR_INVALID_OPTION', `unknown cluster URL option '${key}' (known: heartbeatMs, downAfterMs, requestTimeoutMs, prefix, root)`);
  }
  return options;
}

function positive(value: unknown, what: string): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new BeamError('ERR_INVALID_OPTION', `cluster ${what} must be a number of milliseconds > 0, got ${String(value)}`);
  }
  return value;
}

/** Subjects and buckets of one cluster (see the scheduler README, "Distribution"). */
export const subjects = (prefix: string) => ({
  heartbeat: `${prefix}.hb`,
  /** Signals for the processes of node `creation` (core NATS: at most once, in order per publisher). */
  signals: (creation: number) => `${prefix}.sig.${creation}`,
  /** Requests to node `creation` (remote spawn, name checks). */
  control: (creation: number) => `${prefix}.ctl.${creation}`,
  /** "Node `creation` is down for me": the named node drops its links to the sender too. */
  down: `${prefix}.down`,
  nodesBucket: `${prefix}_nodes`,
  globalsBucket: `${prefix}_globals`,
});
