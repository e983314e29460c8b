import { BeamError } from '@beamjs/runtime';

/**
 * What the program's main thread is waiting for from the VM: jobs, calls, receives, exit
 * watchers, control requests. Two duties, like piscina's pool:
 *
 * - **Liveness.** The VM's threads and ports are unref'd, so a VM with nothing in flight for
 *   the main thread does not keep Node alive (a script that forgets `vm.stop()` still exits).
 *   While anything is pending, one ref'd timer holds the event loop open; `keepAlive` holds it
 *   for good (servers whose only work arrives as messages).
 * - **Settling on stop.** `vm.stop()` rejects everything still pending with ERR_VM_STOPPED at
 *   once, rather than leaving promises that never settle (or that settle only if a DOWN
 *   happens to win a race with the shutdown).
 */
export class MainThreadWaits {
  private holds = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly rejecters = new Set<(err: Error) => void>();
  private stoppedWith: Error | undefined;
  private closed = false;

  constructor(private readonly keepAlive: boolean) {
    this.update();
  }

  /** Holds Node alive until the returned release is called (once; later calls do nothing). */
  hold(): () => void {
    this.holds++;
    this.update();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.update();
    };
  }

  /**
   * The outcome of `start()`, or ERR_VM_STOPPED if the VM stops first (or has stopped: then
   * `start` is not called); Node stays alive meanwhile.
   */
  track<T>(start: () => Promise<T>): Promise<T> {
    if (this.stoppedWith) return Promise.reject(this.stoppedWith);
    let work: Promise<T>;
    try {
      work = start();
    } catch (err) {
      return Promise.reject(err);
    }
    const release = this.hold();
    return new Promise<T>((resolve, reject) => {
      const onStop = (err: Error): void => {
        release();
        reject(err);
      };
      this.rejecters.add(onStop);
      work.then(
        (value) => {
          this.rejecters.delete(onStop);
          release();
          resolve(value);
        },
        (err: unknown) => {
          this.rejecters.delete(onStop);
          release();
          reject(err);
        },
      );
    });
  }

  /**
   * Every wait pending now rejects with `error`. `final`: so does every later one, at once
   * (the VM has stopped); without it, waits begun while the VM drains may still succeed (a
   * program watching its processes shut down).
   */
  rejectPending(error: Error, final: boolean): void {
    if (final) this.stoppedWith = error;
    const pending = [...this.rejecters];
    this.rejecters.clear();
    for (const reject of pending) reject(error);
  }

  /** Nothing of the VM keeps Node alive any more (after stop). */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private update(): void {
    const wanted = !this.closed && (this.keepAlive || this.holds > 0);
    if (wanted && this.timer === undefined) this.timer = setInterval(() => {}, 2 ** 31 - 1);
    else if (!wanted && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  static stoppedError(): BeamError {
    return new BeamError('ERR_VM_STOPPED', 'the VM was stopped while this was pending');
  }
}
