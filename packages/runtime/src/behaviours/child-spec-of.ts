import { assertDefinition, type Definition } from '../definition.js';
import type { ChildArgs, ChildSpec, ChildType, RestartType, Shutdown } from './child-spec.js';

/**
 * Elixir's `child_spec/1`: every behaviour makes its own child spec the same way, so any of
 * them is one line in a supervisor's children:
 *
 * ```ts
 * Supervisor.startLink(ctx, [
 *   GenServer.childSpec(cache, [1000], { name: 'cache' }),
 *   GenStatem.childSpec(connection, ['db:5432']),
 *   Agent.childSpec(emptyScores, [], { name: 'scores' }),
 *   Registry.childSpec(rooms),
 *   TaskSupervisor.childSpec({ name: 'jobs' }),
 * ]);
 * ```
 */
export interface ChildSpecOptions {
  /** Unique among the supervisor's children (default: the definition's or registered name). */
  id?: string;
  /** Register the child under this name (a string, or a `{ via: registry, key }` name). */
  name?: ChildSpec['start']['name'];
  restart?: RestartType;
  shutdown?: Shutdown;
}

/** The child spec of a definition started with `args` (used by every behaviour's `childSpec`). */
export function childSpecOf<D extends Definition>(def: D, args: ChildArgs<D>, options: ChildSpecOptions = {}, type: ChildType = 'worker'): ChildSpec<D> {
  assertDefinition(def, 'childSpec');
  const spec: ChildSpec<D> = { id: options.id ?? (typeof options.name === 'string' ? options.name : def.name), start: { def, args, name: options.name }, type };
  if (options.restart !== undefined) spec.restart = options.restart;
  if (options.shutdown !== undefined) spec.shutdown = options.shutdown;
  return spec;
}
