// One captured body: copies of the first `cap` bytes as a chunk list (joined once, on read),
// plus the count of every byte that crossed the proxy.

// Small bodies with a declared length are written into a shared slab rather than a buffer of
// their own: a Buffer is a ~100-byte object per body, and with it comes one more object per kept
// exchange for the collector to copy and mark. A slab is freed once every body in it is gone;
// exchanges leave the ring in arrival order, so that is soon after its last one is evicted.
const SLAB_BYTES = 64 * 1024;
const SMALL_BODY_BYTES = 2 * 1024;
let slab: Buffer | null = null;
let slabUsed = 0;

/** Reserves `length` bytes in the current slab; returns the offset (the slab is `slab`). */
function reserve(length: number): number {
  if (slab === null || slabUsed + length > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabUsed = 0;
  }
  const at = slabUsed;
  slabUsed += length;
  return at;
}
export class CappedBody {
  /** Bytes that crossed the proxy. */
  size = 0;
  /** Bytes kept. */
  captured = 0;
  truncated = false;
  dropped = false;
  // Allocated on the first kept byte: most exchanges have no request body.
  private chunks: Buffer[] | null = null;
  // With a declared length, one buffer of that size is filled in place: one allocation and one
  // retained object per body instead of one per chunk (none for a small body: see the slab).
  private expected = 0;
  private single: Buffer | null = null;
  /** Where the body starts in `single`. */
  private offset = 0;

  constructor(private readonly cap: number) {}

  /** The body's declared length (Content-Length), before any byte arrives. */
  expect(length: number): void {
    if (this.captured === 0 && Number.isSafeInteger(length) && length > 0) this.expected = Math.min(length, this.cap);
  }

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
    if (this.chunks === null && this.captured + keep <= this.expected) {
      if (this.single === null) {
        if (this.expected <= SMALL_BODY_BYTES) {
          this.offset = reserve(this.expected);
          this.single = slab as Buffer;
        } else {
          this.single = Buffer.allocUnsafe(this.expected);
        }
      }
      this.single.set(keep === length ? chunk : chunk.subarray(0, keep), this.offset + this.captured);
      this.captured += keep;
      return keep;
    }
    if (this.single !== null) {
      // More than declared: carry on as a chunk list.
      this.chunks = [this.single.subarray(this.offset, this.offset + this.captured)];
      this.single = null;
    }
    const copy = copyOf(chunk, keep);
    if (this.chunks === null) this.chunks = [copy];
    else this.chunks.push(copy);
    this.captured += keep;
    return keep;
  }

  /** Frees the kept bytes (total cap); returns how many were freed. */
  drop(): number {
    const freed = this.captured;
    this.chunks = null;
    this.single = null;
    this.captured = 0;
    this.dropped = true;
    if (this.size > 0) this.truncated = true;
    return freed;
  }

  /** The kept bytes as one buffer. */
  bytes(): Buffer {
    if (this.single !== null) return this.single.subarray(this.offset, this.offset + this.captured);
    if (this.chunks === null || this.chunks.length === 0) return Buffer.alloc(0);
    if (this.chunks.length === 1) return this.chunks[0] as Buffer;
    const joined = Buffer.concat(this.chunks, this.captured);
    this.chunks = [joined];
    return joined;
  }

  /**
   * Joins the chunks of a finished body into one buffer: one object to keep instead of many
   * (retained objects are what capture costs the garbage collector). Large bodies are left alone.
   */
  compact(maxBytes = 256 * 1024): void {
    if (this.chunks !== null && this.chunks.length > 1 && this.captured <= maxBytes) this.bytes();
  }

  /**
   * Replaces the content wholesale (HAR import). HAR content is decoded, so `size` (bytes on
   * the wire) may differ from the bytes kept either way; truncation is only what the file says.
   */
  load(bytes: Buffer, size: number, truncated: boolean): void {
    this.single = null;
    this.chunks = bytes.length > 0 ? [bytes] : null;
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
