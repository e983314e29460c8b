// The `beamjs` command end to end: the real CLI (packages/cli/dist/bin.js, built by `pnpm test`)
// as a child process, on the scripts in test/fixtures/cli.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'packages/cli/dist/bin.js');
const fixture = (name: string): string => path.join('test/fixtures/cli', name);

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Running {
  child: ChildProcess;
  done: Promise<Result>;
  /** Resolves once stdout contains `text`. */
  printed(text: string): Promise<void>;
}

function start(args: string[], cwd = ROOT): Running {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiting: { text: string; resolve: () => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const w of waiting) if (stdout.includes(w.text)) w.resolve();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<Result>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  const printed = (text: string): Promise<void> =>
    stdout.includes(text)
      ? Promise.resolve()
      : Promise.race([
          new Promise<void>((resolve) => waiting.push({ text, resolve })),
          done.then((r) => Promise.reject(new Error(`exited (${r.code}) before printing ${text}: ${r.stdout}${r.stderr}`))),
        ]);
  return { child, done, printed };
}

const beamjs = (args: string[], cwd?: string): Promise<Result> => start(args, cwd).done;

/** The CLI refused the input: one `beamjs: ...` line on stderr, no stack, nothing on stdout. */
function expectOneLineError(r: Result, pattern: RegExp, code = 1): void {
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(/^beamjs: /);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
  expect(r.code).toBe(code);
}

const temp = mkdtempSync(path.join(os.tmpdir(), 'beamjs-cli-test-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A script written for one test, in a directory of its own with the given package type. */
function tempScript(name: string, source: string, type: 'module' | 'commonjs' = 'module'): string {
  const dir = mkdtempSync(path.join(temp, 'case-'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type }));
  writeFileSync(path.join(dir, name), source);
  return path.join(dir, name);
}

describe('beamjs run: exit codes', () => {
  it('exits 0 when main returns, and passes main the arguments after the script and after --', async () => {
    const r = await beamjs(['run', fixture('echo-args.ts'), 'one', '--schedulers', '1', '--', '--flag', 'two']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ args: ['one', '--flag', 'two'], scheduler: 0 });
    expect(r.stderr).toBe('');
  });

  it('exits 1 when main throws, with a crash report that points at the TypeScript line', async () => {
    const r = await beamjs(['run', fixture('crash.ts'), 'abc']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^\[error\] Process <\d+\.\d+> \(main\) terminating\n\*\* \(TypeError\) not a number: abc\n/);
    // The throw is on line 6 of crash.ts; main's call of parse on line 11.
    expect(r.stderr).toMatch(/at parse \(test\/fixtures\/cli\/crash\.ts:6:\d+\)/);
    expect(r.stderr).toMatch(/test\/fixtures\/cli\/crash\.ts:11:\d+/);
    // The user's frames only: not the runtime's, not Node's.
    expect(r.stderr).not.toMatch(/packages\/(runtime|scheduler|cli)\/|node:internal/);
  });

  it('process.exit(5) inside main exits 5, without a crash report', async () => {
    const r = await beamjs(['run', fixture('process-exit.ts'), '--schedulers', '2']);
    expect(r.stdout).toContain('exiting with 5');
    expect(r.stderr).not.toContain('[error]');
    expect(r.code).toBe(5);
  });

  it('a throw in a callback of callback-style I/O is logged as nobody\'s by default, and crashes main with --fault-attribution async-hooks', async () => {
    const fast = await beamjs(['run', fixture('io-callback-fault.ts'), '--schedulers', '1']);
    expect(fast.stdout).toBe('main returned\n');
    expect(fast.stderr).toMatch(/an uncaught exception that no live process on this scheduler can be blamed for[\s\S]*thrown in an fs callback/);
    expect(fast.code).toBe(0);
    const complete = await beamjs(['run', fixture('io-callback-fault.ts'), '--schedulers', '1', '--fault-attribution', 'async-hooks']);
    expect(complete.stdout).toBe('');
    expect(complete.stderr).toMatch(/\(main\) terminating[\s\S]*thrown in an fs callback/);
    expect(complete.code).toBe(1);
  });

  it('respects process.exitCode set by the script', async () => {
    const r = await beamjs(['run', fixture('exit-code.ts')]);
    expect(r.stdout).toBe('setting exit code 3\n');
    expect(r.code).toBe(3);
  });

  it('exits 1 when main exits with a reason other than normal, and reports the reason', async () => {
    const r = await beamjs(['run', fixture('exit-reason.ts')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\(main\) terminating\n\*\* \(exit\) \{"gaveUp":"no input"\}/);
  });

  it('exits 1 when a linked child crashes, with the child\'s error and line in the report', async () => {
    const r = await beamjs(['run', fixture('linked-crash.ts')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\*\* \(RangeError\) chunk out of range\n\s+at .*test\/fixtures\/cli\/linked-crash\.ts:5:\d+/);
  });

  it('--quiet: the same exit code, no crash report', async () => {
    const r = await beamjs(['run', fixture('crash.ts'), '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
  });
});

describe.concurrent('beamjs run: bad input is one line on stderr and a non-zero exit', () => {
  it('a missing script', async () => {
    expectOneLineError(await beamjs(['run', 'no/such/script.ts']), /cannot find the script no\/such\/script\.ts/);
  });

  it('a directory instead of a script', async () => {
    expectOneLineError(await beamjs(['run', 'test/fixtures']), /test\/fixtures is not a file/);
  });

  it('a script without a main export', async () => {
    expectOneLineError(await beamjs(['run', fixture('no-main.ts')]), /no-main\.ts has no main export: add export async function main/);
  });

  it('a main export that is not a function', async () => {
    expectOneLineError(await beamjs(['run', fixture('main-not-function.ts')]), /main-not-function\.ts exports main as an object/);
  });

  it('a TypeScript syntax error, with its file, line and column', async () => {
    const file = tempScript('broken.ts', 'export function main(): void {\n  const x = ;\n}\n');
    expectOneLineError(await beamjs(['run', file]), /cannot load .*broken\.ts: syntax error at .*broken\.ts:2:12: Unexpected ";"/);
  });

  it('a JavaScript syntax error, with its file and line', async () => {
    const file = tempScript('broken.js', 'export function main() {\n  const x = ;\n}\n');
    expectOneLineError(await beamjs(['run', file]), /cannot load .*broken\.js: SyntaxError at .*broken\.js:2: Unexpected token/);
  });

  it('a script whose top level throws, with the line it threw from', async () => {
    const file = tempScript('throws.ts', "export function main(): void {}\nthrow new Error('no config');\n");
    expectOneLineError(await beamjs(['run', file]), /cannot load .*throws\.ts: its top-level code threw Error: no config \(at .*throws\.ts:2:\d+\)/);
  });

  it('TypeScript that Node would read as CommonJS, with the fix', async () => {
    const file = tempScript('typed.ts', 'interface A { n: number }\nexport function main(a: A): A { return a; }\n', 'commonjs');
    expectOneLineError(await beamjs(['run', file]), /typed\.ts is read as CommonJS.*"type": "module"/);
  });

  it('a module that loads on the main thread but fails in a scheduler thread (ERR_LOAD_FAILED)', async () => {
    expectOneLineError(
      await beamjs(['run', fixture('fails-in-workers.ts')]),
      /scheduler \d+ could not load test\/fixtures\/cli\/fails-in-workers\.ts: this module refuses to load in a worker/,
    );
  });

  it('an unknown option (exit 2), with where script flags go', async () => {
    expectOneLineError(await beamjs(['run', fixture('echo-args.ts'), '--verbose']), /unknown option '--verbose'.*go after --/, 2);
  });

  it.each(['0', '-1', '1.5', 'abc', '4x', ''])('--schedulers %j (exit 2)', async (value) => {
    expectOneLineError(
      await beamjs(['run', fixture('echo-args.ts'), '--schedulers', value]),
      new RegExp(`--schedulers needs a whole number of at least 1, got '${value.replace('.', '\\.')}'`),
      2,
    );
  });

  it('--schedulers without a value, and more schedulers than the VM allows (exit 2)', async () => {
    expectOneLineError(await beamjs(['run', fixture('echo-args.ts'), '--schedulers']), /--schedulers needs a number/, 2);
    expectOneLineError(await beamjs(['run', fixture('echo-args.ts'), '--schedulers=1000']), /--schedulers 1000: .*from 1 to 120/, 2);
  });

  it('other bad command lines (exit 2)', async () => {
    expectOneLineError(await beamjs(['run', fixture('echo-args.ts'), '--fault-attribution', 'zone']), /--fault-attribution is promise-hooks \(the default\) or async-hooks, got 'zone'/, 2);
    expectOneLineError(await beamjs(['run', fixture('echo-args.ts'), '--stats=xml']), /--stats is --stats \(a table\) or --stats=json/, 2);
    expectOneLineError(await beamjs(['run', fixture('echo-args.ts'), '--quiet', '--stats']), /use --quiet or --stats, not both/, 2);
    expectOneLineError(await beamjs([fixture('echo-args.ts')]), /unknown command .*did you mean 'beamjs run test\/fixtures\/cli\/echo-args\.ts'/, 2);
    expectOneLineError(await beamjs(['run']), /run needs a script/, 2);
  });
});

describe('beamjs run: statistics', () => {
  it('--stats=json: the last line of stdout, with work done on every scheduler', async () => {
    const r = await beamjs(['run', fixture('parallel.ts'), '--schedulers', '2', '--stats=json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ran 16 chunks on schedulers/);
    const stats = JSON.parse(lines.at(-1)!) as {
      wallMs: number;
      schedulers: { id: number; steps: number; exited: number; utilization: number }[];
      total: { spawned: number; exited: number };
    };
    expect(stats.schedulers.map((s) => s.id)).toEqual([0, 1]);
    for (const s of stats.schedulers) {
      expect(s.steps, `scheduler ${s.id}`).toBeGreaterThan(0);
      expect(s.exited, `scheduler ${s.id}`).toBeGreaterThan(0);
      expect(s.utilization).toBeGreaterThan(0);
    }
    expect(stats.total.spawned).toBe(16);
    expect(stats.total.exited).toBe(17); // the chunks and main
    expect(r.stderr).toBe('');
  });

  it('--stats: a table on stderr, one row per scheduler and a total (one scheduler is allowed)', async () => {
    const r = await beamjs(['run', fixture('parallel.ts'), '--schedulers', '1', '--stats', '--', '4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ran 4 chunks on schedulers 0\n');
    const table = r.stderr.trim().split('\n');
    expect(table[0]).toMatch(/^1 scheduler, \d+\.\d\d s$/);
    expect(table[1].split(/\s{2,}/)).toEqual(['scheduler', 'util', 'spawned', 'exited', 'steps', 'steals', 'migr in', 'migr out', 'msgs in', 'msgs out']);
    expect(table[3]).toMatch(/^0\s+\d+\.\d%\s+4\s+5\s/);
    expect(table[4]).toMatch(/^total\s+\d+\.\d%\s+4\s+5\s/);
  });

  it('--top without a terminal: plain lines on stderr', async () => {
    const r = await beamjs(['run', fixture('parallel.ts'), '--schedulers', '2', '--top', '--', '4']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\[top \d+\.\ds\] util \d+% \d+% \| run queue \d+ \d+ \| jobs \d+ \d+ \| processes \d+ \| \d+(\.\d)?[kM]? msgs\/s \| moved \d+\/\d+ \d+\/\d+( \| moved: .*)?$/m);
  });

  it('--top names a process that holds its scheduler while it does, even one that started after an await', async () => {
    const r = await beamjs(['run', fixture('late-hog.ts'), '--schedulers', '2', '--top']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\[top \d+\.\ds\] long schedule: scheduler [01] held by <\d+(\.\d+)+> \(main\) for \d+\.\d s$/m);
  });
});

describe('beamjs: help, version, signals, examples', () => {
  it('--help and --version', async () => {
    const help = await beamjs(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage:\n\s+beamjs run <script\.ts\|script\.js> \[options\] \[-- args\.\.\.\]/);
    for (const option of ['--schedulers', '--stats=json', '--top', '--quiet', '--version']) expect(help.stdout).toContain(option);
    const version = await beamjs(['--version']);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string };
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    const bare = await beamjs([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^beamjs: run a process-based script/);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: every process gets shutdown, then exit %i', async (signal, code) => {
    const run = start(['run', fixture('long-running.ts'), '--schedulers', '2']);
    await run.printed('ready\n');
    run.child.kill(signal);
    const r = await run.done;
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('ready\nworker got shutdown\n');
    expect(r.stderr).toBe('');
  });

  it('runs examples/primes.ts', async () => {
    const r = await beamjs(['run', 'examples/primes.ts', '--', '100000', '10']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^9,592 primes below 100,000 \(10 chunks, \d+\.\d\d s\)\n$/);
  });

  it('runs examples/supervision-tree.ts: every request served while workers crash, with supervisor reports', async () => {
    const r = await beamjs(['run', 'examples/supervision-tree.ts', '--', '200', '4', '0.2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^served 200\/200 requests \(0 wrong answers\) with 4 workers/);
    // Each crash is a supervisor report, Elixir style, pointing at the example's line.
    expect(r.stderr).toMatch(/\[error\] Child worker-\d <\d+\.\d+> of Supervisor <\d+\.\d+> \(supervisor\) terminated\n\*\* \(Error\) worker \d crashed \(simulated\)/);
    expect(r.stderr).toMatch(/at square \(examples\/supervision-tree\.ts:\d+:\d+\)/);
  });

  it('runs examples/query-server.ts and examples/query-server-genserver.ts', async () => {
    for (const example of ['examples/query-server.ts', 'examples/query-server-genserver.ts']) {
      const r = await beamjs(['run', example, '--', '20']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^query 1 result, query 2 result, query 3 result, query 4 result, query 5 result\n/);
    }
  });
});
