import { BeamError, describe } from './errors.js';
import type { ProcessTable } from './process-table.js';
import type { NameRegistry } from './host.js';

/** The pid registered as `name`, or the error that says there is none. */
export function whereisOrThrow(names: NameRegistry, name: string): number {
  const pid = names.whereis(name);
  if (pid === undefined) {
    throw new BeamError('ERR_NOPROC', `no process is registered as ${JSON.stringify(name)}: check the name, or whether that process has exited`);
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
      throw new BeamError(
        'ERR_NOPROC',
        `cannot register ${JSON.stringify(name)} for process ${pid}: it is not alive on this scheduler. A process registers itself with ctx.register(name), or is given a name at spawn: ctx.spawnWith(def, args, { name })`,
      );
    }
    if (proc?.registeredName !== undefined) {
      throw new BeamError('ERR_NAME_TAKEN', `process ${pid} is already registered as ${JSON.stringify(proc.registeredName)}: a process has one name; unregister it first`);
    }
    if (!this.names.register(name, pid)) {
      throw new BeamError('ERR_NAME_TAKEN', `the name ${JSON.stringify(name)} is already registered to process ${this.names.whereis(name)}: pick another name, or unregister it first`);
    }
    if (proc) proc.registeredName = name;
  }

  unregister(name: string): void {
    const pid = this.names.whereis(name);
    if (pid === undefined) return;
    this.names.unregister(name, pid);
    const proc = this.procs.get(pid);
    if (proc && proc.registeredName === name) proc.registeredName = undefined;
  }
}
