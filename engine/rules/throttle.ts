// A bandwidth limit for one stream. It holds at most the chunk it is sending: the next chunk
// is only asked for once this one has gone out, so backpressure reaches the source and a
// throttled stream costs no more memory than an unthrottled one.
import { Transform, type TransformCallback } from 'node:stream';

/** Pieces small enough that the rate is smooth over ~50 ms windows, big enough not to spin. */
function sliceSize(bytesPerSecond: number): number {
  return bytesPerSecond > 0 ? Math.max(1, Math.min(64 * 1024, Math.floor(bytesPerSecond / 20))) : 1;
}

export class ThrottleTransform extends Transform {
  private readonly slice: number;
  /**
   * When the first byte went through (monotonic ms); the budget is counted from there. Not the
   * wall clock: a clock step would release a burst (forward) or stall the stream (backward).
   */
  private startedAt: number | null = null;
  private sent = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly bytesPerSecond: number) {
    // Explicit buffers: with the defaults (16 KiB, 64 KiB from Node 22, so in Electron) the
    // writable side takes that much from the source before backpressure, read ahead of the
    // rate. No writable buffer, and one slice ready on the readable side.
    super({ writableHighWaterMark: 0, readableHighWaterMark: sliceSize(bytesPerSecond) });
    if (!(bytesPerSecond > 0)) throw new RangeError(`throttle must be a positive number of bytes per second, got ${bytesPerSecond}`);
    this.slice = sliceSize(bytesPerSecond);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.startedAt ??= performance.now();
    this.sendFrom(chunk, 0, done);
  }

  private sendFrom(chunk: Buffer, offset: number, done: TransformCallback): void {
    if (this.destroyed) return;
    if (offset >= chunk.length) {
      done();
      return;
    }
    const piece = chunk.subarray(offset, offset + this.slice);
    // The piece may go out when the bytes before it have had their time.
    const due = (this.startedAt ?? performance.now()) + (this.sent * 1000) / this.bytesPerSecond;
    const wait = due - performance.now();
    const send = (): void => {
      this.timer = null;
      this.sent += piece.length;
      this.push(piece);
      this.sendFrom(chunk, offset + piece.length, done);
    };
    if (wait <= 0) send();
    else this.timer = setTimeout(send, wait);
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    callback(error);
  }
}
