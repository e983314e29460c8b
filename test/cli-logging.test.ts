// `beamjs run` with the behaviours example and the logging options, end to end: the real CLI
// (packages/cli/dist/bin.js, built by `pnpm test`) as a child process.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'packages/cli/dist/bin.js');

function beamjs(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const SESSIONS = [
  'user0 (1 dial): welcome user0, hello lobby',
  'user1 (2 dials): welcome user1',
  'user2 (3 dials): welcome user2, hello lobby',
  'user3 (1 dial): welcome user3',
];

describe('beamjs run: GenStatem, Registry and logging', () => {
  it('runs examples/chat-sessions.ts: messages wait for each session to connect, rooms get their broadcast, info lines on stderr', async () => {
    const r = await beamjs(['run', 'examples/chat-sessions.ts', '--', '4', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual(SESSIONS);
    expect(r.stderr).toMatch(/^\[info\] <\d+\.\d+> \(session\) user2 connected after 3 dials, joined lobby \{"user":"user2"\}$/m);
    expect(r.stderr).toMatch(/^\[notice\] <\d+\.\d+> \(main\) 4 sessions served \{"lobby":2\}$/m);
    expect(r.stderr).not.toMatch(/\[debug\]|\[error\]/);
  });

  it('--log-level=warning drops info and notice lines; --log-level debug shows the failed dials', async () => {
    const quiet = await beamjs(['run', 'examples/chat-sessions.ts', '--log-level=warning', '--', '4', '2']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout.trimEnd().split('\n')).toEqual(SESSIONS);
    expect(quiet.stderr).toBe('');
    const loud = await beamjs(['run', 'examples/chat-sessions.ts', '--log-level', 'debug', '--', '4', '2']);
    expect(loud.stderr).toMatch(/^\[debug\] <\d+\.\d+> \(session\) user2: dial 2 failed, retrying in 10 ms/m);
  });

  it('--log-format=json: one object per line with level, message, pid, definition and scheduler; crash reports too', async () => {
    const r = await beamjs(['run', 'examples/chat-sessions.ts', '--log-format=json', '--', '2', '0']);
    expect(r.code).toBe(0);
    const lines = r.stderr.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatchObject({ level: expect.any(String), message: expect.any(String), pid: expect.stringMatching(/^<\d+\.\d+>$/), scheduler: expect.any(Number) });
    expect(lines).toContainEqual(expect.objectContaining({ level: 'notice', name: 'main', message: '2 sessions served', meta: { lobby: 1 } }));

    const crash = await beamjs(['run', 'test/fixtures/cli/crash.ts', '--log-format=json']);
    expect(crash.code).toBe(1);
    const report = JSON.parse(crash.stderr.trimEnd().split('\n').at(-1)!) as { level: string; type: string; reason: { stack: string } };
    expect(report).toMatchObject({ level: 'error', type: 'crash' });
    expect(report.reason.stack).toMatch(/test\/fixtures\/cli\/crash\.ts:\d+/);
  });

  it('bad logging options are usage errors (exit 2) that name the choices', async () => {
    const level = await beamjs(['run', 'examples/chat-sessions.ts', '--log-level=loud']);
    expect(level.code).toBe(2);
    expect(level.stderr).toMatch(/--log-level is one of debug, info, notice, warning, error/);
    const format = await beamjs(['run', 'examples/chat-sessions.ts', '--log-format=xml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/--log-format=json or --log-format=text/);
    const both = await beamjs(['run', 'examples/chat-sessions.ts', '-q', '--log-level=debug']);
    expect(both.code).toBe(2);
  });
});
