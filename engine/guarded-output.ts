// Lines to stdout/stderr that survive the reader going away. When a terminal closes or a
// parent that piped our output dies, the next write fails (EPIPE, or EIO on a hung-up tty);
// unhandled, that 'error' becomes an uncaught exception, and a handler that reports it by
// writing again fails again, forever. Here every write failure is caught, and once the
// output is gone nothing more is written: the owner decides what "gone" means for it.
import { closeSync } from 'node:fs';
import type { Writable } from 'node:stream';

/** Error codes a write gets when nobody reads the stream any more. */
const OUTPUT_GONE_CODES: ReadonlySet<string> = new Set([
  'EPIPE', // pipe or socket whose reader closed
  'ECONNRESET', // socket reset by the reader
  'ENOTCONN',
  'EIO', // terminal hung up
  'ERR_STREAM_DESTROYED', // written after the stream was destroyed
  'ERR_STREAM_WRITE_AFTER_END',
]);

/** What may wait in stdout's buffer for a slow reader before log lines are dropped. */
export const DEFAULT_MAX_PENDING_BYTES = 1024 * 1024;

export function describeDropped(count: number): string {
  return `locald: ${count} log line${count === 1 ? '' : 's'} dropped while the terminal was not reading`;
}

/** True when a write failed because the output's reader went away, rather than, say, a full disk. */
export function isOutputGoneError(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && OUTPUT_GONE_CODES.has(code);
}

/** The stack or text of anything thrown; never throws itself (`String(Object.create(null))` would). */
export function describeThrown(e: unknown): string {
  try {
    return e instanceof Error ? (e.stack ?? e.message) : String(e);
  } catch {
    return 'a value that cannot be printed';
  }
}

export interface GuardedOutput {
  /** Writes a line to stdout; never throws, and does nothing once the output is gone. */
  out(line: string): void;
  /** Writes a line to stderr; never throws, and does nothing once the output is gone. */
  err(line: string): void;
  /**
   * Writes a line to stdout unless more than `maxPendingBytes` already wait for the reader
   * (`locald up | less`, paused): then the line is dropped and counted, and once the reader
   * catches up one line says how many were dropped. For service logs, which can be endless.
   */
  outDroppable(line: string): void;
  /** Rings the terminal bell: BEL on stdout, without a newline, so it adds no blank line. */
  bell(): void;
  /** Resolves (once) when stdout or stderr lost its reader. From then on both are silent. */
  readonly gone: Promise<void>;
  isGone(): boolean;
}

/**
 * Takes over error handling of two output streams. A stream that fails for another reason
 * (e.g. a full disk under a redirect) is only muted: losing the log is no reason to stop.
 */
export function guardOutput(stdout: Writable = process.stdout, stderr: Writable = process.stderr, options: { maxPendingBytes?: number } = {}): GuardedOutput {
  const maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
  let isGone = false;
  let markGone!: () => void;
  const gone = new Promise<void>((resolve) => (markGone = resolve));
  const muted = new Set<Writable>();

  const fail = (stream: Writable, e: unknown): void => {
    muted.add(stream);
    if (isGone || !isOutputGoneError(e)) return;
    isGone = true;
    markGone();
  };
  const writer = (stream: Writable) => {
    stream.on('error', (e) => fail(stream, e));
    return (text: string): void => {
      if (isGone || muted.has(stream)) return;
      try {
        // Pipes and sockets report through the callback and 'error'; synchronous ones (a file) may throw.
        stream.write(text, (e) => {
          if (e !== null && e !== undefined) fail(stream, e);
        });
      } catch (e) {
        fail(stream, e);
      }
    };
  };
  const writeOut = writer(stdout);
  const writeErr = writer(stderr);
  const out = (line: string): void => writeOut(`${line}\n`);
  let dropped = 0;
  // 'drain' follows every write that found the buffer above its high-water mark, and the
  // bound is above that mark, so every run of drops ends with this line.
  stdout.on('drain', () => {
    if (dropped === 0) return;
    const count = dropped;
    dropped = 0;
    out(describeDropped(count));
  });
  const outDroppable = (line: string): void => {
    if (stdout.writableLength > maxPendingBytes) dropped++;
    else out(line);
  };
  return { out, err: (line) => writeErr(`${line}\n`), outDroppable, bell: () => writeOut('\x07'), gone, isGone: () => isGone };
}

/**
 * Call right before process.exit once the output is gone. On exit Node restores the terminal
 * settings of stdio descriptors that were terminals at startup, and Node 20 aborts (SIGABRT,
 * "Assertion failed" in node::ResetStdio) when that terminal hung up (nodejs/node#51519, fixed
 * by #58200). Node skips descriptors that are closed, so close them: nothing reads them anyway.
 */
export function releaseStdio(): void {
  if (process.platform === 'win32') return;
  for (const fd of [0, 1, 2]) {
    try {
      closeSync(fd);
    } catch {
      // Already closed.
    }
  }
}
