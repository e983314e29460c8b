/**
 * A block of lines kept at the bottom of a terminal and redrawn in place, while the script's
 * own output (which reaches the main thread's process.stdout/stderr, worker output included)
 * scrolls above it: every write to a terminal stream first erases the block, and the block is
 * drawn again shortly after, once the output ends a line.
 */
type Write = NodeJS.WriteStream['write'];

const ERASE_TO_END = '\x1b[J';
const upLines = (n: number): string => `\x1b[${n}F`; // to column 0, n lines up

export class LiveRegion {
  private frame: string[] = [];
  /** Lines of the block on screen now (0: not shown). */
  private shown = 0;
  private atLineStart = true;
  private redraw: NodeJS.Timeout | undefined;
  private readonly restore: (() => void)[] = [];
  private readonly rawWrite: (text: string) => void;

  constructor(
    private readonly out: NodeJS.WriteStream,
    intercept: readonly NodeJS.WriteStream[],
  ) {
    const raw = out.write;
    this.rawWrite = (text) => void raw.call(out, text);
    for (const stream of new Set([out, ...intercept])) {
      if (!stream.isTTY) continue;
      const original = stream.write;
      const region = this;
      stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
        region.erase();
        const ok = (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
        region.afterForeignWrite(chunk);
        return ok;
      } as Write;
      this.restore.push(() => (stream.write = original));
    }
  }

  /** Shows `lines` in place of the previous block. */
  update(lines: readonly string[]): void {
    const width = Math.max(20, (this.out.columns || 80) - 1);
    this.frame = lines.map((l) => (l.length > width ? l.slice(0, width) : l));
    this.erase();
    this.draw();
  }

  /** Stops intercepting; the last block stays on screen. */
  close(): void {
    clearTimeout(this.redraw);
    if (this.shown === 0 && this.atLineStart) this.draw();
    for (const undo of this.restore) undo();
    this.restore.length = 0;
  }

  private draw(): void {
    if (!this.atLineStart || this.frame.length === 0) return;
    this.rawWrite(this.frame.map((l) => `${l}\n`).join(''));
    this.shown = this.frame.length;
  }

  private erase(): void {
    if (this.shown === 0) return;
    this.rawWrite(upLines(this.shown) + ERASE_TO_END);
    this.shown = 0;
  }

  private afterForeignWrite(chunk: unknown): void {
    if (typeof chunk === 'string' && chunk.length > 0) this.atLineStart = chunk.endsWith('\n');
    else if (chunk instanceof Uint8Array && chunk.length > 0) this.atLineStart = chunk[chunk.length - 1] === 0x0a;
    if (this.redraw === undefined) {
      this.redraw = setTimeout(() => {
        this.redraw = undefined;
        if (this.shown === 0) this.draw();
      }, 50);
      this.redraw.unref();
    }
  }
}
