import type { LogSink } from './logger.js';
import { LocalNames } from './registry.js';
import { BeamError } from './errors.js';
import { SLOT_SPACE, generationOf, makePid, slotOf } from './pid.js';
import { Runtime, type RuntimeOptions } from './runtime.js';
import { defaultReporter } from './report.js';
import type { Host, NameRegistry, RuntimeEvent, SpawnJob } from './host.js';
import type { Signal } from './signals.js';

/** The host of a runtime alone on its thread: every pid lives here, so a pid not found is dead. */
class SingleThreadHost implements Host {
  readonly nodeId = 0;
  readonly names: NameRegistry = new LocalNames();
  runtime!: Runtime;
  private nextSlot = 1;
  /** The next pid of each released slot: same slot, next generation. */
  private readonly free: number[] = [];

  constructor(private readonly onReport: (event: RuntimeEvent) => void) {}

  allocatePid(): number {
    // A slot is reused with a new generation, so a stale pid never reaches the new process.
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.nextSlot === SLOT_SPACE) {
      throw new BeamError('ERR_INVALID_ARGUMENT', `cannot spawn: ${SLOT_SPACE} processes are alive on this runtime, the most it holds; let some exit first`);
    }
    return this.nextSlot++;
  }

  releasePid(pid: number): void {
    this.free.push(makePid(slotOf(pid), generationOf(pid) + 1));
  }

  isAlive(): boolean {
    return false;
  }

  route(signal: Signal): void {
    this.runtime.bounce(signal);
  }

  submit(job: SpawnJob): void {
    this.runtime.start(job);
  }

  report(event: RuntimeEvent): void {
    this.onReport(event);
  }
}

export interface SingleThreadOptions extends RuntimeOptions {
  /** Where crash reports and long-schedule events go (default: crashes to stderr). */
  onReport?: (event: RuntimeEvent) => void;
  /** A logger (`Logger.create({ level, format })`) to write reports and log lines, when `onReport` is not given. */
  logger?: LogSink;
}

/**
 * A runtime that runs every process on the current thread: the process model without the
 * scheduler, for tests, for tools, and as the baseline the multi-core VM is measured against.
 */
export function createRuntime(options: SingleThreadOptions = {}): Runtime {
  const host = new SingleThreadHost(options.onReport ?? options.logger?.onReport ?? defaultReporter);
  const runtime = new Runtime(host, options);
  host.runtime = runtime;
  return runtime;
}
