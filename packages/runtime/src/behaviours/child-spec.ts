import { BeamError, describe } from '../errors.js';
import { assertDefinition, type ArgsOf, type Definition } from '../definition.js';
import type { Boot } from './messages.js';
import { isViaName, type ViaName } from './via.js';

/**
 * Child specifications, as in OTP: what a supervisor starts, when it restarts it, and how it
 * stops it. A spec names its code by definition; the supervisor gets it as plain data (the
 * definition's key), so a supervisor on any scheduler thread can start it.
 */

/** `permanent`: always restarted; `transient`: only after an abnormal exit; `temporary`: never (and forgotten when it exits). */
export type RestartType = 'permanent' | 'transient' | 'temporary';
/** `brutal_kill`: killed at once; a number: ms to wait after the `shutdown` exit signal before `kill`; `infinity`: wait forever. */
export type Shutdown = 'brutal_kill' | number | 'infinity';
export type ChildType = 'worker' | 'supervisor';

/** The start arguments of a definition: a GenServer's init arguments (without its boot record), a process's arguments. */
export type ChildArgs<D> = ArgsOf<D> extends [Boot, ...infer Rest] ? Rest : ArgsOf<D>;

export interface ChildSpec<D extends Definition = Definition> {
  /** Unique among the supervisor's children. */
  id: string;
  /**
   * What to start: a GenServer definition (started with the init handshake, so a failed `init`
   * is a failed start), or a process/actor definition (spawned and linked). `name` registers it.
   */
  start: { def: D; args?: ChildArgs<D>; name?: string | ViaName };
  /** Default `permanent`. */
  restart?: RestartType;
  /** Default 5000 ms for a worker, `infinity` for a supervisor. */
  shutdown?: Shutdown;
  /** Default `worker`. */
  type?: ChildType;
  /** Start (and restart) it on this cluster node (see "Distribution" in the scheduler README). */
  node?: string;
}

/** A child spec as the supervisor keeps it: plain data, the definition by its key. */
export interface ChildSpecData {
  id: string;
  start: { key: string; name: string; args: unknown[]; regName: string | ViaName | undefined };
  restart: RestartType;
  shutdown: Shutdown;
  type: ChildType;
  node?: string;
}

const RESTARTS: readonly string[] = ['permanent', 'transient', 'temporary'];
const TYPES: readonly string[] = ['worker', 'supervisor'];

/** Validates a spec and turns it into plain data. Throws ERR_INVALID_ARGUMENT naming the bad field. */
export function toChildData(spec: ChildSpec, where: string, requireId = true): ChildSpecData {
  if (typeof spec !== 'object' || spec === null) throw invalid(where, `a child spec must be an object, got ${describe(spec)}`);
  const id = spec.id;
  if (requireId ? typeof id !== 'string' || id === '' : id !== undefined && typeof id !== 'string') {
    throw invalid(where, `a child spec needs a non-empty string id, got ${describe(id)}`);
  }
  const label = typeof id === 'string' ? `child ${JSON.stringify(id)}` : 'the child';
  if (typeof spec.start !== 'object' || spec.start === null) throw invalid(where, `${label} needs start: { def, args }`);
  assertDefinition(spec.start.def, `${where}: ${label}'s start.def`);
  const args = spec.start.args ?? [];
  if (!Array.isArray(args)) throw invalid(where, `${label}'s start.args must be an array, got ${describe(args)}`);
  const regName = spec.start.name;
  if (regName !== undefined && !isViaName(regName) && (typeof regName !== 'string' || regName === '')) {
    throw invalid(where, `${label}'s start.name must be a non-empty string or Registry.via(registry, key), got ${describe(regName)}`);
  }
  const restart = spec.restart ?? 'permanent';
  if (!RESTARTS.includes(restart)) throw invalid(where, `${label}'s restart must be permanent, transient or temporary, got ${describe(restart)}`);
  const type = spec.type ?? 'worker';
  if (!TYPES.includes(type)) throw invalid(where, `${label}'s type must be worker or supervisor, got ${describe(type)}`);
  const shutdown = spec.shutdown ?? (type === 'supervisor' ? 'infinity' : 5000);
  const okShutdown = shutdown === 'brutal_kill' || shutdown === 'infinity' || (typeof shutdown === 'number' && shutdown >= 0 && !Number.isNaN(shutdown));
  if (!okShutdown) throw invalid(where, `${label}'s shutdown must be 'brutal_kill', a number of ms >= 0 or 'infinity', got ${describe(shutdown)}`);
  if (spec.node !== undefined && (typeof spec.node !== 'string' || spec.node === '')) throw invalid(where, `${label}'s node must be a cluster node's name, got ${describe(spec.node)}`);
  const def = spec.start.def;
  const data: ChildSpecData = { id: id ?? def.name, start: { key: def.key, name: def.name, args: [...args], regName }, restart, shutdown, type };
  if (spec.node !== undefined) data.node = spec.node;
  return data;
}

function invalid(where: string, text: string): BeamError {
  return new BeamError('ERR_INVALID_ARGUMENT', `${where}: ${text}`);
}
