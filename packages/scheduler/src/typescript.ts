import { BeamError } from '@beamjs/runtime';

/**
 * TypeScript support is optional: `tsx` is an optional peer dependency, needed only by
 * programs that load .ts modules (plain-JS users install no esbuild). Every scheduler thread
 * registers it when it is installed (tsx's hooks on the main thread do not reach workers on
 * Node 20, tsx #354); a .ts module without it gets {@link missingTsxError}.
 */
export const isTypeScriptFile = (fileOrUrl: string): boolean => /\.[cm]?tsx?$/.test(fileOrUrl.replace(/[?#].*$/, ''));

/** True if `tsx` can be imported from here (the scheduler package's location). */
export function tsxAvailable(): boolean {
  try {
    import.meta.resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

let registering: Promise<boolean> | undefined;

/** Registers tsx's loader hooks on this thread once, if tsx is installed; false if it is not. */
export function registerTypeScript(): Promise<boolean> {
  registering ??= tsxAvailable()
    ? import('tsx/esm/api').then(({ register }) => {
        register();
        return true;
      })
    : Promise.resolve(false);
  return registering;
}

/** The error for a TypeScript module when tsx is not installed: what is missing and how to add it. */
export function missingTsxError(module: string): BeamError {
  return new BeamError(
    'ERR_TSX_MISSING',
    `${module} is TypeScript, and loading TypeScript needs the tsx package, which is not installed. ` +
      `Add it to your project (npm install --save-dev tsx, or pnpm add -D tsx), or compile to JavaScript and use the .js files.`,
  );
}
