// "Close after N bytes": lets the first N bytes of a response through, then ends and tells the
// data path to cut the connection (the client sees a truncated body and a closed socket).
import { Transform, type TransformCallback } from 'node:stream';

export class CloseAfterTransform extends Transform {
  private remaining: number;
  private reached = false;

  /** `onReached` runs once, after the last allowed byte has been pushed. */
  constructor(
    bytes: number,
    private readonly onReached: () => void,
  ) {
    super();
    this.remaining = Math.max(0, bytes);
    if (this.remaining === 0) queueMicrotask(() => this.reach());
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.reached) {
      done(); // later bytes are dropped
      return;
    }
    const piece = chunk.length <= this.remaining ? chunk : chunk.subarray(0, this.remaining);
    this.remaining -= piece.length;
    if (piece.length > 0) this.push(piece);
    if (this.remaining === 0) this.reach();
    done();
  }

  private reach(): void {
    if (this.reached) return;
    this.reached = true;
    this.push(null);
    this.onReached();
  }
}
