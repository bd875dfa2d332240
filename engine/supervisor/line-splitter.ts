// Turns a stream of decoded text chunks into lines. Pure (no I/O), one instance per stream.

export const MAX_LOG_LINE_CHARS = 8_192;

/**
 * Splits on "\n" (dropping a preceding "\r"), handles lines split across chunks, and caps
 * line length so a service printing megabytes without a newline cannot exhaust memory:
 * the rest of an over-long line is dropped and counted.
 *
 * A bare "\r" (progress bars) behaves like a terminal would show it: the text after the
 * last "\r" of the line replaces what came before.
 */
export class LineSplitter {
  private pending = '';
  private dropped = 0;

  constructor(private readonly maxChars: number = MAX_LOG_LINE_CHARS) {
    if (!(maxChars >= 16)) throw new RangeError(`maxChars must be at least 16, got ${maxChars}`);
  }

  /** Feeds a chunk; returns the lines it completed. */
  push(chunk: string): string[] {
    const lines: string[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf('\n', start);
      if (nl === -1) {
        this.append(chunk.slice(start));
        break;
      }
      this.append(chunk.slice(start, nl));
      lines.push(this.take());
      start = nl + 1;
    }
    return lines;
  }

  /** The unterminated last line, if any (call when the stream ends). */
  end(): string[] {
    if (this.pending === '' && this.dropped === 0) return [];
    return [this.take()];
  }

  private append(text: string): void {
    if (text === '') return;
    const room = this.maxChars - this.pending.length;
    if (room >= text.length) {
      this.pending += text;
    } else {
      // Keep one spare char: a trailing "\r" belonging to "\r\n" must not count as content.
      this.pending += text.slice(0, Math.max(0, room + 1));
      this.dropped += Math.max(0, text.length - Math.max(0, room + 1));
    }
  }

  private take(): string {
    let line = this.pending;
    let dropped = this.dropped;
    this.pending = '';
    this.dropped = 0;
    if (dropped === 0 && line.endsWith('\r')) line = line.slice(0, -1);
    const cr = line.lastIndexOf('\r');
    if (cr !== -1 && cr < line.length - 1) line = line.slice(cr + 1);
    else if (cr !== -1) line = line.slice(0, cr);
    if (line.length > this.maxChars) {
      dropped += line.length - this.maxChars;
      line = line.slice(0, this.maxChars);
    }
    return dropped > 0 ? `${line}… [${dropped} more characters]` : line;
  }
}

/** Removes ANSI escape sequences (colours, cursor moves) so patterns match what a person reads. */
export function stripAnsi(text: string): string {
  // CSI sequences, OSC sequences (terminated by BEL or ST), and two-char escapes.
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g, '');
}
