import type { Context, Definition, Runtime } from '@beamjs/runtime';
import type { MainHost } from '../main-host.js';
import { releaseName, takeSeat, type ClusterSeat } from './connection.js';
import { Gateway } from './gateway.js';
import { GlobalReplica, GlobalTable } from './global-table.js';
import { GlobalNames } from './globals.js';
import { Kernel } from './kernel.js';
import { Membership } from './membership.js';
import { fireNoconnection } from './noconnection.js';
import { NodeTable } from './node-table.js';
import { resolveClusterOptions, type ResolvedClusterOptions } from './options.js';
import { KERNEL_NAME } from './requests.js';
import type { ClusterShared } from './hooks.js';

/** A seat taken before the VM's threads start (its creation is in every pid the VM makes). */
export interface ClusterJoin {
  options: ResolvedClusterOptions;
  seat: ClusterSeat;
  table: NodeTable;
  /** What every thread of the VM shares: the node table, the global name replica. */
  shared: ClusterShared;
}

export async function joinCluster(node: unknown, cluster: unknown): Promise<ClusterJoin> {
  const options = resolveClusterOptions(node, cluster);
  const seat = await takeSeat(options);
  const table = new NodeTable(NodeTable.create());
  return { options, seat, table, shared: { table: table.buffer, globals: GlobalTable.create(), requestTimeoutMs: options.requestTimeoutMs } };
}

export interface ClusterVM {
  host: MainHost;
  runtime: Runtime;
  /** A mailbox on the main thread for the kernel. */
  mailbox: Context<unknown>;
  spawn(def: Definition, args: unknown[], links: number[], monitoredBy: [number, number][], parent: number): number;
}

/**
 * A VM's membership in a cluster, on its main thread: the gateway for signals, heartbeats
 * and failure detection, the net kernel. See the scheduler README, "Distribution".
 */
export class ClusterNode {
  readonly gateway: Gateway;
  private readonly membership: Membership;
  private readonly kernel: Kernel;
  private readonly globals: GlobalNames;
  private readonly replica: GlobalReplica;

  constructor(
    private readonly join: ClusterJoin,
    private readonly vm: ClusterVM,
  ) {
    const { seat, options, table } = join;
    this.gateway = new Gateway(seat.nc, options.prefix, seat.creation, table, vm.runtime);
    vm.host.gateway = this.gateway;
    this.globals = new GlobalNames(seat.globals, (pid) => vm.host.isAlive(pid));
    this.replica = new GlobalReplica(new GlobalTable(join.shared.globals), seat.globals);
    vm.mailbox.register(KERNEL_NAME);
    this.kernel = new Kernel({ nc: seat.nc, options, self: seat.creation, table, globals: this.globals, replica: this.replica, runtime: vm.runtime, mailbox: vm.mailbox, spawn: vm.spawn });
    this.membership = new Membership(seat.nc, options, seat.creation, table, {
      up: (_creation, name) => this.kernel.nodeUp(name),
      down: (creation, name) => this.nodeDown(creation, name),
    });
  }

  get name(): string {
    return this.join.options.node;
  }

  get creation(): number {
    return this.join.seat.creation;
  }

  async start(): Promise<void> {
    await this.replica.start(this.join.options.requestTimeoutMs);
    this.membership.start();
    await this.membership.discover(await this.registeredNodes());
  }

  nodes(): string[] {
    return this.membership.upNames();
  }

  /** Leaves the cluster: the others hear it at once, our global names and node name are freed. */
  async stop(): Promise<void> {
    const { seat, options } = this.join;
    await this.membership.stop();
    await this.kernel.close().catch(() => {});
    this.replica.stop();
    this.gateway.close();
    await releaseName(seat, options.node);
    await seat.nc.drain().catch(() => {});
  }

  /**
   * Node `creation` is down: what waited for it is dropped, links and monitors to its processes
   * fire `noconnection` on the main thread and on every scheduler (after whatever it sent
   * before: same ports, in order), node monitors hear `nodedown`, its global names are freed.
   */
  private nodeDown(creation: number, name: string): void {
    this.gateway.dropFor(creation);
    fireNoconnection(this.vm.runtime, creation);
    for (const id of this.vm.host.peers.keys()) this.vm.host.enqueue(id, { kind: 'nodedown', creation });
    this.vm.host.flush();
    this.kernel.nodeDown(creation, name);
  }

  private async registeredNodes(): Promise<{ name: string; creation: number }[]> {
    const found: { name: string; creation: number }[] = [];
    const keys = await this.join.seat.nodes.keys('node.>');
    for await (const key of keys) {
      const entry = await this.join.seat.nodes.get(key);
      if (entry?.operation === 'PUT') found.push({ name: key.slice('node.'.length), creation: (entry.json() as { creation: number }).creation });
    }
    return found;
  }
}
