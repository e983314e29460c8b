import { deepCopy } from './copy.js';
import { BeamError, describe } from './errors.js';
import { assertDefinition, loadDefinition, lookupDefinition } from './definition.js';
import { Next, Proc, type ProcessRuntime } from './process.js';
import type { ProcessTable } from './process-table.js';
import type { RunLoop } from './run-loop.js';
import type { SignalDelivery } from './signal-delivery.js';
import type { Registrations } from './names.js';
import type { Counters } from './stats.js';
import type { Definition, Context, SpawnOptions } from './context.js';
import type { Host, SpawnJob } from './host.js';
import type { Signal } from './signals.js';
import type { Ref } from './pid.js';

/** The links or monitors of a spawn job that has none: shared, so a plain spawn allocates less. */
const NONE = Object.freeze([]) as unknown as never[];

/**
 * Birth of processes: a spawn becomes a job (plain data, which the host may hand to another
 * thread), and a job becomes a process in this thread's table. Links, monitors and a name
 * asked for at spawn exist from birth, so nothing can happen to the child before them.
 */
export class Spawner {
  constructor(
    private readonly rt: ProcessRuntime,
    private readonly procs: ProcessTable,
    private readonly host: Host,
    private readonly loop: RunLoop,
    private readonly signals: SignalDelivery,
    private readonly registrations: Registrations,
    private readonly counters: Counters,
  ) {}

  /**
   * `spawnWith` with its arguments checked: the options all take effect at birth. `place`
   * decides where the job goes instead of the host (the VM's `spawnWith({ scheduler })`).
   */
  spawnWithOptions(parent: Proc, def: Definition, args: unknown[], options: SpawnOptions, where: string, place?: (job: SpawnJob) => void): number | [number, Ref] {
    assertDefinition(def, where);
    if (!Array.isArray(args)) throw new BeamError('ERR_INVALID_ARGUMENT', `${where}(def, args, options): args must be an array, got ${describe(args)}`);
    checkSpawnOptions(options, where);
    if (!options.monitor) return this.spawnFrom(parent, def, args, options, undefined, place);
    const ref = this.rt.makeRef();
    return [this.spawnFrom(parent, def, args, options, ref, place), ref];
  }

  spawnFrom(parent: Proc | undefined, def: Definition, args: unknown[], options: SpawnOptions, monitorRef?: Ref, place?: (job: SpawnJob) => void): number {
    assertDefinition(def, 'spawn');
    this.checkRunning();
    checkPlacement(options, this.host.schedulerCount ?? 1);
    const copied = deepCopy(args);
    const pid = this.host.allocatePid();
    if (options.name !== undefined) {
      try {
        this.registrations.registerName(options.name, pid, true);
      } catch (err) {
        this.host.releasePid(pid);
        throw err;
      }
    }
    let links: number[] = NONE;
    let monitoredBy: [Ref, number][] = NONE;
    if (parent && options.link) {
      (parent.links ??= new Set()).add(pid);
      links = [parent.self];
    }
    if (parent && monitorRef !== undefined) {
      (parent.monitors ??= new Map()).set(monitorRef, pid);
      monitoredBy = [[monitorRef, parent.self]];
    }
    const job: SpawnJob = { pid, key: def.key, args: copied, links, monitoredBy, parent: parent?.self, name: options.name };
    if (options.placement !== undefined) job.placement = options.placement;
    if (options.scheduler !== undefined) job.scheduler = options.scheduler;
    this.counters.spawned++;
    if (place) place(job);
    else this.host.submit(job, def);
    return pid;
  }

  /**
   * Starts a spawn job on this thread. If this thread has not loaded the definition's module
   * yet, the process exists at once (messages queue in its mailbox) and starts once loaded.
   * `early` are signals the host held for the pid before it started here.
   */
  start(job: SpawnJob, early: readonly Signal[] = []): void {
    const def = lookupDefinition(job.key);
    const proc = new Proc(this.rt, job.pid, def, job.key, job.parent);
    proc.startArgs = job.args;
    proc.registeredName = job.name;
    this.procs.set(proc);
    if (job.links.length) proc.links = new Set(job.links);
    if (job.monitoredBy.length) proc.monitoredBy = new Map(job.monitoredBy);
    for (const signal of early) this.signals.apply(proc, signal);
    if (!proc.alive) return;
    if (def) this.loop.enqueue(proc, Next.Start);
    else this.load(proc, () => this.loop.enqueue(proc, Next.Start));
  }

  /**
   * Imports the module of a process that exists here before its definition does (a job or a
   * migrated process whose module this thread has not loaded yet), then `next`. Meanwhile it
   * is a mailbox: messages queue, links and monitors work. If the module cannot be loaded
   * here, the process exits with that error and its links and monitors hear it.
   */
  load(proc: Proc, next: () => void): void {
    loadDefinition(proc.key).then(
      (loaded) => {
        if (!proc.alive) return;
        proc.def = loaded;
        next();
      },
      (err) => this.signals.fail(proc, err),
    );
  }

  /**
   * A mailbox for code outside any process (a test, the main thread of a program): it has a
   * pid, can send, receive, link, monitor and spawn, but runs no code of its own. Close it
   * with `ctx.exit()`.
   */
  mailbox<Msg = unknown>(): Context<Msg> {
    this.checkRunning();
    const pid = this.host.allocatePid();
    const proc = new Proc(this.rt, pid, undefined, '', undefined);
    proc.status = 'waiting';
    this.procs.set(proc);
    return proc as Context<any>;
  }

  private checkRunning(): void {
    if (this.loop.stopped) throw new BeamError('ERR_RUNTIME_STOPPED', 'the runtime has been stopped: start a new one to spawn processes');
  }
}

/** The placement options of a spawn, checked before anything is allocated. */
function checkPlacement(options: SpawnOptions, schedulers: number): void {
  const { placement, scheduler } = options;
  if (placement !== undefined && placement !== 'spread' && placement !== 'local') {
    throw new BeamError('ERR_INVALID_ARGUMENT', `spawn option placement must be 'spread' or 'local', got ${describe(placement)}`);
  }
  if (scheduler === undefined) return;
  if (!Number.isInteger(scheduler) || scheduler < 0 || scheduler >= schedulers) {
    throw new BeamError('ERR_INVALID_ARGUMENT', `spawn option scheduler must be a scheduler id from 0 to ${schedulers - 1}, got ${describe(scheduler)}`);
  }
  if (placement !== undefined) {
    throw new BeamError('ERR_INVALID_ARGUMENT', `spawn options scheduler and placement exclude each other: give scheduler to bind the process to one scheduler, or placement to let the VM choose`);
  }
}

function checkSpawnOptions(options: unknown, where: string): asserts options is SpawnOptions {
  if (typeof options !== 'object' || options === null) {
    throw new BeamError('ERR_INVALID_ARGUMENT', `${where}(def, args, options): options must be an object such as { link: true, monitor: true, name: 'x' }, got ${describe(options)}`);
  }
  const { link, monitor } = options as SpawnOptions;
  if (link !== undefined && typeof link !== 'boolean') throw new BeamError('ERR_INVALID_ARGUMENT', `${where}: the option link must be true or false, got ${describe(link)}`);
  if (monitor !== undefined && typeof monitor !== 'boolean') throw new BeamError('ERR_INVALID_ARGUMENT', `${where}: the option monitor must be true or false, got ${describe(monitor)}`);
}
