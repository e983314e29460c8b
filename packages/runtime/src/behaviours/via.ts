import { BeamError } from '../errors.js';
import type { Context } from '../context.js';
import type { AnyPid } from '../pid.js';

/**
 * `{ via: registry, key }` names (Erlang's `{via, Module, Name}`): a process named by a key in a
 * Registry. GenServer.start/call/cast/stop and supervisors accept them wherever they accept a
 * registered name. This file knows only their shape; the Registry module installs the code that
 * resolves them (`installViaResolver`), so the GenServer files need not import the Registry
 * (which is itself built on GenServer).
 */

declare const viaTypes: unique symbol;

/** A registry as plain data (what `Registry.define` returns): it travels inside via names. */
export interface RegistrySpec<K = unknown, V = unknown> {
  readonly $registry: string;
  readonly keys: 'unique' | 'duplicate';
  readonly partitions: number;
  readonly [viaTypes]?: [K, V];
}

/** A process named by `key` in a unique `registry`. `T` are the types of the server it names (for typed calls). */
export interface ViaName<T = unknown> {
  readonly via: RegistrySpec;
  readonly key: unknown;
  readonly [viaTypes]?: T;
}

export function isViaName(value: unknown): value is ViaName {
  return (
    typeof value === 'object' &&
    value !== null &&
    'via' in value &&
    typeof (value as ViaName).via === 'object' &&
    typeof (value as ViaName).via?.$registry === 'string'
  );
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctx = Context<any>;

export interface ViaResolver {
  /** The pid registered under the name, or undefined. */
  whereis(ctx: Ctx, name: ViaName): Promise<AnyPid | undefined>;
  /** Registers `pid` under the name (linking it to the registry); ERR_NAME_TAKEN if another live process holds it. */
  register(ctx: Ctx, name: ViaName, pid: AnyPid): Promise<void>;
  /**
   * How to send `msg` to the holder of the name without waiting: the registered name of the
   * key's partition and the message that makes it forward `msg` (lost if nobody holds the key).
   */
  forwarding(name: ViaName, msg: unknown): { partition: string; msg: unknown };
}

let resolver: ViaResolver | undefined;

export function installViaResolver(r: ViaResolver): void {
  resolver = r;
}

/** The resolver; via names exist only once the Registry module is loaded, so this never fails in practice. */
export function via(): ViaResolver {
  if (resolver === undefined) throw new BeamError('ERR_INVALID_ARGUMENT', 'a { via: registry, key } name needs the Registry: import { Registry } from @beamjs/runtime');
  return resolver;
}

/** How a via name reads in errors and reports: `chat/{"room":1}`. */
export function viaLabel(name: ViaName): string {
  let key: string;
  try {
    key = JSON.stringify(name.key) ?? String(name.key);
  } catch {
    key = String(name.key);
  }
  return `${name.via.$registry}/${key}`;
}
