// One captured body: copies of the first `cap` bytes as a chunk list (joined once, on read),
// plus the count of every byte that crossed the proxy.
export class CappedBody {
  /** Bytes that crossed the proxy. */
  size = 0;
  /** Bytes kept. */
  captured = 0;
  truncated = false;
  dropped = false;
  private chunks: Buffer[] = [];

  constructor(private readonly cap: number) {}

  /** Records a chunk; returns how many bytes were newly kept (for the store's total). */
  append(chunk: Uint8Array): number {
    const length = chunk.byteLength;
    this.size += length;
    if (this.dropped) return 0;
    const room = this.cap - this.captured;
    if (room <= 0) {
      if (length > 0) this.truncated = true;
      return 0;
    }
    const keep = length <= room ? length : room;
    if (keep < length) this.truncated = true;
    if (keep === 0) return 0;
    // A copy: the caller's buffer may be a slice of a larger one, or be reused.
    this.chunks.push(copyOf(chunk, keep));
    this.captured += keep;
    return keep;
  }

  /** Frees the kept bytes (total cap); returns how many were freed. */
  drop(): number {
    const freed = this.captured;
    this.chunks = [];
    this.captured = 0;
    this.dropped = true;
    if (this.size > 0) this.truncated = true;
    return freed;
  }

  /** The kept bytes as one buffer. */
  bytes(): Buffer {
    if (this.chunks.length === 1) return this.chunks[0] as Buffer;
    if (this.chunks.length === 0) return Buffer.alloc(0);
    const joined = Buffer.concat(this.chunks, this.captured);
    this.chunks = [joined];
    return joined;
  }

  /**
   * Replaces the content wholesale (HAR import). HAR content is decoded, so `size` (bytes on
   * the wire) may differ from the bytes kept either way; truncation is only what the file says.
   */
  load(bytes: Buffer, size: number, truncated: boolean): void {
    this.chunks = bytes.length > 0 ? [bytes] : [];
    this.captured = bytes.length;
    this.size = size;
    this.truncated = truncated;
  }
}

function copyOf(chunk: Uint8Array, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  out.set(length === chunk.byteLength ? chunk : chunk.subarray(0, length));
  return out;
}
