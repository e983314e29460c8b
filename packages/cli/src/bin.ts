#!/usr/bin/env node
import { parseCommandLine } from './args.js';
import { CliError } from './errors.js';
import { runScript } from './run.js';
import { USAGE } from './usage.js';
import { version } from './version.js';

async function main(argv: string[]): Promise<number> {
  try {
    const command = parseCommandLine(argv);
    switch (command.kind) {
      case 'help':
        if (command.requested) process.stdout.write(USAGE);
        else process.stderr.write(USAGE);
        return command.requested ? 0 : 2;
      case 'version':
        process.stdout.write(`${version()}\n`);
        return 0;
      case 'run':
        return await runScript(command.options);
    }
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`beamjs: ${err.message}\n`);
      return err.exitCode;
    }
    // Not the user's doing: a bug of ours, and its stack is what a bug report needs.
    process.stderr.write(`beamjs: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// Exit explicitly once our output is flushed: timers or handles the script's top-level code
// left open on the main thread must not keep the program alive after main has ended.
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
process.exit(code);
