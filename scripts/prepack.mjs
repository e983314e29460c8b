// `prepack` of every publishable package (run by `npm pack`, `pnpm pack`, `npm publish`...):
// 1. builds dist/ (a fresh clone has none), after the sibling packages it compiles against;
// 2. under npm, which does not know pnpm's `workspace:` ranges, writes the real ranges into
//    package.json for the tarball (`workspace:^` -> `^0.1.0`, as pnpm pack does) and keeps the
//    original next to it; scripts/postpack.mjs puts it back.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(import.meta.url), '../..');
const packageDir = process.cwd();
const BACKUP = 'package.json.workspace';
const tsc = createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');

const readManifest = (dir) => JSON.parse(readFileSync(path.join(dir, existsSync(path.join(dir, BACKUP)) ? BACKUP : 'package.json'), 'utf8'));
const siblingDir = (name) => path.join(root, 'packages', name.replace(/^@beamjs\//, ''));

/** This package's workspace dependencies, deepest first, then the package itself. */
function buildOrder(dir, seen = new Set()) {
  if (seen.has(dir)) return [];
  seen.add(dir);
  const deps = Object.entries(readManifest(dir).dependencies ?? {}).filter(([, range]) => range.startsWith('workspace:'));
  return [...deps.flatMap(([name]) => buildOrder(siblingDir(name), seen)), dir];
}

// scripts/pack.mjs builds every package once itself, then packs with BEAMJS_PACK_BUILT=1.
for (const dir of process.env.BEAMJS_PACK_BUILT === '1' ? [] : buildOrder(packageDir)) {
  execFileSync(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json')], { stdio: 'inherit' });
}

// Who runs this lifecycle script: npm sets npm_execpath to itself even when an outer pnpm
// (`pnpm test` running a test that calls `npm pack`) left its user agent in the environment.
const packedByPnpm = /pnpm/.test(path.basename(process.env.npm_execpath ?? ''));
if (!packedByPnpm) {
  const text = readFileSync(path.join(packageDir, 'package.json'), 'utf8');
  const manifest = JSON.parse(text);
  let changed = false;
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (!range.startsWith('workspace:')) continue;
      const version = readManifest(siblingDir(name)).version;
      const spec = range.slice('workspace:'.length);
      manifest[field][name] = spec === '*' || spec === '' ? version : spec === '^' || spec === '~' ? `${spec}${version}` : spec;
      changed = true;
    }
  }
  if (changed) {
    writeFileSync(path.join(packageDir, BACKUP), text);
    writeFileSync(path.join(packageDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
}
