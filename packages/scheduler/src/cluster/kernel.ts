import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BeamError, isDownMessage, loadDefinition, splitKey, type Context, type Definition, type Runtime } from '@beamjs/runtime';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { isTypeScriptFile, registerTypeScript } from '../typescript.js';
import type { GlobalReplica } from './global-table.js';
import type { GlobalNames } from './globals.js';
import type { NodeTable } from './node-table.js';
import { subjects, type ResolvedClusterOptions } from './options.js';
import { isKernelRequest, type KernelReply, type KernelRequest } from './requests.js';

/** A request from another node's kernel, on our control subject. */
type ControlRequest = { op: 'ping' } | { op: 'globalSync'; revision: number } | { op: 'spawn'; module: string; name: string; args: unknown[]; spawner: number; link: boolean; monitorRef?: number };
type ControlReply = { ok: true; pid?: number; name?: string } | { ok: false; code: string; message: string };

export interface KernelDeps {
  nc: NatsConnection;
  options: ResolvedClusterOptions;
  self: number;
  table: NodeTable;
  globals: GlobalNames;
  /** This node's replica of the global name table. */
  replica: GlobalReplica;
  runtime: Runtime;
  /** The kernel's own mailbox on the main thread, registered as KERNEL_NAME. */
  mailbox: Context<unknown>;
  /** Starts a process on this node, linked from birth to `links`, monitored from birth by `monitoredBy` ([ref, watcher]). */
  spawn(def: Definition, args: unknown[], links: number[], monitoredBy: [number, number][], parent: number): number;
}

/**
 * The net kernel of a node (Erlang's `net_kernel` + `global`), on the main thread: it answers
 * the node's processes (remote spawn, node monitors, global names) and the other nodes
 * (ping, spawn here).
 */
export class Kernel {
  private readonly s;
  private readonly sub: Subscription;
  /** One-shot `monitorNode(name)` watchers. */
  private readonly nodeWatchers = new Map<string, Set<number>>();
  /** `monitorNodes()` watchers, each monitored so it is forgotten when it exits. */
  private readonly allWatchers = new Map<number, number>();
  /** Global names registered by processes of this node: monitor ref -> name and KV revision. */
  private readonly held = new Map<number, { name: string; revision: number; pid: number }>();
  private closed = false;

  constructor(private readonly deps: KernelDeps) {
    this.s = subjects(deps.options.prefix);
    this.sub = deps.nc.subscribe(this.s.control(deps.self), { callback: (err, msg) => { if (!err) void this.onControl(msg); } });
    void this.serve();
  }

  // ---- membership events ---------------------------------------------------------------------

  nodeUp(name: string): void {
    for (const pid of this.allWatchers.values()) this.deps.mailbox.send(pid, { type: 'nodeup', node: name });
  }

  nodeDown(creation: number, name: string): void {
    const once = this.nodeWatchers.get(name);
    this.nodeWatchers.delete(name);
    for (const pid of once ?? []) this.deps.mailbox.send(pid, { type: 'nodedown', node: name });
    for (const pid of this.allWatchers.values()) this.deps.mailbox.send(pid, { type: 'nodedown', node: name });
    void this.deps.globals.releaseNode(creation).catch(() => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    this.sub.unsubscribe();
    // Our names go with us (the others would free them once we are down anyway).
    await Promise.all([...this.held.values()].map((h) => this.deps.globals.unregister(h.name, h.revision)));
  }

  // ---- requests from this node's processes -----------------------------------------------------

  private async serve(): Promise<void> {
    const ctx = this.deps.mailbox;
    while (!this.closed) {
      let msg: unknown;
      try {
        msg = await ctx.receive();
      } catch {
        return; // the VM stopped
      }
      if (isDownMessage(msg)) this.onWatcherDown(msg.ref);
      else if (isKernelRequest(msg)) void this.handle(msg);
    }
  }

  private async handle(req: KernelRequest): Promise<void> {
    if (req.$net === 'monitorNode') {
      this.monitorNode(req.from, req.node, req.all);
      return;
    }
    let reply: KernelReply;
    try {
      reply = { $netReply: req.ref, value: await this.answer(req) };
    } catch (err) {
      const e = err as BeamError;
      reply = { $netReply: req.ref, error: { code: e.code ?? 'ERR_CLUSTER', message: e.message } };
    }
    this.deps.mailbox.send(req.from, reply);
  }

  private async answer(req: Exclude<KernelRequest, { $net: 'monitorNode' }>): Promise<unknown> {
    const { globals } = this.deps;
    switch (req.$net) {
      case 'spawnOn':
        return this.spawnOn(req);
      case 'registerGlobal': {
        const revision = await globals.register(req.name, req.pid);
        if (revision === undefined) return false;
        // The registering node watches the holder: the name goes when it exits (or its node goes down).
        const ref = this.deps.mailbox.monitor(req.pid);
        this.held.set(ref, { name: req.name, revision, pid: req.pid });
        await this.syncGlobals(revision);
        return true;
      }
      case 'unregisterGlobal': {
        for (const [ref, h] of this.held) if (h.name === req.name) {
          this.held.delete(ref);
          this.deps.mailbox.demonitor(ref);
        }
        await globals.unregister(req.name);
        await this.syncGlobals(await globals.lastRevision());
        return undefined;
      }
    }
  }

  /**
   * Waits until every node up (this one included) has the global name table up to `revision`
   * in its replica, so that `registerGlobal` / `unregisterGlobal` return when a send by that
   * name resolves the same way on every node, as Erlang's `global` (which updates all nodes
   * before `register_name` returns). A node that does not answer within the request timeout is
   * not waited for (it is going down, or will catch up from its watch).
   */
  private async syncGlobals(revision: number): Promise<void> {
    const { nc, table, replica, options, self } = this.deps;
    const request = JSON.stringify({ op: 'globalSync', revision } satisfies ControlRequest);
    await Promise.all([
      replica.reached(revision, options.requestTimeoutMs),
      ...table.upCreations(self).map((creation) => nc.request(this.s.control(creation), request, { timeout: options.requestTimeoutMs }).catch(() => {})),
    ]);
  }

  private async spawnOn(req: Extract<KernelRequest, { $net: 'spawnOn' }>): Promise<number> {
    const { table, options } = this.deps;
    const creation = table.creationOfName(req.node);
    if (creation === undefined) {
      throw new BeamError('ERR_NOCONNECTION', `spawnOn: node '${req.node}' is not up (nodes up: ${table.upNames(this.deps.self).join(', ') || 'none'})`);
    }
    const { moduleUrl, name } = splitKey(req.key);
    const module = path.relative(options.root, fileURLToPath(moduleUrl)).split(path.sep).join('/');
    const request: ControlRequest = { op: 'spawn', module, name, args: req.args, spawner: req.from, link: req.link, monitorRef: req.monitorRef };
    let msg: Msg;
    try {
      msg = await this.deps.nc.request(this.s.control(creation), serialize(request), { timeout: options.requestTimeoutMs });
    } catch (err) {
      throw new BeamError('ERR_NOCONNECTION', `spawnOn: node '${req.node}' did not answer (${(err as Error).message})`);
    }
    const reply = deserialize(msg.data) as ControlReply;
    if (!reply.ok) throw new BeamError(reply.code as never, `spawnOn('${req.node}', ${module}#${name}): ${reply.message}`);
    return reply.pid!;
  }

  private monitorNode(from: number, node: string, all: boolean): void {
    if (all) {
      if ([...this.allWatchers.values()].includes(from)) return;
      this.allWatchers.set(this.deps.mailbox.monitor(from), from);
      return;
    }
    if (this.deps.table.creationOfName(node) === undefined) {
      this.deps.mailbox.send(from, { type: 'nodedown', node });
      return;
    }
    const set = this.nodeWatchers.get(node) ?? new Set();
    set.add(from);
    this.nodeWatchers.set(node, set);
  }

  private onWatcherDown(ref: number): void {
    if (this.allWatchers.delete(ref)) return;
    const held = this.held.get(ref);
    if (held) {
      this.held.delete(ref);
      void this.deps.globals.unregister(held.name, held.revision);
    }
  }

  // ---- requests from other nodes ---------------------------------------------------------------

  private async onControl(msg: Msg): Promise<void> {
    let request: ControlRequest;
    try {
      // A ping is JSON (membership and name claims send it before any kernel exists); a spawn
      // carries its arguments, v8-serialized (whose first byte is never '{').
      request = msg.data.length && msg.data[0] === 0x7b ? (JSON.parse(new TextDecoder().decode(msg.data)) as ControlRequest) : (deserialize(msg.data) as ControlRequest);
    } catch {
      return;
    }
    let reply: ControlReply;
    if (request.op === 'ping') {
      reply = { ok: true, name: this.deps.options.node };
    } else if (request.op === 'globalSync') {
      await this.deps.replica.reached(request.revision, this.deps.options.requestTimeoutMs);
      reply = { ok: true };
    } else {
      try {
        reply = { ok: true, pid: await this.spawnHere(request) };
      } catch (err) {
        const e = err as BeamError;
        reply = { ok: false, code: e.code ?? 'ERR_LOAD_FAILED', message: e.message };
      }
    }
    msg.respond(serialize(reply));
  }

  /**
   * A process for another node: its module by the same path under our root. With `link`, the
   * child is linked to the spawner from birth, and the spawner's side of the link is sent
   * before the reply and before anything the child can send: an exit of the child can never
   * overtake it (one ordered path between two nodes, see gateway.ts). With `monitorRef`, the
   * child is monitored by the spawner from birth (the spawner holds the ref already), so a
   * child that dies before the reply reaches the spawner sends its DOWN with its real reason.
   */
  private async spawnHere(request: Extract<ControlRequest, { op: 'spawn' }>): Promise<number> {
    const file = path.resolve(this.deps.options.root, request.module);
    if (isTypeScriptFile(file)) await registerTypeScript();
    const def = await loadDefinition(`${pathToFileURL(file).href}#${request.name}`).catch((err: Error) => {
      throw new BeamError('ERR_LOAD_FAILED', `node '${this.deps.options.node}' cannot load ${request.module} (under its root ${this.deps.options.root}): ${err.message}`);
    });
    const monitoredBy: [number, number][] = request.monitorRef === undefined ? [] : [[request.monitorRef, request.spawner]];
    const pid = this.deps.spawn(def, request.args, request.link ? [request.spawner] : [], monitoredBy, request.spawner);
    if (request.link) this.deps.runtime.dispatch({ kind: 'link', to: request.spawner, from: pid });
    return pid;
  }
}
