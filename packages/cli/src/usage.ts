/** The text of `beamjs --help`. */
export const USAGE = `beamjs: run a process-based script across all cores

Usage:
  beamjs run <script.ts|script.js> [options] [-- args...]
  beamjs --help | --version

The script exports main(ctx, args): it runs as the first process, with the words after
the script (or after --) as args. Every scheduler thread loads the script too, so the
processes main spawns can run on any core. TypeScript runs as is, with no build step.

Options:
  --schedulers <n>  scheduler threads (default: one per core; 1 is allowed)
  --node <name> --cluster <url>
                    join a cluster of nodes over NATS as <name> (unique among the live
                    nodes); <url> may carry credentials: nats://user:pass@host:4222
  --stats           print a table of per-scheduler statistics at exit (on stderr)
  --stats=json      print the statistics as one line of JSON, the last line of stdout
  --top             a live view while it runs: utilization, run queues, processes,
                    message rate (redrawn in place on a terminal, one line per second
                    otherwise; on stderr)
  --log-level <l>   the least severe report or log line printed: debug, info (the
                    default), notice, warning or error (crashes and supervisor reports
                    are errors, long schedules warnings, Logger.* calls their own level)
  --log-format=json reports and log lines as one JSON object per line (on stderr)
  --observe[=PORT]  serve the web observer while it runs (load charts, processes, supervision
                    trees, process detail) and print its URL; port 0 or none: a free one
  --observe-host <address>
                    bind the observer to this address instead of 127.0.0.1 (the URL's token
                    guards it)
  --observe-allow-kill
                    let the observer page exit processes and migrate behaviour processes
  --fault-attribution async-hooks
                    also blame a fault escaping a callback of callback-style I/O
                    (fs.readFile(path, cb), sockets) on the process that started it;
                    costs coroutines speed on Node 20 (a ring of them: 1.3-1.8x slower)
                    (default promise-hooks: promises, awaits, timers, immediates,
                    microtasks and ticks)
  -q, --quiet       no crash reports, no statistics
  -h, --help        this text
  -v, --version     the version of beamjs

Exit codes:
  0        main returned (or exited with reason normal)
  n        main returned and the script set process.exitCode = n
  1        main crashed or exited with another reason, or the script could not be loaded
  2        bad command line
  130/143  stopped by SIGINT (Ctrl-C) / SIGTERM: every process got the exit signal shutdown

Example:
  beamjs run examples/primes.ts --stats -- 10000000
`;
