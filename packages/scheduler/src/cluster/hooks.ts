import { BeamError, TIMEOUT, checkPid, creationOf, type BeamErrorCode, type ClusterHooks, type Context, type Definition } from '@beamjs/runtime';
import { GlobalTable } from './global-table.js';
import { NodeTable } from './node-table.js';
import { KERNEL_NAME, isReplyTo, type KernelRequest } from './requests.js';

/**
 * What `ctx.node()`, `ctx.spawnOn`, `ctx.registerGlobal`... do, on every thread of a cluster
 * node: node names come from the shared node table; the rest is a request to the node's net
 * kernel on the main thread (kernel.ts), answered by message.
 */
export class ProcessCluster implements ClusterHooks {
  constructor(
    private readonly table: NodeTable,
    private readonly globals: GlobalTable,
    private readonly self: number,
    /** The longest a request may wait for the kernel's answer (the kernel's own NATS requests time out before). */
    private readonly timeoutMs: number,
  ) {}

  node(): string {
    return this.table.nameOf(this.self) ?? 'nonode@nohost';
  }

  nodes(): string[] {
    return this.table.upNames(this.self);
  }

  /** Whether node `creation` is up now, as this node sees it. */
  isUp(creation: number): boolean {
    return this.table.isUp(creation);
  }

  nodeOf(pid: number): string | undefined {
    return this.table.nameOf(creationOf(pid));
  }

  monitorNode(ctx: Context<any>, node: string, all: boolean): void {
    if (!all) checkNodeName(node, 'monitorNode');
    ctx.send(KERNEL_NAME, { $net: 'monitorNode', from: ctx.self, node, all } satisfies KernelRequest);
  }

  async spawnOn(ctx: Context<any>, node: string, def: Definition, args: unknown[], options: { link?: boolean; monitorRef?: number }): Promise<number> {
    checkNodeName(node, 'spawnOn');
    if (!def || typeof def.key !== 'string' || !def.moduleUrl.startsWith('file:')) {
      throw new BeamError('ERR_NOT_A_DEFINITION', `spawnOn needs a definition made with defineProcess(import.meta.url, name, fn) in a module file (the other node loads the same file), got ${String(def?.key ?? def)}`);
    }
    // The link and the monitor are in place from the child's birth (kernel.ts).
    return (await this.ask(ctx, (ref) => ({ $net: 'spawnOn', from: ctx.self, ref, node, key: def.key, args, link: options.link === true, monitorRef: options.monitorRef }))) as number;
  }

  async registerGlobal(ctx: Context<any>, name: string, pid: number): Promise<boolean> {
    checkGlobalName(name, 'registerGlobal');
    checkPid(pid, 'registerGlobal');
    return (await this.ask(ctx, (ref) => ({ $net: 'registerGlobal', from: ctx.self, ref, name, pid }))) as boolean;
  }

  async unregisterGlobal(ctx: Context<any>, name: string): Promise<void> {
    checkGlobalName(name, 'unregisterGlobal');
    await this.ask(ctx, (ref) => ({ $net: 'unregisterGlobal', from: ctx.self, ref, name }));
  }

  /** From this node's replica, at once (registerGlobal returns once every node up has the name). */
  async whereisGlobal(_ctx: Context<any>, name: string): Promise<number | undefined> {
    checkGlobalName(name, 'whereisGlobal');
    return this.globalHolder(name);
  }

  /**
   * The replica's holder of `name`, unless it is on a node that is down (its names are being
   * freed). A holder of this node that just exited may still be there for a moment, until the
   * kernel's monitor fires and the deletion comes back through the watch: a send then is lost,
   * as one to a pid that just died (Erlang's `global` has the same window).
   */
  globalHolder(name: string): number | undefined {
    const pid = this.globals.holder(name);
    if (pid === undefined) return undefined;
    const creation = creationOf(pid);
    return creation === this.self || this.table.isUp(creation) ? pid : undefined;
  }

  private async ask(ctx: Context<any>, request: (ref: number) => KernelRequest): Promise<unknown> {
    const ref = ctx.makeRef();
    const body = request(ref);
    ctx.send(KERNEL_NAME, body);
    const reply = await ctx.receive(isReplyTo(ref), this.timeoutMs);
    if (reply === TIMEOUT) throw new BeamError('ERR_NOCONNECTION', `${body.$net}: no answer within ${this.timeoutMs} ms`);
    if ('error' in reply) throw new BeamError(reply.error.code as BeamErrorCode, reply.error.message);
    return reply.value;
  }
}

function checkNodeName(node: unknown, where: string): asserts node is string {
  if (typeof node !== 'string' || node === '') throw new BeamError('ERR_INVALID_ARGUMENT', `${where} needs a node name (a string, as in ctx.nodes()), got ${String(node)}`);
}

function checkGlobalName(name: unknown, where: string): asserts name is string {
  if (typeof name !== 'string' || name === '') throw new BeamError('ERR_INVALID_NAME', `${where} needs a non-empty string name, got ${String(name)}`);
}

/** What every thread of a cluster node shares (posted to each scheduler at its start). */
export interface ClusterShared {
  /** The node table (node-table.ts). */
  table: SharedArrayBuffer;
  /** The replica of the global name table (global-table.ts). */
  globals: SharedArrayBuffer;
  requestTimeoutMs: number;
}

/** The hooks every thread's host gives its processes, over the VM's shared tables. */
export function processCluster(shared: ClusterShared, creation: number): ProcessCluster {
  // The kernel's own NATS requests time out first, with the better error.
  return new ProcessCluster(new NodeTable(shared.table), new GlobalTable(shared.globals), creation, shared.requestTimeoutMs + 1000);
}
