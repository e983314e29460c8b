import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneLine } from './errors.js';

/**
 * Why a script failed to import, on one line, naming the user's file and line rather than our
 * loader's stack: a syntax error (esbuild's TransformError for TypeScript, V8's SyntaxError for
 * JavaScript), an exception thrown by its top-level code, a missing import, or TypeScript read
 * as CommonJS.
 */
export function describeLoadError(err: unknown, file: string, cwd: string): string {
  const show = (p: string): string => displayPath(p, cwd);
  if (!(err instanceof Error)) return `its top-level code threw ${String(err)}`;

  // esbuild: "Transform failed with 2 errors:\n/abs/x.ts:2:12: ERROR: Unexpected \";\"\n..."
  if (err.name === 'TransformError' || err.message.startsWith('Transform failed')) {
    const found = [...err.message.matchAll(/^(.*?):(\d+):(\d+): ERROR: (.*)$/gm)];
    if (found.length > 0) {
      const [, where, line, column, what] = found[0];
      const more = found.length > 1 ? ` (and ${found.length - 1} more)` : '';
      return `syntax error at ${show(where)}:${line}:${column}: ${what}${more}`;
    }
    return oneLine(relativize(err.message, cwd));
  }

  const code = (err as { code?: unknown }).code;
  const userFrame = firstFrame(err.stack ?? '');
  // A SyntaxError thrown by running code (JSON.parse at the top level) has a frame of the user's.
  const parseError = err instanceof SyntaxError && userFrame === undefined;
  if (typeScriptAsCommonJs(file) && (parseError || code === 'ERR_REQUIRE_CYCLE_MODULE' || code === 'ERR_REQUIRE_ESM')) {
    return `${show(file)} is read as CommonJS, where TypeScript cannot run: add "type": "module" to the nearest package.json, or rename the file to .mts`;
  }
  if (parseError) {
    // V8 puts the location of a syntax error in a CommonJS file on the stack's first line
    // ("/abs/x.cjs:2"); for an ES module it only prints it when the error goes uncaught,
    // so ask `node --check` for it.
    const head = err.stack?.split('\n')[0] ?? '';
    const at = LOCATION.exec(head) ?? (/\.[cm]?jsx?$/.test(file) ? syntaxErrorLocation(file) : null);
    const where = at ? ` at ${show(at[1])}:${at[2]}` : '';
    return `SyntaxError${where}: ${err.message}`;
  }
  if (typeof code === 'string' && code.startsWith('ERR_')) return oneLine(relativize(err.message, cwd));

  return `its top-level code threw ${err.name}: ${oneLine(err.message)}${userFrame ? ` (at ${show(userFrame)})` : ''}`;
}

const LOCATION = /^(file:\/\/\S+|\/\S+):(\d+)$/;

/** [, path, line] of the first syntax error in a JavaScript file, as `node --check` reports it. */
function syntaxErrorLocation(file: string): RegExpExecArray | null {
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 });
  return LOCATION.exec(check.stderr?.split('\n')[0]?.trim() ?? '');
}

/** A path relative to the working directory when it is below it; file: URLs become paths. */
export function displayPath(p: string, cwd: string): string {
  const abs = p.startsWith('file://') ? fileURLToPath(p) : p;
  const rel = path.relative(cwd, abs);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

/** `text` with the absolute paths and file: URLs below `cwd` made relative to it. */
export function relativize(text: string, cwd: string): string {
  return text.replace(/(file:\/\/)?(\/[^\s'"():]+)/g, (whole: string, _scheme: string | undefined, p: string) =>
    p.startsWith(cwd + path.sep) ? path.relative(cwd, p) : whole,
  );
}

/** This package's directory: frames in it are the loader's, not the script's. */
const OWN_ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url))) + path.sep;

/** "path:line:column" of the first stack frame outside Node's code and ours. */
function firstFrame(stack: string): string | undefined {
  for (const line of stack.split('\n').slice(1)) {
    const m = /(?:\(|^at )((?:file:\/\/)?\/[^\s()]+:\d+:\d+)\)?$/.exec(line.trim());
    if (m && !m[1].replace('file://', '').startsWith(OWN_ROOT)) return m[1];
  }
  return undefined;
}

/** True for a .ts/.tsx file that Node will read as CommonJS (no "type": "module" above it). */
function typeScriptAsCommonJs(file: string): boolean {
  if (!/\.tsx?$/.test(file)) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: unknown }).type !== 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return true;
  }
}
