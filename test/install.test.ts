// The packages as a user gets them: packed, installed with npm into a fresh project outside
// the repository, and used from there. Offline: npm gets only the tarballs (and an empty
// cache), so this passes on a machine that has never seen the registry's @beamjs packages.
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAll } from '../scripts/pack.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/install-project/', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'beamjs-install-'));
const project = path.join(root, 'project');
const tarballs = path.join(root, 'tarballs');

/** Runs a command in the installed project; bounded, so a hang fails instead of stalling CI. */
function inProject(command: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd: project, encoding: 'utf8', timeout: 90_000, env: { ...process.env, NODE_OPTIONS: '' } });
}
const node = (...args: string[]) => inProject(process.execPath, args);
const beamjs = (...args: string[]) => node(path.join(project, 'node_modules/.bin/beamjs'), ...args);

/** Links a package the repo already has into the project (what `npm install -D pkg` would add). */
function linkFromRepo(name: string): void {
  const target = path.join(project, 'node_modules', name);
  mkdirSync(path.dirname(target), { recursive: true });
  symlinkSync(realpathSync(path.join(repo, 'node_modules', name)), target);
}

/** The README's code blocks that start with `// <file>`, written into the project as those files. */
function writeReadmeFiles(section: string): string[] {
  const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
  const start = readme.indexOf(`## ${section}\n`);
  const body = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const written: string[] = [];
  for (const [, code] of body.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const file = /^\/\/ (\S+\.ts)\n/.exec(code)?.[1];
    if (!file) continue;
    writeFileSync(path.join(project, file), code);
    written.push(file);
  }
  return written;
}

beforeAll(() => {
  mkdirSync(project, { recursive: true });
  // dist/ is what `pnpm test` just built; scripts/pack.mjs builds it itself when run alone.
  const packed: string[] = packAll(tarballs, { build: false });
  // The packages' registry dependencies (comlink, uplot...), packed from the repo's store
  // (npm would download them from the registry in a real project).
  const registryDeps = new Set<string>();
  for (const name of ['runtime', 'scheduler', 'cli']) {
    const manifest = JSON.parse(readFileSync(path.join(repo, 'packages', name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
      if (!range.startsWith('workspace:')) registryDeps.add(realpathSync(path.join(repo, 'packages', name, 'node_modules', dep)));
    }
  }
  const before = new Set(readdirSync(tarballs));
  for (const dir of registryDeps) execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', tarballs, dir], { stdio: 'ignore' });
  const depTarballs = readdirSync(tarballs).filter((f) => !before.has(f)).map((f) => path.join(tarballs, f));
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'uses-beamjs', private: true, type: 'module' }));
  execFileSync(
    'npm',
    ['install', '--offline', '--cache', path.join(root, 'npm-cache'), '--no-audit', '--no-fund', '--loglevel=error', ...depTarballs, ...packed],
    { cwd: project, stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 },
  );
  for (const file of readdirSync(fixtures)) copyFileSync(path.join(fixtures, file), path.join(project, file));
}, 300_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

// Each step starts Node processes (and tsc) on a machine that may be busy: generous bounds.
const SLOW = 120_000;

describe('installed with npm into a project outside the repository', { timeout: SLOW }, () => {
  it('the tarballs carry dist/ and real version ranges instead of workspace: ones', () => {
    for (const name of ['runtime', 'scheduler', 'cli']) {
      const manifest = readFileSync(path.join(project, 'node_modules/@beamjs', name, 'package.json'), 'utf8');
      expect(manifest).not.toMatch(/workspace:/);
      expect(readdirSync(path.join(project, 'node_modules/@beamjs', name, 'dist'))).toContain(name === 'cli' ? 'bin.js' : 'index.js');
    }
    // tsx and @types/node are optional peers: nothing pulled them in.
    expect(readdirSync(path.join(project, 'node_modules'))).not.toContain('tsx');
  });

  it('a plain-JS library script runs without tsx, and exits by itself without vm.stop()', () => {
    const run = node('main.mjs');
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('squares 1,4,9,16,25,36,49,64');
    expect(run.status).toBe(0);
  });

  it('the beamjs bin runs a JS script', () => {
    const run = beamjs('run', 'cli-script.mjs', '--', '1', '2', '3');
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('doubled total 12');
    expect(run.status).toBe(0);
  });

  it('a TypeScript script without tsx installed fails with an error that says how to add it', () => {
    const run = beamjs('run', 'cli-script.ts');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/cli-script\.ts is TypeScript.*needs the tsx package.*npm install --save-dev tsx/);
  });

  describe('with tsx added', () => {
    beforeAll(() => linkFromRepo('tsx'));

    it('the beamjs bin runs a TypeScript script', () => {
      const run = beamjs('run', 'cli-script.ts', '--', 'beam');
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('hello beam');
      expect(run.status).toBe(0);
    });

    it("the README's library program runs as written", () => {
      expect(writeReadmeFiles('The library')).toEqual(['work.ts', 'main.ts']);
      const run = node(path.join(project, 'node_modules/tsx/dist/cli.mjs'), 'main.ts');
      expect(run.stderr).toBe('');
      expect(run.stdout.trim().split('\n')).toEqual(['78498 78498', 'ERR_JOB_TIMEOUT', '78498']);
      expect(run.status).toBe(0);
    });

    it('type-checks against the installed .d.ts files (with @types/node, as the peer asks)', () => {
      linkFromRepo('typescript');
      linkFromRepo('@types/node');
      writeReadmeFiles('The library');
      const run = node(path.join(project, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json');
      expect(run.stdout).toBe('');
      expect(run.status).toBe(0);
    });
  });
});
