/**
 * A FIFO of messages that also supports selective receive: taking the first message that
 * matches a predicate, wherever it is, and leaving the rest in order.
 *
 * Array + head index: `push`/`shift` are O(1) amortised; removing from the middle (a
 * selective receive that skips messages) splices, which is O(n) but rare.
 */
export class Mailbox {
  private items: unknown[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(msg: unknown): void {
    this.items.push(msg);
  }

  /** Puts messages back at the front, in order (a migrated process's mailbox, for one). */
  prepend(msgs: readonly unknown[]): void {
    this.items = [...msgs, ...this.items.slice(this.head)];
    this.head = 0;
  }

  /** Puts one message at the front (a GenServer's pending continue, see gen-server-loop.ts). */
  unshift(msg: unknown): void {
    if (this.head > 0) this.items[--this.head] = msg;
    else this.items.unshift(msg);
  }

  shift(): unknown {
    const items = this.items;
    const msg = items[this.head];
    items[this.head++] = undefined;
    if (this.head === items.length) {
      // Emptied: `pop` the one slot left instead of `length = 0`, which is a slow runtime call
      // (the common case is a mailbox that holds one message at a time).
      if (items.length === 1) items.pop();
      else this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return msg;
  }

  /** Index of the first message at or after `from` that matches, or -1. */
  find(match: (msg: unknown) => boolean, from = 0): number {
    const items = this.items;
    for (let i = this.head + from; i < items.length; i++) {
      if (match(items[i])) return i - this.head;
    }
    return -1;
  }

  /** Removes and returns the message at `index` (relative to the front). */
  take(index: number): unknown {
    if (index === 0) return this.shift();
    const [msg] = this.items.splice(this.head + index, 1);
    return msg;
  }

  /** Gives up the storage past what it holds now (slack left by a burst that was taken). */
  compact(): void {
    this.items = this.items.slice(this.head);
    this.head = 0;
  }

  toArray(): unknown[] {
    return this.items.slice(this.head);
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
