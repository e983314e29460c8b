import { BeamError, describe } from './errors.js';
import type { ProcessTable } from './process-table.js';
import type { ClusterHooks, Host, NameRegistry } from './host.js';
import type { Signal } from './signals.js';

/** The pid registered as `name`, or the error that says there is none. */
export function whereisOrThrow(names: NameRegistry, name: string): number {
  const pid = names.whereis(name);
  if (pid === undefined) {
    throw new BeamError('ERR_NOPROC', `no process is registered as ${JSON.stringify(name)}: check the name, or whether that process has exited`);
  }
  return pid;
}

/** The host's distribution hooks, or the error that says the VM is not a cluster node. */
export function clusterOf(host: Host, where: string): ClusterHooks {
  if (host.cluster === undefined) {
    throw new BeamError('ERR_NO_CLUSTER', `${where} needs a cluster: start the VM with startVM({ node: 'a', cluster: 'nats://127.0.0.1:4222' }) or run beamjs run --node a --cluster nats://127.0.0.1:4222`);
  }
  return host.cluster;
}

/**
 * The process holding a global name now, from this node's replica of the global name table;
 * none is an error, as Erlang's `global:send/2` raises `badarg` for a name nobody holds.
 */
export function globalHolderOrThrow(host: Host, name: unknown): number {
  if (typeof name !== 'string' || name === '') throw new BeamError('ERR_INVALID_NAME', `send({ global: name }) needs a non-empty string name, got ${describe(name)}`);
  const pid = clusterOf(host, 'send({ global })').globalHolder(name);
  if (pid === undefined) {
    throw new BeamError(
      'ERR_GLOBAL_NAME_UNKNOWN',
      `no process holds the global name ${JSON.stringify(name)} (its holder never registered it, or exited, or its node is down): register it with ctx.registerGlobal(${JSON.stringify(name)}) first; nothing was sent`,
    );
  }
  return pid;
}

/**
 * Registered names as processes of this thread use them: the registry itself belongs to the
 * host (shared by every thread of a VM); a local process also remembers its own name, so
 * that its exit or migration takes the name along.
 */
export class Registrations {
  constructor(
    private readonly procs: ProcessTable,
    private readonly names: NameRegistry,
    /** Whether a pid with no process on this thread is alive elsewhere. */
    private readonly aliveElsewhere: (pid: number) => boolean,
    /** Sends a signal to a process on another thread. */
    private readonly route: (signal: Signal) => void,
  ) {}

  register(name: string, pid: number): void {
    this.registerName(name, pid, false);
  }

  /** `unborn`: the pid of a process being spawned, which carries its name in its job. */
  registerName(name: string, pid: number, unborn: boolean): void {
    if (typeof name !== 'string' || name === '') {
      throw new BeamError('ERR_INVALID_NAME', `a registered name must be a non-empty string, got ${describe(name)}`);
    }
    const proc = this.procs.get(pid);
    if (!proc && !unborn) {
      this.registerElsewhere(name, pid);
      return;
    }
    // A name given from another thread is in the registry before its `named` signal arrives.
    const current = proc === undefined ? undefined : (proc.registeredName ?? this.names.nameOf?.(pid));
    if (current !== undefined) {
      throw new BeamError('ERR_NAME_TAKEN', `process ${pid} is already registered as ${JSON.stringify(current)}: a process has one name; unregister it first`);
    }
    this.claim(name, pid);
    if (proc) proc.registeredName = name;
  }

  /**
   * Registers a live process of another thread (a scheduler's, or the main thread's): the
   * shared registry takes the name now, and a `named` signal tells the process's owner, which
   * records it so that the name goes when the process exits (or, if it has exited meanwhile,
   * the signal bounces and the name goes at once).
   */
  private registerElsewhere(name: string, pid: number): void {
    if (!this.aliveElsewhere(pid)) {
      throw new BeamError('ERR_NOPROC', `cannot register ${JSON.stringify(name)} for process ${pid}: it is not alive`);
    }
    const current = this.names.nameOf?.(pid);
    if (current !== undefined) {
      throw new BeamError('ERR_NAME_TAKEN', `process ${pid} is already registered as ${JSON.stringify(current)}: a process has one name; unregister it first`);
    }
    this.claim(name, pid);
    this.route({ kind: 'named', to: pid, name, on: true });
  }

  private claim(name: string, pid: number): void {
    if (!this.names.register(name, pid)) {
      throw new BeamError('ERR_NAME_TAKEN', `the name ${JSON.stringify(name)} is already registered to process ${this.names.whereis(name)}: pick another name, or unregister it first`);
    }
  }

  unregister(name: string): void {
    const pid = this.names.whereis(name);
    if (pid === undefined) return;
    this.names.unregister(name, pid);
    const proc = this.procs.get(pid);
    if (proc) {
      if (proc.registeredName === name) proc.registeredName = undefined;
    } else {
      this.route({ kind: 'named', to: pid, name, on: false });
    }
  }
}
