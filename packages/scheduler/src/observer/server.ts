import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { BeamError, type ExitReason } from '@beamjs/runtime';
import { asset } from './assets.js';
import { LoadHistory, type CounterSource } from './load.js';
import { mergeProcesses, supervisionForest } from './model.js';
import type { ProcessDetail, SchedulerSnapshot, SnapshotRequest, SupervisorEntry } from './types.js';

export interface ObserveOptions {
  /** TCP port (default 0: a free one; the URL says which). */
  port?: number;
  /** Interface to bind (default 127.0.0.1, loopback only). Anything else is reachable from the network: the token guards it. */
  host?: string;
  /** Let the page exit processes and migrate behaviour processes (default false). */
  allowActions?: boolean;
  /** Milliseconds between two updates of the page (default 1000). */
  intervalMs?: number;
}

/** What the observer needs of a VM (the VM gives it this; tests give it a fake). */
export interface ObservedVM extends CounterSource {
  /** Nodes to ask for snapshots: the schedulers and the main thread. */
  nodes(): number[];
  snapshot(node: number, request: SnapshotRequest): Promise<SchedulerSnapshot | undefined>;
  detail(pid: number): Promise<ProcessDetail | undefined>;
  isAlive(pid: number): boolean;
  /** Sends exit signal `reason` to `pid` (as Erlang's exit/2 from the main thread). */
  exit(pid: number, reason: ExitReason): void;
  migrate(pid: number, to: number): Promise<boolean>;
}

/** Most rows a page may ask for (the top N of each sort column). */
const MAX_LIMIT = 5000;
const BODY_LIMIT = 4096;

interface Client {
  res: ServerResponse;
  filter: string;
  limit: number;
}

/**
 * The web observer: an HTTP server (node:http) that serves one page and streams the VM's
 * state to it with Server-Sent Events (updates only flow one way; the two actions are plain
 * POSTs, so WebSockets would add a dependency for nothing).
 *
 * Cost: load samples are read from the shared stats blocks on this thread once per tick, which
 * no scheduler notices. Schedulers are asked for snapshots (process rows, supervisors, heap)
 * only while at least one page is open.
 *
 * Security: every request but the static files needs the token (in the URL printed at start,
 * or the `x-beamjs-token` header); actions need `allowActions` and the token in the header.
 */
export class Observer {
  readonly token = randomBytes(18).toString('base64url');
  readonly allowActions: boolean;
  private readonly clients = new Set<Client>();
  private readonly history: LoadHistory;
  private readonly heap = new Map<number, number>();
  private readonly intervalMs: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private tickNo = 0;
  private snapshotting = false;
  private closed = false;

  private constructor(
    private readonly vm: ObservedVM,
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
    options: ObserveOptions,
  ) {
    this.allowActions = options.allowActions ?? false;
    this.intervalMs = options.intervalMs ?? 1000;
    this.history = new LoadHistory(vm, Math.max(60, Math.round(600_000 / this.intervalMs)));
  }

  /** The page's address, token included: open it in a browser. */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}/?token=${this.token}`;
  }

  /** @internal use vm.observe() */
  static async start(vm: ObservedVM, options: ObserveOptions = {}): Promise<Observer> {
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new BeamError('ERR_INVALID_OPTION', `observe: port must be a whole number from 0 to 65535 (0 picks a free one), got ${String(options.port)}`);
    }
    if (typeof host !== 'string' || host === '') throw new BeamError('ERR_INVALID_OPTION', `observe: host must be an interface address such as 127.0.0.1 or 0.0.0.0, got ${String(options.host)}`);
    const interval = options.intervalMs ?? 1000;
    if (typeof interval !== 'number' || !(interval >= 50)) throw new BeamError('ERR_INVALID_OPTION', `observe: intervalMs must be at least 50, got ${String(options.intervalMs)}`);
    let observer: Observer | undefined;
    const server = createServer((req, res) => {
      observer!.handle(req, res).catch((err: unknown) => sendJson(res, 500, { error: String((err as Error)?.message ?? err) }));
    });
    // The observer lives as long as the program: it does not keep Node running by itself.
    server.on('connection', (socket) => socket.unref());
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new BeamError('ERR_INVALID_OPTION', `observe: cannot listen on ${host}:${port} (${err.code ?? err.message}): pick another port, or 0 for a free one`)),
      );
      server.listen(port, host, () => resolve());
    });
    server.unref();
    observer = new Observer(vm, server, host, (server.address() as AddressInfo).port, options);
    observer.timer = setInterval(() => void observer!.tick(), interval);
    observer.timer.unref();
    void observer.tick();
    return observer;
  }

  /** Stops serving; open pages see the stream end. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
  }

  // ---- the tick ---------------------------------------------------------------------------------

  private async tick(): Promise<void> {
    if (this.closed) return;
    const load = this.history.sample(performance.now(), Date.now(), this.heap);
    // A tick whose snapshots are still coming (a busy scheduler answers late) is not doubled.
    if (this.clients.size === 0 || this.snapshotting) {
      for (const c of this.clients) send(c.res, 'load', load);
      return;
    }
    this.snapshotting = true;
    try {
      const tick = ++this.tickNo;
      const groups = new Map<string, Client[]>();
      for (const c of this.clients) groups.set(c.filter, [...(groups.get(c.filter) ?? []), c]);
      for (const [filter, clients] of groups) {
        const limit = Math.max(...clients.map((c) => c.limit));
        const view = await this.view({ tick, filter, limit });
        for (const c of clients) send(c.res, 'tick', { load, ...view });
      }
    } finally {
      this.snapshotting = false;
    }
  }

  /** Processes and supervisors, from a snapshot of every node (one that does not answer in time is left out). */
  private async view(request: SnapshotRequest): Promise<{ processes: ReturnType<typeof mergeProcesses>; supervisors: ReturnType<typeof supervisionForest> }> {
    const nodes = this.vm.nodes();
    const snapshots = await Promise.all(nodes.map((n) => within(this.vm.snapshot(n, request), Math.max(1000, this.intervalMs * 2))));
    const supervisors: SupervisorEntry[] = [];
    for (const s of snapshots) {
      if (!s) continue;
      this.heap.set(s.scheduler, s.heapUsed);
      supervisors.push(...s.supervisors);
    }
    return { processes: mergeProcesses(snapshots, nodes, request.limit), supervisors: supervisionForest(supervisors) };
  }

  // ---- HTTP ---------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://observer');
    const file = url.pathname.startsWith('/assets/') ? await asset(url.pathname) : undefined;
    if (file) {
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' });
      res.end(file.body);
      return;
    }
    const isPost = req.method === 'POST';
    // Actions take the token from a header only: a form or link from another site cannot set one.
    const token = isPost ? req.headers['x-beamjs-token'] : (req.headers['x-beamjs-token'] ?? url.searchParams.get('token'));
    if (!this.isToken(token)) {
      if (url.pathname === '/' && !isPost) {
        res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('This observer needs its token: open the URL it printed at start (it ends with ?token=...).\n');
        return;
      }
      return sendJson(res, 401, { error: `missing or wrong token: use the URL the observer printed at start${isPost ? ', and send the token in the x-beamjs-token header' : ''}` });
    }
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /') {
      const page = await asset('/');
      res.writeHead(200, { 'content-type': page!.type, 'cache-control': 'no-store' });
      res.end(page!.body);
      return;
    }
    if (route === 'GET /events') return this.openStream(req, res, url);
    if (route === 'GET /api/view') {
      const view = await this.view({ tick: ++this.tickNo, filter: url.searchParams.get('filter') ?? '', limit: limitOf(url.searchParams.get('limit')) });
      return sendJson(res, 200, { load: this.history.samples.at(-1), ...view });
    }
    const detail = /^GET \/api\/process\/(\d+)$/.exec(route);
    if (detail) {
      const info = await within(this.vm.detail(Number(detail[1])), 2000);
      return info ? sendJson(res, 200, info) : sendJson(res, 404, { error: `no live process ${detail[1]} (or its scheduler did not answer)` });
    }
    if (isPost && (url.pathname === '/api/exit' || url.pathname === '/api/migrate')) {
      if (!this.allowActions) {
        return sendJson(res, 403, { error: 'actions are off: start with --observe-allow-kill (or vm.observe({ allowActions: true })) to exit or migrate processes from the page' });
      }
      const body = await readJson(req);
      if (url.pathname === '/api/exit') return this.exitAction(res, body);
      return this.migrateAction(res, body);
    }
    sendJson(res, 404, { error: `no such page: ${req.method} ${url.pathname}` });
  }

  private openStream(req: IncomingMessage, res: ServerResponse, url: URL): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    const client: Client = { res, filter: (url.searchParams.get('filter') ?? '').slice(0, 200), limit: limitOf(url.searchParams.get('limit')) };
    this.clients.add(client);
    req.on('close', () => this.clients.delete(client));
    res.on('error', () => this.clients.delete(client));
    send(res, 'hello', { schedulers: this.vm.schedulers(), allowActions: this.allowActions, intervalMs: this.intervalMs, history: this.history.samples });
    void this.tick();
  }

  private exitAction(res: ServerResponse, body: unknown): void {
    const { pid, reason } = (body ?? {}) as { pid?: unknown; reason?: unknown };
    if (!isPid(pid)) return sendJson(res, 400, { error: `exit needs { pid, reason }: pid must be a process id, got ${JSON.stringify(pid)}` });
    if (reason !== undefined && (typeof reason !== 'string' || reason === '' || reason.length > 200)) {
      return sendJson(res, 400, { error: `the exit reason must be a word such as kill, shutdown or a short text, got ${JSON.stringify(reason)}` });
    }
    if (!this.vm.isAlive(pid)) return sendJson(res, 404, { error: `process ${pid} is not alive` });
    this.vm.exit(pid, (reason ?? 'kill') as ExitReason);
    sendJson(res, 200, { ok: true });
  }

  private async migrateAction(res: ServerResponse, body: unknown): Promise<void> {
    const { pid, to } = (body ?? {}) as { pid?: unknown; to?: unknown };
    const schedulers = this.vm.schedulers();
    if (!isPid(pid)) return sendJson(res, 400, { error: `migrate needs { pid, to }: pid must be a process id, got ${JSON.stringify(pid)}` });
    if (typeof to !== 'number' || !schedulers.includes(to)) return sendJson(res, 400, { error: `migrate: to must be a scheduler id (${schedulers.join(', ')}), got ${JSON.stringify(to)}` });
    if (!this.vm.isAlive(pid)) return sendJson(res, 404, { error: `process ${pid} is not alive` });
    const moved = await this.vm.migrate(pid, to);
    if (!moved) {
      return sendJson(res, 409, { error: `process ${pid} cannot move now: only a behaviour process (GenServer, actor) waiting between two messages can move, and not to the scheduler it is on` });
    }
    sendJson(res, 200, { ok: true });
  }

  private isToken(given: string | string[] | undefined | null): boolean {
    if (typeof given !== 'string') return false;
    const a = Buffer.from(given);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

function send(res: ServerResponse, event: string, data: unknown): void {
  // A page that went away during a tick: nothing to write to.
  if (res.destroyed || res.writableEnded) return;
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function sendJson(res: ServerResponse, status: number, data: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(data));
}

function limitOf(text: string | null): number {
  const n = Number(text ?? 100);
  return Number.isInteger(n) && n > 0 ? Math.min(n, MAX_LIMIT) : 100;
}

function isPid(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > BODY_LIMIT) return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `promise`, or undefined if it has not settled within `ms` (a scheduler stuck in a long step). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
    timer.unref();
  });
  return Promise.race([promise.catch(() => undefined), late]).finally(() => clearTimeout(timer));
}
