import { lookupDefinition } from './definition.js';
import { Next, Proc, type ProcessRuntime } from './process.js';
import type { ProcessTable } from './process-table.js';
import type { RunLoop } from './run-loop.js';
import type { SignalDelivery } from './signal-delivery.js';
import type { Spawner } from './spawn.js';
import type { Timers } from './timers.js';
import type { Signal } from './signals.js';
import type { Ref } from './pid.js';

/** A process in transit between schedulers: everything it is, as plain data. */
export interface MigratingProcess {
  pid: number;
  key: string;
  state: unknown;
  mailbox: unknown[];
  links: number[];
  monitors: [Ref, number][];
  monitoredBy: [Ref, number][];
  trapExit: boolean;
  /** Its active aliases: [ref, deactivated by its first message]. */
  aliases?: [Ref, boolean][];
  registeredName: string | undefined;
  handled: number;
  parent: number | undefined;
  /** Refs of the `sendAfter` timers aimed at it (on any thread): cancelled when it exits. */
  timers?: Ref[];
}

/** Moving an idle actor off this thread, and installing one that moved here. */
export class Migration {
  constructor(
    private readonly rt: ProcessRuntime,
    private readonly procs: ProcessTable,
    private readonly loop: RunLoop,
    private readonly signals: SignalDelivery,
    private readonly spawner: Spawner,
    private readonly timers: Timers,
  ) {}

  /**
   * Takes an idle actor off this thread, as plain data. Undefined if it cannot move now: a
   * coroutine that has started, or an actor inside a callback.
   */
  detach(pid: number): MigratingProcess | undefined {
    const proc = this.procs.get(pid);
    if (!proc || !proc.isActor || proc.busy || proc.waiter || (proc.status !== 'waiting' && proc.status !== 'runnable') || proc.next === Next.Start) {
      return undefined;
    }
    // Its timers stay on this thread (they find it by pid when they fire); it takes their refs,
    // to cancel them from wherever it exits.
    const timers = this.timers.untie(proc);
    const moving: MigratingProcess = {
      pid,
      key: proc.key,
      state: proc.state,
      mailbox: proc.mailbox.toArray(),
      links: [...(proc.links ?? [])],
      monitors: [...(proc.monitors ?? [])],
      monitoredBy: [...(proc.monitoredBy ?? [])],
      trapExit: proc.trapping,
      aliases: proc.aliases?.size ? [...proc.aliases] : undefined,
      registeredName: proc.registeredName,
      handled: proc.handled,
      parent: proc.parent,
      timers: timers.length ? timers : undefined,
    };
    this.procs.delete(pid);
    this.loop.unqueue(proc);
    // The object stays behind as a tombstone: any late continuation sees it as exited.
    proc.status = 'exited';
    return moving;
  }

  /** Installs a process that migrated here; `early` are signals that reached us before it did. */
  attach(moving: MigratingProcess, early: readonly Signal[] = []): void {
    const def = lookupDefinition(moving.key);
    const proc = new Proc(this.rt, moving.pid, def, moving.key, moving.parent);
    proc.state = moving.state;
    proc.mailbox.prepend(moving.mailbox);
    if (moving.links.length) proc.links = new Set(moving.links);
    if (moving.monitors.length) proc.monitors = new Map(moving.monitors);
    if (moving.monitoredBy.length) proc.monitoredBy = new Map(moving.monitoredBy);
    proc.trapping = moving.trapExit;
    if (moving.aliases?.length) proc.aliases = new Map(moving.aliases);
    proc.registeredName = moving.registeredName;
    proc.handled = moving.handled;
    if (moving.timers?.length) proc.timers = new Set(moving.timers);
    proc.status = 'waiting';
    this.procs.set(proc);
    for (const signal of early) {
      if (!proc.alive) break;
      this.signals.apply(proc, signal);
    }
    const dispatch = (): void => {
      if (proc.alive && proc.mailbox.length > 0 && !proc.queued) this.loop.enqueue(proc, Next.Dispatch);
    };
    if (def) dispatch();
    else this.spawner.load(proc, dispatch);
  }
}
