/**
 * FIFO of runnable items on one thread: a growable ring buffer, so that push and shift are
 * O(1) without the re-indexing cost of `Array.prototype.shift`.
 */
export class RunQueue<T> {
  private buf: (T | undefined)[] = new Array(64);
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(item: T): void {
    if (this.size === this.buf.length) this.grow();
    this.buf[(this.head + this.size) & (this.buf.length - 1)] = item;
    this.size++;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.size--;
    return item;
  }

  /** Removes every item for which `drop` is true, keeping the order of the rest. */
  remove(drop: (item: T) => boolean): void {
    const keep: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) if (!drop(item)) keep.push(item);
    for (const item of keep) this.push(item);
  }

  private grow(): void {
    const next: (T | undefined)[] = new Array(this.buf.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = this.buf[(this.head + i) & (this.buf.length - 1)];
    this.buf = next;
    this.head = 0;
  }
}
