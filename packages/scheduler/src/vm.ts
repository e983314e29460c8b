import { EventEmitter } from 'node:events';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker, isMainThread, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import * as Comlink from 'comlink';
import {
  type LogSink,
  BeamError,
  GenServer,
  Runtime,
  SLOT_SPACE,
  TimerCells,
  assertDefinition,
  deepCopy,
  defaultReporter,
  isDownMessage,
  type AnyPid,
  type ArgsOf,
  type Context,
  checkPid,
  type Definition,
  type Dest,
  type ExitReason,
  type MessageOf,
  type Pid,
  type ProcessDefinition,
  type ProcessInfo,
  type Ref,
  type RuntimeEvent,
  type ServerRef,
  type ServerTypes,
  type SpawnOptions,
} from '@beamjs/runtime';
import { Directory, MAIN_NODE, NO_OWNER, ownerOf } from './directory.js';
import { JobRing } from './job-ring.js';
import { SharedNames } from './names.js';
import { StatsBlock } from './stats-block.js';
import { loadWindowMs } from './load-meter.js';
import { Watchdog } from './watchdog.js';
// The NATS client loads only for a cluster node (dynamic imports in VM.start).
import type { ClusterNode, ClusterJoin } from './cluster/cluster-node.js';
import { processCluster } from './cluster/hooks.js';
import type { ClusterOptions } from './cluster/options.js';
import { MainHost } from './main-host.js';
import { Doorbells } from './doorbell.js';
import type { PeerWiring } from './peer-link.js';
import { DEFAULT_SIGNAL_RING_BYTES, SignalRing } from './signal-ring.js';
import { nodeEndpoint } from './comlink-port.js';
import { cancelFlagsBuffer } from './cancel.js';
import { isTypeScriptFile, missingTsxError, tsxAvailable } from './typescript.js';
import { MainThreadWaits } from './main-waits.js';
import { inSchedulerThread } from './thread-role.js';
import { startWorker, workerExecArgv } from './exec-argv.js';
import { JobBoard, type RunOptions, type MapOptions } from './jobs.js';
import { isFaultAttribution, type FaultAttribution } from './fault-attribution.js';
import type { Connect, MoveRecord, SchedulerControl, SchedulerEvent, SchedulerInit, SchedulerStats } from './protocol.js';
import { Observer, type ObserveOptions, type ObservedVM } from './observer/server.js';
import { SnapshotProbe } from './observer/snapshot.js';

/** How often processInfo asks again for a process in transit between schedulers (~1 ms apart). */
const PROCESS_INFO_ATTEMPTS = 500;

/** `vm.spawnWith`'s options: those of `ctx.spawnWith` (`scheduler` binds it to that scheduler, `placement` chooses). */
export type VMSpawnOptions = SpawnOptions;

export interface VMOptions {
  /** Scheduler threads (default: `os.availableParallelism()`; 1 is allowed). */
  schedulers?: number;
  /** Modules every scheduler imports before it takes work: your definitions (.ts or .js, paths or URLs). */
  modules?: (string | URL)[];
  /** Crash reports, long schedules and scheduler deaths (default: crashes and deaths to stderr). */
  onReport?: (event: VMEvent) => void;
  /** A logger (`Logger.create({ level, format })`) for reports and processes' log lines, when `onReport` is not given. */
  logger?: LogSink;
  /** A process step longer than this is reported as a long schedule (default 100 ms). */
  longScheduleMs?: number;
  /** Limits for each scheduler thread: one that exceeds them dies alone and is replaced. */
  resourceLimits?: ResourceLimits;
  /** Idle schedulers take work from busy ones (default true). */
  stealing?: boolean;
  /**
   * How long a new process stays its spawner's before an idle scheduler may take it, in ms
   * (default 1): processes spawned together usually talk to each other, and a message between
   * two threads costs far more than one within a thread.
   */
  stealAfterMs?: number;
  /** How often schedulers compare loads and move processes, in ms (default 50; 0 turns it off). */
  balanceIntervalMs?: number;
  /** Most live processes at once in the whole VM (default 4,194,304). */
  maxProcesses?: number;
  /**
   * Keep the Node process alive while the VM runs, even with nothing pending (default false:
   * like piscina, a VM with no job, call or receive in flight for the main thread lets Node
   * exit; `vm.stop()` is still the clean way out). Set it for servers whose work arrives later.
   */
  keepAlive?: boolean;
  /**
   * Most `vm.run` jobs waiting for a scheduler at once; one more rejects with ERR_QUEUE_FULL
   * (backpressure, as piscina's maxQueue). Default Infinity. `vm.map` bounds itself (`concurrency`).
   */
  maxQueue?: number;
  /** This node's name in a cluster (with `cluster`): unique among the live nodes. */
  node?: string;
  /**
   * How a scheduler knows which process a fault that escaped every \`try\` came from (a throw in
   * a timer callback, an unhandled rejection, \`process.exit\` in a callback), so that it crashes
   * that process only. \`'promise-hooks'\` (default) follows promises, awaits, timers, immediates,
   * microtasks and ticks; \`'async-hooks'\` (AsyncLocalStorage) also follows callback-style I/O
   * (\`fs.readFile(path, cb)\`, sockets); on Node 20 it slows code that awaits (a ring of coroutines: 1.3-1.8x).
   */
  faultAttribution?: FaultAttribution;
  /** Join a cluster of nodes over NATS: its URL (`nats://user:pass@host:4222`), or `{ url, heartbeatMs, downAfterMs, ... }`. See "Distribution" in the README. */
  cluster?: string | ClusterOptions;
}

export type VMEvent = (RuntimeEvent & { scheduler: number }) | SchedulerDown;

/**
 * A scheduler thread ended while the VM ran: its `processes` exited with it (reason
 * `{ schedulerDown, cause }`). `hardCancelled` is the job whose hard cancellation stopped it
 * on purpose (then `processes` counts that job too).
 */
export interface SchedulerDown {
  type: 'scheduler_down';
  scheduler: number;
  cause: string;
  processes: number;
  replaced: boolean;
  hardCancelled?: number;
}

/**
 * The VM's events: `'schedulerDown'` for every scheduler thread that ends while the VM runs,
 * and `'error'` (a BeamError ERR_SCHEDULER_DOWN) for one that died unintended — emitted only
 * when you listen for it, so an unwatched VM never throws from the event.
 */
export interface VMEvents {
  schedulerDown: [SchedulerDown];
  error: [BeamError & { scheduler: number; processes: number }];
}

interface SchedulerThread {
  id: number;
  worker: Worker;
  control: Comlink.Remote<SchedulerControl>;
  controlPort: MessagePort;
  /** Why it is being stopped on purpose (hard cancellation), if so, and for which job. */
  killCause?: string;
  killedFor?: number;
  alive: boolean;
}

const WORKER_ENTRY = new URL('./worker-entry.js', import.meta.url);
/** How many recent moves `vm.migrations()` keeps. */
const MOVES_KEPT = 200;

/**
 * A running VM: one scheduler thread per core and the main thread's own node. Create it with
 * {@link startVM}; the main thread takes part as a process with a mailbox (`vm.self`).
 */
export class VM extends EventEmitter<VMEvents> {
  readonly schedulers: number;
  /** The main thread's mailbox, as a full process context: spawn, send, receive, link, monitor... It accepts any message. */
  readonly context: Context<any>;
  private readonly threads: SchedulerThread[] = [];
  private readonly host: MainHost;
  private readonly runtime: Runtime;
  private readonly jobs: JobBoard;
  private readonly statsBlock: StatsBlock;
  private readonly rings: SharedArrayBuffer[];
  private readonly mainRing: SharedArrayBuffer;
  private readonly bells = Doorbells.create();
  private readonly cancel: SharedArrayBuffer;
  private readonly directory: Directory;
  private readonly names: SharedNames;
  private readonly timers: SharedArrayBuffer;
  /** Set once stop() (or a failed start) begins: the threads that end from then on are not deaths. */
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private readonly waits: MainThreadWaits;
  /** Reports processes that hold a scheduler, while they do (watchdog.ts). */
  private watchdog: Watchdog | undefined;
  private readonly pendingReady = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private readonly exitWatchers = new Map<Ref, (reason: ExitReason) => void>();
  private readonly watcher: Context<unknown>;
  private readonly onReport: (event: VMEvent) => void;

  /** This VM's membership in a cluster (undefined without one). */
  private clusterNode: ClusterNode | undefined;

  private constructor(private readonly options: Required<Omit<VMOptions, 'resourceLimits' | 'onReport' | 'logger' | 'node' | 'cluster'>> & VMOptions & { execArgv: string[]; join?: ClusterJoin }) {
    super();
    this.schedulers = options.schedulers;
    this.waits = new MainThreadWaits(options.keepAlive);
    this.onReport = options.onReport ?? options.logger?.onReport ?? defaultVMReporter;
    this.directory = new Directory(Directory.create(options.maxProcesses, options.join?.seat.creation ?? 0));
    this.names = new SharedNames(SharedNames.create());
    this.timers = new SharedArrayBuffer(TimerCells.bytes(this.schedulers + 1));
    this.statsBlock = new StatsBlock(StatsBlock.create());
    this.rings = Array.from({ length: this.schedulers }, () => JobRing.create());
    this.mainRing = JobRing.create();
    this.cancel = cancelFlagsBuffer(this.directory.capacity);
    this.host = new MainHost(
      {
        directory: this.directory,
        names: this.names,
        // Regions 0..schedulers-1 are the schedulers'; the main thread's is the last.
        timerCells: new TimerCells(this.timers, this.schedulers),
        ring: new JobRing(this.mainRing),
        doorbells: new Doorbells(this.bells),
        report: (event) => this.onReport({ ...event, scheduler: MAIN_NODE }),
        stats: this.statsBlock,
        loadWindowMs: loadWindowMs(options.balanceIntervalMs),
      },
      () => this.threads.filter((t) => t.alive).map((t) => t.id),
    );
    this.host.schedulerCount = this.schedulers;
    if (options.join) this.host.cluster = processCluster(options.join.shared, options.join.seat.creation);
    this.runtime = new Runtime(this.host, { longScheduleMs: options.longScheduleMs });
    this.host.runtime = this.runtime;
    this.context = this.mailbox();
    // The main thread's mailbox lives as long as the VM: an exit signal from a link (a linked
    // process crashing, or `link` to a pid that is already dead, which answers `noproc`) must
    // not close it for good. It arrives as an EXIT message instead; `trapExit(false)` opts out.
    this.context.trapExit(true);
    this.watcher = this.internalMailbox();
    this.jobs = new JobBoard(
      this.internalMailbox(),
      this.cancel,
      this.directory,
      this.host,
      (pid, cause) => this.killOwnerOf(pid, cause),
      () => this.waits.hold(),
      options.maxQueue,
    );
    void this.watchExits();
  }

  /** @internal use {@link startVM} */
  static async start(options: VMOptions = {}): Promise<VM> {
    if (inSchedulerThread()) {
      throw new BeamError(
        'ERR_VM_IN_SCHEDULER',
        `startVM() was called inside a beamjs scheduler thread: every scheduler imports the modules that hold your definitions, so a module that starts a VM at its top level would start VMs without end. ` +
          `Move the startVM() call under if (isMainThread) { ... } (from node:worker_threads), or into a module the definitions do not import (your program's entry).`,
      );
    }
    const schedulers = options.schedulers ?? os.availableParallelism();
    if (!Number.isInteger(schedulers) || schedulers < 1 || schedulers > 120) {
      throw new BeamError('ERR_INVALID_OPTION', `schedulers must be a whole number from 1 to 120, got ${String(options.schedulers)}`);
    }
    if (options.stealAfterMs !== undefined && !(typeof options.stealAfterMs === 'number' && options.stealAfterMs >= 0)) {
      throw new BeamError('ERR_INVALID_OPTION', `stealAfterMs must be a number of milliseconds >= 0, got ${String(options.stealAfterMs)}`);
    }
    const faultAttribution = options.faultAttribution ?? 'promise-hooks';
    if (!isFaultAttribution(faultAttribution)) {
      throw new BeamError('ERR_INVALID_OPTION', `faultAttribution must be 'promise-hooks' or 'async-hooks', got ${String(options.faultAttribution)}`);
    }
    const maxQueue = options.maxQueue ?? Infinity;
    if (!(maxQueue === Infinity || (Number.isInteger(maxQueue) && maxQueue >= 0))) {
      throw new BeamError('ERR_INVALID_OPTION', `maxQueue must be a whole number >= 0 or Infinity, got ${String(options.maxQueue)}`);
    }
    const execArgv = workerExecArgv(process.execArgv, options.resourceLimits);
    // A cluster node takes its seat (creation, name) before anything makes a pid.
    const clustering = options.cluster !== undefined || options.node !== undefined ? await import('./cluster/cluster-node.js') : undefined;
    const join = clustering ? await clustering.joinCluster(options.node, options.cluster) : undefined;
    const modules = (options.modules ?? []).map(toModuleUrl);
    const typescript = modules.find(isTypeScriptFile);
    if (typescript !== undefined && !tsxAvailable()) throw missingTsxError(typescript);
    const vm = new VM({
      schedulers,
      modules,
      longScheduleMs: options.longScheduleMs ?? 100,
      stealing: options.stealing ?? true,
      stealAfterMs: options.stealAfterMs ?? 1,
      balanceIntervalMs: options.balanceIntervalMs ?? 50,
      maxProcesses: options.maxProcesses ?? SLOT_SPACE,
      keepAlive: options.keepAlive ?? false,
      maxQueue,
      faultAttribution,
      onReport: options.onReport,
      logger: options.logger,
      resourceLimits: execArgv.resourceLimits,
      execArgv: execArgv.execArgv,
      join,
    });
    // Starting is work in flight for the main thread: it holds Node alive until the threads are ready.
    const starting = vm.waits.hold();
    try {
      await vm.startThreads();
      if (clustering && join) {
        vm.clusterNode = new clustering.ClusterNode(join, { host: vm.host, runtime: vm.runtime, mailbox: vm.internalMailbox(), spawn: (def, args, links, monitoredBy, parent) => vm.spawnFor(def, args, links, monitoredBy, parent) });
        await vm.clusterNode.start();
      }
      vm.watchdog = new Watchdog(vm.statsBlock, () => vm.threads.filter((t) => t.alive).map((t) => t.id), options.longScheduleMs ?? 100, (scheduler, event) =>
        vm.onReport({ ...event, scheduler }),
      );
      starting();
    } catch (err) {
      starting();
      if (vm.clusterNode) await vm.clusterNode.stop().catch(() => {});
      else if (join) await join.seat.nc.close().catch(() => {});
      await vm.terminateAll();
      vm.waits.close();
      throw err;
    }
    return vm;
  }

  // ---- threads --------------------------------------------------------------------------------

  /** The first threads: a full mesh of channels between every two nodes (main included). */
  private startThreads(): Promise<void[]> {
    const wiring = new Map<number, PeerWiring[]>();
    const nodes = [...Array.from({ length: this.schedulers }, (_, id) => id), MAIN_NODE];
    for (const node of nodes) wiring.set(node, []);
    for (let a = 0; a < nodes.length; a++) {
      for (let b = a + 1; b < nodes.length; b++) {
        const [ab, ba] = this.pairRings(nodes[a], nodes[b]);
        const channel = new MessageChannel();
        wiring.get(nodes[a])!.push({ id: nodes[b], port: channel.port1, out: ab, in: ba });
        wiring.get(nodes[b])!.push({ id: nodes[a], port: channel.port2, out: ba, in: ab });
      }
    }
    for (const peer of wiring.get(MAIN_NODE)!) this.host.connect(peer);
    return Promise.all(Array.from({ length: this.schedulers }, (_, id) => this.spawnThread(id, wiring.get(id)!)));
  }

  /**
   * The signal rings between two nodes, a -> b and b -> a: between two schedulers only (the
   * main thread sleeps in its event loop and never spins: its links are ports). Smaller rings
   * for many schedulers: there are n(n-1) of them.
   */
  private pairRings(a: number, b: number): [SharedArrayBuffer, SharedArrayBuffer] | [undefined, undefined] {
    if (a === MAIN_NODE || b === MAIN_NODE) return [undefined, undefined];
    const bytes = this.schedulers > 16 ? DEFAULT_SIGNAL_RING_BYTES / 4 : DEFAULT_SIGNAL_RING_BYTES;
    return [SignalRing.create(bytes), SignalRing.create(bytes)];
  }

  /** A replacement thread: new channels and rings to every live node; the others learn of it over their control channel. */
  private replaceThread(id: number): Promise<void> {
    const peers: PeerWiring[] = [];
    const toMain = new MessageChannel();
    this.host.connect({ id, port: toMain.port1 });
    peers.push({ id: MAIN_NODE, port: toMain.port2 });
    for (const other of this.threads) {
      if (other.id === id || !this.isRunning(other)) continue;
      const channel = new MessageChannel();
      const [mine, theirs] = this.pairRings(id, other.id);
      peers.push({ id: other.id, port: channel.port1, out: mine, in: theirs });
      const wiring: PeerWiring = { id, port: channel.port2, out: theirs, in: mine };
      void other.control.replacePeer(Comlink.transfer(wiring, [channel.port2 as never]), this.rings[id]);
    }
    return this.spawnThread(id, peers);
  }

  private spawnThread(id: number, peers: PeerWiring[]): Promise<void> {
    const init: SchedulerInit = {
      id,
      schedulers: this.schedulers,
      directory: this.directory.buffer,
      names: this.names.buffer,
      timers: this.timers,
      rings: this.rings,
      mainRing: this.mainRing,
      stats: this.statsBlock.buffer,
      bells: this.bells,
      cancel: this.cancel,
      modules: this.options.modules.map(String),
      longScheduleMs: this.options.longScheduleMs,
      stealing: this.options.stealing,
      stealAfterMs: this.options.stealAfterMs,
      balanceIntervalMs: this.options.balanceIntervalMs,
      faultAttribution: this.options.faultAttribution,
      cluster: this.options.join?.shared,
    };
    const worker = startWorker(WORKER_ENTRY, {
      workerData: init,
      resourceLimits: this.options.resourceLimits,
      execArgv: this.options.execArgv,
      name: `beamjs scheduler ${id}`,
    });
    const control = new MessageChannel();
    const thread: SchedulerThread = {
      id,
      worker,
      control: Comlink.wrap<SchedulerControl>(nodeEndpoint(control.port1)),
      controlPort: control.port1,
      alive: true,
    };
    // After wrap: adding a 'message' listener refs a port again. Requests on it hold Node
    // alive through MainThreadWaits instead.
    control.port1.unref();
    this.threads[id] = thread;
    const ready = new Promise<void>((resolve, reject) => this.pendingReady.set(id, { resolve, reject }));
    worker.on('message', (event: SchedulerEvent) => this.onSchedulerEvent(event));
    let failure: Error | undefined;
    worker.on('error', (err) => (failure = err));
    worker.on('exit', (code) => this.onThreadExit(thread, code, failure));
    const connect: Connect = { kind: 'connect', peers, control: control.port2 };
    worker.postMessage(connect, [control.port2, ...peers.map((p) => p.port)]);
    worker.unref();
    return ready;
  }

  private readonly runningThreads = new Set<SchedulerThread>();

  private isRunning(thread: SchedulerThread): boolean {
    return this.runningThreads.has(thread);
  }

  private onSchedulerEvent(event: SchedulerEvent): void {
    switch (event.kind) {
      case 'ready':
        this.runningThreads.add(this.threads[event.id]);
        this.pendingReady.get(event.id)?.resolve();
        this.pendingReady.delete(event.id);
        return;
      case 'load-failed':
        this.pendingReady.get(event.id)?.reject(
          new BeamError(
            'ERR_LOAD_FAILED',
            `scheduler ${event.id} could not load ${event.url}: ${event.message}. Every module given to startVM is imported in every scheduler thread: check that it exists and imports cleanly on its own.`,
          ),
        );
        this.pendingReady.delete(event.id);
        return;
      case 'report':
        this.onReport({ ...event.event, scheduler: event.id });
        return;
      case 'moved':
        this.moves.push(...event.moves);
        if (this.moves.length > MOVES_KEPT) this.moves.splice(0, this.moves.length - MOVES_KEPT);
        return;
    }
  }

  /**
   * A scheduler thread ended. Unless the VM is stopping, it died: its processes die with it
   * (reason `{ schedulerDown, cause }`), links and monitors everywhere fire, names go, and a
   * fresh scheduler takes its place.
   */
  private onThreadExit(thread: SchedulerThread, code: number, error: Error | undefined): void {
    thread.alive = false;
    this.runningThreads.delete(thread);
    const starting = this.pendingReady.get(thread.id);
    if (starting) {
      starting.reject(new BeamError('ERR_LOAD_FAILED', `scheduler ${thread.id} failed to start: ${error?.message ?? `exit code ${code}`}`));
      this.pendingReady.delete(thread.id);
      return;
    }
    if (this.stopping) return;
    const cause = thread.killCause ?? (error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : `thread exited with code ${code}`);
    const hardCancelled = thread.killedFor;
    const dead: number[] = [];
    const high = this.directory.highWater;
    for (let slot = 1; slot < high; slot++) {
      const word = Atomics.load(this.directory.words, slot);
      if (ownerOf(word) !== thread.id) continue;
      const pid = this.directory.pidOfSlot(slot);
      dead.push(pid);
      this.directory.release(pid);
    }
    this.names.sweep((pid) => this.directory.ownerOfPid(pid) !== NO_OWNER);
    this.statsBlock.clear(thread.id);
    this.host.peerDied(thread.id, dead, cause);
    for (const other of this.threads) if (other.alive && this.isRunning(other)) void other.control.peerDied(thread.id, dead, cause);
    thread.controlPort.close();
    this.rings[thread.id] = JobRing.create();
    this.schedulerDown({ type: 'scheduler_down', scheduler: thread.id, cause, processes: dead.length, replaced: true, ...(hardCancelled === undefined ? {} : { hardCancelled }) });
    this.replaceThread(thread.id).catch((err) => {
      // A replacement cut short by vm.stop() is no death.
      if (!this.stopping) this.schedulerDown({ type: 'scheduler_down', scheduler: thread.id, cause: String(err), processes: 0, replaced: false });
    });
  }

  /** Reports a scheduler's end and tells listeners: 'schedulerDown' always, 'error' when it was not intended. */
  private schedulerDown(event: SchedulerDown): void {
    this.onReport(event);
    this.emit('schedulerDown', event);
    if (event.hardCancelled === undefined && this.listenerCount('error') > 0) {
      const error = new BeamError(
        'ERR_SCHEDULER_DOWN',
        `scheduler ${event.scheduler} died (${event.cause}); ${event.processes} processes exited with it${event.replaced ? '; a new scheduler replaces it' : ''}`,
      );
      this.emit('error', Object.assign(error, { scheduler: event.scheduler, processes: event.processes }));
    }
  }

  /** Stops the scheduler thread that runs `pid` (hard cancellation); it is replaced. */
  private killOwnerOf(pid: number, cause: string): void {
    const owner = this.directory.ownerOfPid(pid);
    const thread = this.threads[owner];
    if (!thread || !thread.alive || owner === MAIN_NODE) return;
    thread.killCause = cause;
    thread.killedFor = pid;
    void thread.worker.terminate();
  }

  // ---- the main thread as a process ---------------------------------------------------------

  /**
   * A new mailbox for the program's code, with its own pid (close it with `ctx.exit()`). While
   * one of its receives waits, Node stays alive; `vm.stop()` rejects it with ERR_VM_STOPPED.
   */
  mailbox<Msg = unknown>(): Context<Msg> {
    const ctx = this.internalMailbox<Msg>();
    const receive = ctx.receive.bind(ctx) as (...args: unknown[]) => Promise<unknown>;
    (ctx as { receive: (...args: unknown[]) => Promise<unknown> }).receive = (...args) => this.waits.track(() => receive(...args));
    return ctx;
  }

  /** A mailbox for the VM's own listeners (job replies, exit watchers): its endless receive neither holds Node alive nor fails on stop. */
  private internalMailbox<Msg = unknown>(): Context<Msg> {
    const ctx = this.runtime.mailbox<Msg>();
    this.directory.started(ctx.self, 0);
    return ctx;
  }

  /** The main thread's pid: it accepts any message. */
  get self(): Pid<any> {
    return this.context.self;
  }

  spawn<D extends Definition>(def: D, ...args: ArgsOf<D>): Pid<MessageOf<D>> {
    this.checkRunning();
    return this.context.spawn(def, ...args);
  }

  /**
   * Spawns on a given scheduler (0 .. schedulers-1) instead of wherever there is room. The
   * process starts there; a coroutine stays there, a behaviour process may still be moved
   * later by load balancing. For a link, monitor or name at birth: `spawnWith(def, args, { scheduler, ... })`.
   */
  spawnOn<D extends Definition>(scheduler: number, def: D, ...args: ArgsOf<D>): Pid<MessageOf<D>> {
    this.checkRunning();
    assertDefinition(def, 'vm.spawnOn');
    this.checkSchedulerId(scheduler, 'spawnOn');
    const copied = deepCopy(args);
    const pid = this.host.allocatePid();
    this.host.handOffNew({ pid, key: def.key, args: copied, links: [], monitoredBy: [], parent: undefined, name: undefined }, [], scheduler);
    return pid as Pid<MessageOf<D>>;
  }

  /**
   * `ctx.spawnWith` for the main thread: `{ link, name, monitor }` are set atomically at birth
   * (with `monitor: true` it returns `[pid, ref]`, and the DOWN reaches `vm.context`);
   * `scheduler` starts the process on that scheduler and binds it there (balancing leaves it),
   * `placement: 'spread'` starts it where there is most room.
   */
  spawnWith<D extends Definition>(def: D, args: ArgsOf<D>, options: VMSpawnOptions & { monitor: true }): [Pid<MessageOf<D>>, Ref];
  spawnWith<D extends Definition>(def: D, args: ArgsOf<D>, options?: VMSpawnOptions): Pid<MessageOf<D>>;
  spawnWith(def: Definition, args: unknown[], options: VMSpawnOptions = {}): AnyPid | [AnyPid, Ref] {
    this.checkRunning();
    if (options?.scheduler !== undefined) this.checkSchedulerId(options.scheduler, 'vm.spawnWith');
    // `scheduler` binds the process there (see placement.ts), as it does for ctx.spawnWith.
    return this.context.spawnWith(def, args as never, options ?? {});
  }

  private checkSchedulerId(scheduler: unknown, where: string): asserts scheduler is number {
    if (!Number.isInteger(scheduler) || (scheduler as number) < 0 || (scheduler as number) >= this.schedulers) {
      throw new BeamError('ERR_INVALID_ARGUMENT', `${where} needs a scheduler id from 0 to ${this.schedulers - 1}, got ${String(scheduler)}`);
    }
  }

  /** This node's name in its cluster (`'nonode@nohost'` without one). */
  get node(): string {
    return this.context.node();
  }

  /** The other cluster nodes up now (Erlang's `nodes()`). */
  nodes(): string[] {
    return this.context.nodes();
  }

  /** A process for another node (cluster/kernel.ts): linked from birth to `links`, monitored from birth by `monitoredBy` ([ref, watcher]). */
  private spawnFor(def: Definition, args: unknown[], links: number[], monitoredBy: [number, number][], parent: number): number {
    this.checkRunning();
    const pid = this.host.allocatePid();
    this.host.handOffNew({ pid, key: def.key, args, links, monitoredBy, parent, name: undefined });
    return pid;
  }

  send<M>(to: Dest<M>, msg: NoInfer<M>): void {
    this.checkRunning();
    this.context.send(to, msg);
  }

  receive(match?: (msg: unknown) => boolean, timeout?: number): Promise<unknown> {
    return match === undefined ? (timeout === undefined ? this.context.receive() : this.context.receive(timeout)) : timeout === undefined ? this.context.receive(match) : this.context.receive(match, timeout);
  }

  /**
   * `GenServer.call` from the main thread: sends `request` to the server and resolves with its
   * reply, typed by the server's `calls`. Each call waits in a mailbox of its own, so calls may
   * run concurrently with each other and with `vm.receive`. Failure modes as `GenServer.call`:
   * ERR_CALL_TIMEOUT (default 5000 ms), ERR_NOPROC (not alive / no such name), ERR_CALL_EXIT.
   */
  call<C extends object, K extends keyof C & string>(
    server: ServerRef<{ calls: C }>,
    request: { type: K } & GenServer.FieldsOf<C[K]>,
    timeout?: number,
  ): Promise<GenServer.ReplyOfMethod<C[K]>>;
  /** An untyped call: a server defined without `calls`, a plain pid, or a plain name. */
  call(server: ServerRef<{ calls?: undefined }>, request: unknown, timeout?: number): Promise<unknown>;
  async call(server: ServerRef<any>, request: unknown, timeout?: number): Promise<unknown> {
    this.checkRunning();
    const ctx = this.mailbox();
    // Tracked as a whole: stop() rejects it with ERR_VM_STOPPED whichever step of the call
    // (monitor, alias, receive) the shutdown reaches first.
    return this.waits.track(async () => {
      try {
        return await GenServer.call(ctx, server as ServerRef<{ calls?: undefined }>, request, timeout);
      } finally {
        ctx.exit();
      }
    });
  }

  /** `GenServer.cast` from the main thread: fire and forget (a dead server just loses it). */
  cast<T extends ServerTypes>(server: ServerRef<T>, request: GenServer.CastOf<T>): void {
    this.checkRunning();
    GenServer.cast(this.context, server, request);
  }

  whereis<M = unknown>(name: string): Pid<M> | undefined {
    return this.names.whereis(name) as Pid<M> | undefined;
  }

  isAlive(pid: AnyPid): boolean {
    checkPid(pid, 'vm.isAlive');
    return this.directory.ownerOfPid(pid) !== NO_OWNER;
  }

  /** Resolves with the exit reason of `pid` when it exits (at once with `noproc` if it is gone). */
  waitFor(pid: AnyPid): Promise<ExitReason> {
    try {
      checkPid(pid, 'vm.waitFor');
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.stopping) return Promise.reject(MainThreadWaits.stoppedError());
    return this.waits.track(() => new Promise((resolve) => this.exitWatchers.set(this.watcher.monitor(pid), resolve)));
  }

  private async watchExits(): Promise<void> {
    for (;;) {
      let msg: unknown;
      try {
        msg = await this.watcher.receive();
      } catch {
        // The VM stopped: a DOWN delivered while it stopped (drainPeers) resumed this loop
        // after the mailbox closed. Its waiters were settled with ERR_VM_STOPPED already.
        return;
      }
      if (!isDownMessage(msg)) continue;
      const resolve = this.exitWatchers.get(msg.ref);
      this.exitWatchers.delete(msg.ref);
      resolve?.(msg.reason);
    }
  }

  // ---- parallel work ------------------------------------------------------------------------

  /**
   * Runs `def(ctx, ...args)` on some scheduler and resolves with what it returns (copied, or
   * shared for SharedArrayBuffers). An error it throws rejects with its name, message and stack.
   */
  run<D extends ProcessDefinition<any, any, any>>(def: D, ...args: RunArgs<D>): Promise<Awaited<RunResult<D>>> {
    return this.runWith(def, args, {});
  }

  /**
   * `run` with options: an AbortSignal, a timeout, hard cancellation, transfer lists.
   *
   * ```ts
   * await vm.runWith(parse, [bytes], { signal, timeout: 1000, hardCancelAfterMs: 200, transfer: [bytes] });
   * ```
   */
  runWith<D extends ProcessDefinition<any, any, any>>(def: D, args: RunArgs<D>, options: RunOptions = {}): Promise<Awaited<RunResult<D>>> {
    try {
      this.checkRunning();
      checkJobDefinition(def, 'vm.run');
      if (!Array.isArray(args)) throw new BeamError('ERR_INVALID_ARGUMENT', `vm.runWith(def, args, options): args must be an array, got ${typeof args}`);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.jobs.run(def, args, options) as Promise<Awaited<RunResult<D>>>;
  }

  /** Calls `def(ctx, item)` for every item, in parallel, and resolves with the results in order. */
  async map<D extends ProcessDefinition<any, [any], any>>(items: Iterable<MapItem<D>> | AsyncIterable<MapItem<D>>, def: D, options: MapOptions = {}): Promise<Awaited<RunResult<D>>[]> {
    const out: Awaited<RunResult<D>>[] = [];
    for await (const [index, value] of this.mapIndexed(items, def, options)) out[index] = value as Awaited<RunResult<D>>;
    return out;
  }

  /** `map` as an async iterable: items are pulled as capacity frees, so the input may be endless. */
  async *mapStream<D extends ProcessDefinition<any, [any], any>>(items: Iterable<MapItem<D>> | AsyncIterable<MapItem<D>>, def: D, options: MapOptions = {}): AsyncIterable<Awaited<RunResult<D>>> {
    for await (const [, value] of this.mapIndexed(items, def, options)) yield value as Awaited<RunResult<D>>;
  }

  private mapIndexed(items: Iterable<unknown> | AsyncIterable<unknown>, def: ProcessDefinition, options: MapOptions): AsyncIterable<[number, unknown]> {
    this.checkRunning();
    checkJobDefinition(def, 'vm.map');
    return this.jobs.map(items, def, { ...options, concurrency: options.concurrency ?? this.schedulers * 4 });
  }

  // ---- introspection --------------------------------------------------------------------------

  /**
   * The share of the schedulers' time spent running processes since they started, from 0 to 1
   * (piscina's `utilization`): the mean over the scheduler threads, read from shared memory.
   */
  get utilization(): number {
    const stats = this.statsNow();
    return stats.length ? stats.reduce((sum, s) => sum + s.utilization, 0) / stats.length : 0;
  }

  /** Jobs (`vm.run`, `vm.map` chunks) started from this thread that wait for a scheduler: none has begun running them yet. */
  get queueSize(): number {
    return this.jobs.queueSize;
  }

  /** Per-scheduler counters, read from shared memory: they answer even while a scheduler is busy. */
  statsNow(): SchedulerStats[] {
    return this.threads.map((t) => this.statsBlock.read(t.id));
  }

  /** Fresh per-scheduler counters (each scheduler writes its own first; a busy one answers when it can). */
  async stats(): Promise<SchedulerStats[]> {
    return this.waits.track(() => Promise.all(this.threads.map((t) => (this.isRunning(t) ? t.control.stats() : this.statsBlock.read(t.id)))));
  }

  /**
   * The last processes that moved between schedulers (up to 200, oldest first): by the
   * balancer, by an idle scheduler's steal request, or by `vm.migrate`.
   */
  migrations(): MoveRecord[] {
    return [...this.moves];
  }

  private readonly moves: MoveRecord[] = [];

  /** Which scheduler runs `pid` now (undefined if dead; MAIN_NODE for main-thread mailboxes). */
  schedulerOf(pid: AnyPid): number | undefined {
    checkPid(pid, 'vm.schedulerOf');
    const owner = this.directory.ownerOfPid(pid);
    return owner === NO_OWNER ? undefined : owner;
  }

  async processInfo(pid: AnyPid): Promise<ProcessInfo | undefined> {
    checkPid(pid, 'vm.processInfo');
    // A migrating process is owned by its new scheduler in the directory before it has
    // arrived there (it travels over the schedulers' mesh, this question over the control
    // port, which may overtake it): while the directory says it lives, ask again until the
    // owner has it. Bounded, so a directory entry that lies cannot hang the caller.
    for (let attempt = 0; ; attempt++) {
      const owner = this.directory.ownerOfPid(pid);
      if (owner === NO_OWNER) return undefined;
      if (owner === MAIN_NODE) return this.runtime.processInfo(pid);
      const thread = this.threads[owner];
      if (!thread || !this.isRunning(thread)) return undefined;
      const info = await this.waits.track(() => thread.control.processInfo(pid));
      if (info !== undefined || attempt === PROCESS_INFO_ATTEMPTS) return info;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** Pids of every live process, on every scheduler. */
  async processes(): Promise<AnyPid[]> {
    const lists = await this.waits.track(() => Promise.all(this.threads.filter((t) => this.isRunning(t)).map((t) => t.control.processes())));
    return lists.flat();
  }

  /**
   * Moves a behaviour process (an actor or GenServer waiting between two messages) to another
   * scheduler. False if it cannot move now: a coroutine that has started, or a callback running.
   */
  async migrate(pid: AnyPid, to: number): Promise<boolean> {
    checkPid(pid, 'vm.migrate');
    const owner = this.directory.ownerOfPid(pid);
    const thread = this.threads[owner];
    if (!thread || !this.isRunning(thread) || owner === to || !this.threads[to]) return false;
    return this.waits.track(() => thread.control.migrate(pid, to));
  }

  // ---- the web observer -----------------------------------------------------------------------

  private readonly observers = new Set<Observer>();

  /**
   * Serves the web observer (load charts, processes, supervision trees, process detail) and
   * resolves once it listens; open `observer.url` (it carries the access token). Loopback
   * only unless `host` says otherwise; actions (exit, migrate) only with `allowActions`.
   * It closes when the VM stops.
   */
  async observe(options: ObserveOptions = {}): Promise<Observer> {
    this.checkRunning();
    const observer = await Observer.start(this.observed(), options);
    this.observers.add(observer);
    return observer;
  }

  /** The VM as the observer sees it: counters from shared memory, snapshots over the control channels. */
  private observed(): ObservedVM {
    let mainProbe: SnapshotProbe | undefined;
    const probeMain = (): SnapshotProbe => (mainProbe ??= new SnapshotProbe(this.runtime));
    const running = (id: number): SchedulerThread | undefined => (this.threads[id] && this.isRunning(this.threads[id]) ? this.threads[id] : undefined);
    return {
      schedulers: () => this.threads.map((t) => t.id),
      counters: (id) => this.statsBlock.counters(id),
      sleeping: (id) => Atomics.load(this.statsBlock.sleeping, id) === 1,
      nodes: () => [...this.threads.map((t) => t.id), MAIN_NODE],
      snapshot: async (node, request) => (node === MAIN_NODE ? probeMain().snapshot(request) : running(node)?.control.observe(request)),
      detail: async (pid) => {
        const owner = this.directory.ownerOfPid(pid);
        return owner === MAIN_NODE ? probeMain().detail(pid) : running(owner)?.control.observeProcess(pid);
      },
      isAlive: (pid) => this.isAlive(pid),
      exit: (pid, reason) => this.context.exit(pid, reason),
      migrate: (pid, to) => this.migrate(pid, to),
    };
  }

  // ---- shutdown -------------------------------------------------------------------------------

  /**
   * Stops the VM: every process gets the exit signal `shutdown` (those trapping exits may clean
   * up, for `timeoutMs`), then the threads end. Afterwards nothing of the VM keeps Node alive.
   */
  stop(timeoutMs = 5000): Promise<void> {
    // Every caller, the first or a concurrent one, gets the same promise: it resolves once the VM has stopped.
    this.stopped ??= this.shutdown(timeoutMs);
    return this.stopped;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.watchdog?.stop();
    // Whatever the program still waits for settles now, before any process exits (so no DOWN races it).
    this.waits.rejectPending(MainThreadWaits.stoppedError(), false);
    // The observer goes with the VM (closed without waiting here: nothing else may run before the pending waits are settled above).
    const observersClosed = Promise.all([...this.observers].map((o) => o.close()));
    // Leaving the cluster first: the other nodes hear it at once (not after the detection bound).
    await this.clusterNode?.stop().catch(() => {});
    this.jobs.close(new BeamError('ERR_VM_STOPPED', 'the VM was stopped before this job finished'));
    const release = this.waits.hold();
    try {
      await Promise.all(
        this.threads.filter((t) => this.isRunning(t)).map((t) => Promise.race([t.control.shutdown(timeoutMs), delay(timeoutMs + 1000)])),
      );
      this.host.drainPeers();
      await this.runtime.stop(0);
      this.host.flush();
      await this.terminateAll();
    } finally {
      release();
      // Receives begun while the processes shut down (watching them go) end here at the latest.
      this.waits.rejectPending(MainThreadWaits.stoppedError(), true);
      this.waits.close();
      await observersClosed;
    }
  }

  private async terminateAll(): Promise<void> {
    this.stopping = true;
    for (const t of this.threads) {
      if (!t) continue;
      t.control[Comlink.releaseProxy]();
      t.controlPort.close();
    }
    for (const link of this.host.peers.values()) link.close();
    await Promise.all(this.threads.filter(Boolean).map((t) => t.worker.terminate()));
  }

  private checkRunning(): void {
    if (this.stopping) throw new BeamError('ERR_VM_STOPPED', 'the VM has been stopped: start a new one with startVM()');
  }
}

/** vm.run and vm.map call process definitions (`defineProcess`), found by key in every thread. */
function checkJobDefinition(def: unknown, where: string): asserts def is ProcessDefinition {
  assertDefinition(def, where);
  if (def.kind !== 'process') {
    throw new BeamError(
      'ERR_NOT_A_DEFINITION',
      `${where} calls a function and resolves with its result, so it needs a defineProcess definition; '${def.name}' is a ${def.kind === 'actor' ? 'defineActor or GenServer' : def.kind} definition. ` +
        `Start it with vm.spawn (or GenServer.start(vm.context, ...)) and talk to it with vm.send / vm.call instead.`,
    );
  }
}

type RunArgs<D> = D extends ProcessDefinition<any, infer A, any> ? A : never;
type RunResult<D> = D extends ProcessDefinition<any, any, infer R> ? R : never;
type MapItem<D> = D extends ProcessDefinition<any, [infer I], any> ? I : never;

/** Starts a VM: one scheduler thread per core (or `schedulers`), each with your `modules` loaded. */
export function startVM(options: VMOptions = {}): Promise<VM> {
  return VM.start(options);
}

function toModuleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^(file|data|node):/.test(module)) return module;
  return pathToFileURL(module).href;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function defaultVMReporter(event: VMEvent): void {
  if (event.type === 'scheduler_down' && event.hardCancelled !== undefined) {
    // Intended: not an error. Worth a word only if it took other processes with it.
    const others = event.processes - 1;
    if (others > 0) console.warn(`[warning] scheduler ${event.scheduler} was replaced to hard-cancel job ${event.hardCancelled}; ${others} other processes on it exited with it`);
    return;
  }
  if (event.type === 'scheduler_down') {
    console.error(`[error] scheduler ${event.scheduler} died (${event.cause}); ${event.processes} processes exited with it${event.replaced ? '; a new scheduler replaces it' : ''}`);
    return;
  }
  defaultReporter(event);
}
