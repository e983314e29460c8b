import { Logger, type LogLevel } from '@beamjs/runtime';
import { isFaultAttribution, type FaultAttribution } from '@beamjs/scheduler';
import { UsageError } from './errors.js';

/**
 * The command line, parsed. `node:util`'s parseArgs cannot express an option with an
 * optional value (`--stats` and `--stats=json`) and its errors name no fix, so the grammar is
 * parsed here; it is small:
 *
 *     beamjs run <script> [options] [script args...] [-- script args...]
 *     beamjs --help | --version
 *
 * Options may come before or after the script. Words after the script that are not options
 * are the script's arguments; after `--`, everything is (so the script can take flags).
 */
export type Command =
  /** `requested`: asked for with --help (exit 0), rather than shown for a missing command (exit 2). */
  | { kind: 'help'; requested: boolean }
  | { kind: 'version' }
  | { kind: 'run'; options: RunOptions };

export type StatsMode = 'off' | 'table' | 'json';

/** `--observe[=PORT]`, `--observe-host HOST`, `--observe-allow-kill`: the web observer. */
export interface ObserveFlags {
  /** 0: a free port. */
  port: number;
  /** undefined: loopback (127.0.0.1). */
  host: string | undefined;
  allowActions: boolean;
}

export interface RunOptions {
  /** The script as given (a path, relative to the working directory). */
  script: string;
  /** Arguments for the script's `main(ctx, args)`. */
  args: string[];
  /** Scheduler threads; undefined means one per core. */
  schedulers: number | undefined;
  stats: StatsMode;
  top: boolean;
  quiet: boolean;
  /** The least severe report or log line printed (default `info`). */
  logLevel: LogLevel;
  logFormat: 'text' | 'json';
  /** The web observer, if asked for. */
  observe?: ObserveFlags;
  /** Join a cluster (--node, --cluster): this node's name and the NATS URL. */
  cluster?: { node: string; url: string };
  /** --fault-attribution: how schedulers blame escaped faults (VMOptions.faultAttribution); undefined: the VM's default. */
  faultAttribution?: FaultAttribution;
}

const SCRIPT_FLAGS_HINT = 'arguments for the script go after --, as in: beamjs run script.ts -- --flag value';

export function parseCommandLine(argv: readonly string[]): Command {
  const positionals: string[] = [];
  const passThrough: string[] = [];
  let schedulers: number | undefined;
  let node: string | undefined;
  let clusterUrl: string | undefined;
  let stats: StatsMode = 'off';
  let top = false;
  let quiet = false;
  let logLevel: LogLevel | undefined;
  let logFormat: 'text' | 'json' = 'text';
  let faultAttribution: FaultAttribution | undefined;
  let help = false;
  let version = false;
  let observe: ObserveFlags | undefined;
  const observing = (): ObserveFlags => (observe ??= { port: 0, host: undefined, allowActions: false });

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      passThrough.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const noValue = (): void => {
      if (inline !== undefined) throw new UsageError(`option ${name} takes no value, got '${arg}'`);
    };
    /** The option's value: after `=`, or the next word (which `--` never is). */
    const value = (missing: string): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next === '--') throw new UsageError(missing);
      i++;
      return next;
    };
    switch (name) {
      case '-h':
      case '--help':
        noValue();
        help = true;
        break;
      case '-v':
      case '--version':
        noValue();
        version = true;
        break;
      case '-q':
      case '--quiet':
        noValue();
        quiet = true;
        break;
      case '--top':
        noValue();
        top = true;
        break;
      case '--stats':
        if (inline === undefined || inline === 'table') stats = 'table';
        else if (inline === 'json') stats = 'json';
        else throw new UsageError(`--stats is --stats (a table) or --stats=json, got '${arg}'`);
        break;
      case '--observe':
        observing().port = inline === undefined ? 0 : parsePort(inline);
        break;
      case '--observe-allow-kill':
        noValue();
        observing().allowActions = true;
        break;
      case '--observe-host': {
        const missing = '--observe-host needs an address to bind, as in --observe-host 0.0.0.0';
        const host = value(missing);
        if (host === '' || host.startsWith('-')) throw new UsageError(missing);
        observing().host = host;
        break;
      }
      case '--log-level': {
        const value = inline ?? argv[++i];
        if (!Logger.LOG_LEVELS.includes(value as LogLevel)) throw new UsageError(`--log-level is one of ${Logger.LOG_LEVELS.join(', ')}, as in --log-level=warning; got '${value ?? ''}'`);
        logLevel = value as LogLevel;
        break;
      }
      case '--log-format':
        if (inline !== 'json' && inline !== 'text') throw new UsageError(`--log-format is --log-format=json or --log-format=text, got '${arg}'`);
        logFormat = inline;
        break;
      case '--fault-attribution': {
        const how = value('--fault-attribution needs promise-hooks or async-hooks, as in --fault-attribution async-hooks');
        if (!isFaultAttribution(how)) throw new UsageError(`--fault-attribution is promise-hooks (the default) or async-hooks, got '${how}'`);
        faultAttribution = how;
        break;
      }
      case '--schedulers': {
        schedulers = parseSchedulers(value('--schedulers needs a number, as in --schedulers 4'));
        break;
      }
      case '--node':
        node = value('--node needs this node\'s name in the cluster, as in --node a --cluster nats://127.0.0.1:4222');
        break;
      case '--cluster':
        clusterUrl = value('--cluster needs the NATS server URL, as in --cluster nats://127.0.0.1:4222 (credentials: nats://user:pass@host:4222)');
        break;
      default:
        throw new UsageError(`unknown option '${name}' (see beamjs --help; ${SCRIPT_FLAGS_HINT})`);
    }
  }

  if (help) return { kind: 'help', requested: true };
  if (version) return { kind: 'version' };
  const [command, script, ...rest] = positionals;
  if (command === undefined) return { kind: 'help', requested: false };
  if (command === 'help') return { kind: 'help', requested: true };
  if (command !== 'run') {
    const hint = /\.[cm]?[jt]sx?$/.test(command) ? `: did you mean 'beamjs run ${command}'?` : ' (the command is run: beamjs run <script>)';
    throw new UsageError(`unknown command '${command}'${hint}`);
  }
  if (script === undefined) throw new UsageError('run needs a script: beamjs run <script.ts> [-- args...]');
  if (quiet && stats !== 'off') throw new UsageError('--quiet turns the stats off: use --quiet or --stats, not both');
  if (quiet && top) throw new UsageError('--quiet turns the live view off: use --quiet or --top, not both');
  if (quiet && logLevel !== undefined) throw new UsageError('--quiet turns the reports off: use --quiet or --log-level, not both');
  if ((node === undefined) !== (clusterUrl === undefined)) {
    throw new UsageError('--node and --cluster go together: a node needs a cluster to join and a name in it, as in --node a --cluster nats://127.0.0.1:4222');
  }
  const cluster = node !== undefined && clusterUrl !== undefined ? { cluster: { node, url: clusterUrl } } : {};
  return { kind: 'run', options: { script, args: [...rest, ...passThrough], schedulers, stats, top, quiet, logLevel: logLevel ?? 'info', logFormat, ...(observe ? { observe } : {}), ...cluster, ...(faultAttribution ? { faultAttribution } : {}) } };
}

/** A whole number >= 1, written as plain digits ("4", not "4.0", "0x4" or " 4"). */
function parseSchedulers(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`--schedulers needs a whole number of at least 1, got '${text}'`);
  }
  return n;
}

/** A TCP port: plain digits, 1 to 65535 (or 0: any free port). */
function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`--observe=PORT needs a port number from 0 to 65535 (0: a free one), got '${text}'`);
  return n;
}
