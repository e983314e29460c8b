import { fileURLToPath } from 'node:url';
import { BeamError, describe } from './errors.js';
import type { ActorCallbacks, ActorDefinition, Context, Definition, ProcessDefinition } from './context.js';

// The definition types live with Context (each mentions the other); they are re-exported here,
// where users and the behaviours look for them.
export type { DefinitionBase, ProcessDefinition, ActorCallbacks, ActorDefinition, Definition, MessageOf, ArgsOf, ResultOf } from './context.js';

const definitions = new Map<string, Definition>();

/** Where in its module each key was defined (`line:column`), by namespace and key. */
const sites = new Map<string, string>();

/**
 * Claims `key` for the definition being made now. A second definition of the same key from
 * another place in its module (a copy-paste slip: spawning the first would run the second) is
 * an error that names both places. The same place defining it again is the module being
 * evaluated again (a test runner's fresh module graph): that replaces the old definition.
 * The place is read from the stack, as the frame in `moduleUrl`; where none is found (a key
 * that is not a module's URL) nothing can be told apart and the definition is replaced.
 * @internal shared with Agent.defineFn (namespace `agent-fn`).
 */
export function claimKey(namespace: string, key: string, moduleUrl: string, what: string): void {
  const site = callSite(moduleUrl);
  if (site === undefined) return;
  const id = `${namespace}:${key}`;
  const earlier = sites.get(id);
  if (earlier !== undefined && earlier !== site) {
    const { name } = splitKey(key);
    throw new BeamError(
      'ERR_DUPLICATE_DEFINITION',
      `${what}: '${name}' is defined twice in ${moduleUrl}, at ${earlier} and at ${site}. ` +
        `A key names one definition (every scheduler finds the code by it): give the second one another name.`,
    );
  }
  sites.set(id, site);
}

/** `line:column` of the innermost stack frame in `moduleUrl`, if any. */
function callSite(moduleUrl: string): string | undefined {
  let path: string | undefined;
  try {
    path = fileURLToPath(moduleUrl);
  } catch {
    path = undefined;
  }
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  for (const line of stack.split('\n').slice(1)) {
    let at = line.indexOf(moduleUrl);
    let rest = at >= 0 ? line.slice(at + moduleUrl.length) : undefined;
    if (rest === undefined && path !== undefined) {
      at = line.indexOf(path);
      rest = at >= 0 ? line.slice(at + path.length) : undefined;
    }
    const position = rest === undefined ? null : /^:(\d+):(\d+)\)?$/.exec(rest.trim());
    if (position) return `line ${position[1]}:${position[2]}`;
  }
  return undefined;
}

/** The key `moduleUrl#name`, or the error that says how `what` is called. @internal shared with Agent.defineFn. */
export function makeKey(moduleUrl: unknown, name: unknown, what: string): string {
  if (typeof moduleUrl !== 'string' || moduleUrl === '') {
    throw new BeamError(
      'ERR_INVALID_ARGUMENT',
      `${what} needs the module's URL as its first argument: ${what}(import.meta.url, 'name', ...), got ${describe(moduleUrl)}`,
    );
  }
  if (typeof name !== 'string' || name === '') {
    throw new BeamError('ERR_INVALID_ARGUMENT', `${what} needs a non-empty name as its second argument, got ${describe(name)}`);
  }
  return `${moduleUrl}#${name}`;
}

/**
 * Defines a coroutine process. Call it at the top level of a module and export the result:
 *
 * ```ts
 * export const echo = defineProcess(import.meta.url, 'echo', async (ctx: Context<string>) => {
 *   for (;;) console.log(await ctx.receive());
 * });
 * ```
 */
export function defineProcess<Msg = never, Args extends unknown[] = [], R = unknown>(
  moduleUrl: string,
  name: string,
  body: (ctx: Context<Msg>, ...args: Args) => R | Promise<R>,
): ProcessDefinition<Msg, Args, R> {
  const key = makeKey(moduleUrl, name, 'defineProcess');
  if (typeof body !== 'function') {
    throw new BeamError('ERR_INVALID_ARGUMENT', `defineProcess(${JSON.stringify(name)}) needs a function as its body, got ${describe(body)}`);
  }
  claimKey('definition', key, moduleUrl, 'defineProcess');
  const def: ProcessDefinition<Msg, Args, R> = Object.freeze({ kind: 'process', key, name, moduleUrl, body });
  definitions.set(key, def);
  return def;
}

/** Defines a callback-driven (movable) process; see {@link ActorCallbacks}. */
export function defineActor<Msg, Args extends unknown[], State>(
  moduleUrl: string,
  name: string,
  callbacks: ActorCallbacks<Msg, Args, State>,
): ActorDefinition<Msg, Args, State> {
  const key = makeKey(moduleUrl, name, 'defineActor');
  if (typeof callbacks?.init !== 'function' || typeof callbacks?.handle !== 'function') {
    throw new BeamError('ERR_INVALID_ARGUMENT', `defineActor(${JSON.stringify(name)}) needs { init, handle } functions`);
  }
  claimKey('definition', key, moduleUrl, 'defineActor');
  const def: ActorDefinition<Msg, Args, State> = Object.freeze({ kind: 'actor', key, name, moduleUrl, callbacks });
  definitions.set(key, def);
  return def;
}

export function isDefinition(value: unknown): value is Definition {
  return (
    typeof value === 'object' &&
    value !== null &&
    ((value as Definition).kind === 'process' || (value as Definition).kind === 'actor') &&
    typeof (value as Definition).key === 'string'
  );
}

/**
 * The error users see when they pass a closure where code another thread must load is needed:
 * what was wanted, and the definition to write instead (`define(name)`). @internal
 */
export function closureError(fn: Function, wanted: string, define: (name: string) => string): BeamError {
  const name = fn.name || 'fn';
  return new BeamError(
    'ERR_NOT_A_DEFINITION',
    `${wanted}, got the plain function ${fn.name ? `'${fn.name}'` : '(anonymous)'}. ` +
      `A closure cannot be loaded by another scheduler thread; define it at the top level of a module: ` +
      `export const ${name} = ${define(name)};`,
  );
}

/** Throws the error users see when they pass a closure where a definition is needed. */
export function assertDefinition(value: unknown, where: string): asserts value is Definition {
  if (isDefinition(value)) return;
  if (typeof value === 'function') {
    throw closureError(value, `${where} needs a process definition`, (name) => `defineProcess(import.meta.url, '${name}', ${name})`);
  }
  throw new BeamError('ERR_NOT_A_DEFINITION', `${where} needs a process definition made with defineProcess(import.meta.url, name, fn), got ${describe(value)}`);
}

/** The definition for a key, if this thread has loaded its module. */
export function lookupDefinition(key: string): Definition | undefined {
  return definitions.get(key);
}

export function splitKey(key: string): { moduleUrl: string; name: string } {
  const at = key.lastIndexOf('#');
  return { moduleUrl: key.slice(0, at), name: key.slice(at + 1) };
}

/**
 * Finds a definition by key, importing its module on first use. A module may also export a
 * plain function under `name` (a script's `main`): it is wrapped as a process definition.
 */
export async function loadDefinition(key: string): Promise<Definition> {
  const known = definitions.get(key);
  if (known) return known;
  const { moduleUrl, name } = splitKey(key);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(moduleUrl)) as Record<string, unknown>;
  } catch (err) {
    throw new BeamError(
      'ERR_UNKNOWN_DEFINITION',
      `cannot load ${moduleUrl} to find '${name}': ${(err as Error)?.message ?? String(err)}. ` +
        `Check the path, and that the module imports cleanly on its own (it is loaded again in every scheduler thread).`,
      { cause: err },
    );
  }
  const after = definitions.get(key);
  if (after) return after;
  const exported = mod[name];
  if (isDefinition(exported)) return exported;
  if (typeof exported === 'function') {
    return defineProcess(moduleUrl, name, exported as (ctx: Context<unknown>, ...args: unknown[]) => unknown);
  }
  throw new BeamError(
    'ERR_UNKNOWN_DEFINITION',
    `${moduleUrl} defines no process named '${name}': define it at the module's top level with ` +
      `defineProcess(import.meta.url, '${name}', fn), or export a function named '${name}'.`,
  );
}
