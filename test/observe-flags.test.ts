import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../packages/cli/src/args.js';
import { UsageError } from '../packages/cli/src/errors.js';

const runOptions = (...argv: string[]) => {
  const command = parseCommandLine(['run', 'script.ts', ...argv]);
  if (command.kind !== 'run') throw new Error(`expected a run command, got ${command.kind}`);
  return command.options;
};

describe('beamjs run --observe flags', () => {
  it('--observe alone: a free port on loopback, actions off; no flag: no observer', () => {
    expect(runOptions('--observe').observe).toEqual({ port: 0, host: undefined, allowActions: false });
    expect(runOptions().observe).toBeUndefined();
  });

  it('--observe=PORT, --observe-host (both spellings) and --observe-allow-kill; the latter two imply --observe', () => {
    expect(runOptions('--observe=4000', '--observe-host', '0.0.0.0', '--observe-allow-kill').observe).toEqual({ port: 4000, host: '0.0.0.0', allowActions: true });
    expect(runOptions('--observe-host=::1').observe).toEqual({ port: 0, host: '::1', allowActions: false });
    expect(runOptions('--observe-allow-kill', '--', '--observe').observe).toEqual({ port: 0, host: undefined, allowActions: true });
    expect(runOptions('--observe-allow-kill', '--', '--observe').args).toEqual(['--observe']);
  });

  it('a bad port or a missing address is a usage error that says what to write', () => {
    expect(() => runOptions('--observe=http')).toThrow(UsageError);
    expect(() => runOptions('--observe=70000')).toThrow(/--observe=PORT needs a port number from 0 to 65535/);
    expect(() => runOptions('--observe-host')).toThrow(/--observe-host needs an address to bind, as in --observe-host 0.0.0.0/);
    expect(() => runOptions('--observe-host', '--stats')).toThrow(/--observe-host needs an address/);
    expect(() => runOptions('--observe-allow-kill=yes')).toThrow(/takes no value/);
  });
});
