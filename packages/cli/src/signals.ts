import os from 'node:os';

export type StopSignal = 'SIGINT' | 'SIGTERM';

/**
 * Ctrl-C and SIGTERM. The first one resolves `received` (run.ts then stops the VM cleanly:
 * every process gets the exit signal `shutdown`); a second one, while that shutdown is still
 * under way, ends the program at once. Either way the exit code is 128 + the signal's number:
 * 130 for SIGINT, 143 for SIGTERM, as a shell reports a process killed by it.
 */
export class SignalWatcher {
  readonly received: Promise<StopSignal>;
  private first: StopSignal | undefined;
  private force = false;
  private resolve!: (signal: StopSignal) => void;
  private readonly handlers = new Map<StopSignal, () => void>();

  constructor(private readonly onFirst: (signal: StopSignal) => void = () => {}) {
    this.received = new Promise((resolve) => (this.resolve = resolve));
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const handler = (): void => this.on(signal);
      this.handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  /** The first signal, if one came. */
  get signal(): StopSignal | undefined {
    return this.first;
  }

  /** From now on, any signal ends the program at once (the VM is already stopping). */
  forceOnNext(): void {
    this.force = true;
  }

  dispose(): void {
    for (const [signal, handler] of this.handlers) process.off(signal, handler);
    this.handlers.clear();
  }

  private on(signal: StopSignal): void {
    if (this.first !== undefined || this.force) process.exit(exitCodeFor(this.first ?? signal));
    this.first = signal;
    this.onFirst(signal);
    this.resolve(signal);
  }
}

export function exitCodeFor(signal: StopSignal): number {
  return 128 + os.constants.signals[signal];
}
