// Packs the publishable packages into installable tarballs: node scripts/pack.mjs [destination]
// (default: ./packed). Each is built on the way (prepack) and its `workspace:` ranges become
// real versions. Install them in any project: npm install ./packed/beamjs-*.tgz
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGES = ['runtime', 'scheduler', 'cli'];
const root = path.resolve(fileURLToPath(import.meta.url), '../..');

/**
 * Packs every package with npm into `destination`; returns the tarballs' paths. `build: false`
 * packs the dist/ already built (`pnpm build`) instead of building each package first.
 */
export function packAll(destination, { build = true } = {}) {
  mkdirSync(destination, { recursive: true });
  if (build) {
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    for (const name of PACKAGES) execFileSync(process.execPath, [tsc, '-p', path.join(root, 'packages', name, 'tsconfig.json')], { stdio: 'inherit' });
  }
  return PACKAGES.map((name) => {
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', destination], {
      cwd: path.join(root, 'packages', name),
      encoding: 'utf8',
      // The lifecycle scripts' banners go to stderr; a failure still shows it (execFileSync's error).
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BEAMJS_PACK_BUILT: '1' },
    });
    // npm prints the lifecycle scripts' output before the JSON.
    const [info] = JSON.parse(out.slice(out.indexOf('[')));
    return path.join(destination, info.filename);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const destination = path.resolve(process.argv[2] ?? 'packed');
  for (const tarball of packAll(destination)) console.log(tarball);
}
