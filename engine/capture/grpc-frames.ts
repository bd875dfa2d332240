// Incremental parser for gRPC's length-prefixed messages (one flag byte, a uint32 BE length,
// the message) in request and response bodies, and for gRPC-Web, whose trailers travel as a
// final message with flag bit 0x80. gRPC-Web-text bodies are base64 first (each message may be
// padded separately), so a streaming base64 decoder sits in front.

export interface ParsedGrpcFrame {
  compressed: boolean;
  /** gRPC-Web trailers frame (flag 0x80): the payload is HTTP/1 header text. */
  trailers: boolean;
  size: number;
  /** The first `maxPayload` bytes of the message. */
  payload: Buffer;
  truncated: boolean;
}

export class GrpcFrameParser {
  private readonly head = Buffer.alloc(5);
  private headLength = 0;
  private flags = 0;
  private size = 0;
  private remaining = -1;
  private parts: Buffer[] = [];
  private kept = 0;

  constructor(
    private readonly onFrame: (frame: ParsedGrpcFrame) => void,
    private readonly maxPayload: number,
  ) {}

  /** True while a message has started but not finished (the body ended early if so at the end). */
  get midFrame(): boolean {
    return this.headLength > 0 || this.remaining >= 0;
  }

  push(chunk: Uint8Array): void {
    let pos = 0;
    const n = chunk.byteLength;
    while (pos < n) {
      if (this.remaining < 0) {
        const take = Math.min(5 - this.headLength, n - pos);
        this.head.set(chunk.subarray(pos, pos + take), this.headLength);
        this.headLength += take;
        pos += take;
        if (this.headLength < 5) return;
        this.headLength = 0;
        this.flags = this.head[0] as number;
        this.size = this.head.readUInt32BE(1);
        this.remaining = this.size;
        this.parts = [];
        this.kept = 0;
        if (this.remaining === 0) this.finish();
        continue;
      }
      const take = Math.min(this.remaining, n - pos);
      const room = this.maxPayload - this.kept;
      const keep = Math.min(take, Math.max(0, room));
      if (keep > 0) {
        const copy = Buffer.allocUnsafe(keep);
        copy.set(chunk.subarray(pos, pos + keep));
        this.parts.push(copy);
        this.kept += keep;
      }
      pos += take;
      this.remaining -= take;
      if (this.remaining === 0) this.finish();
    }
  }

  private finish(): void {
    const payload = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.kept);
    this.parts = [];
    this.remaining = -1;
    this.onFrame({
      compressed: (this.flags & 0x01) !== 0,
      trailers: (this.flags & 0x80) !== 0,
      size: this.size,
      payload,
      truncated: this.kept < this.size,
    });
  }
}

/** Parses the `name: value\r\n` block of a gRPC-Web trailers frame. */
export function parseGrpcWebTrailers(payload: Buffer): [string, string][] {
  const out: [string, string][] = [];
  for (const line of payload.toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return out;
}

const NOT_BASE64 = /[^A-Za-z0-9+/=_-]/;

/**
 * Streaming base64 decoder for gRPC-Web-text: decodes whole 4-character quanta as they
 * arrive, and treats padding as the end of one separately encoded segment.
 * Returns null (and stays failed) on bytes that are not base64.
 */
export class Base64StreamDecoder {
  private pending = '';
  failed = false;

  push(chunk: Uint8Array): Buffer | null {
    if (this.failed) return null;
    let text = this.pending + Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    if (/\s/.test(text)) text = text.replace(/\s+/g, '');
    if (NOT_BASE64.test(text)) {
      this.failed = true;
      return null;
    }
    const usable = text.length - (text.length % 4);
    this.pending = text.slice(usable);
    if (usable === 0) return Buffer.alloc(0);
    const body = text.slice(0, usable);
    // Node's decoder stops at the first '=', so decode each padded segment on its own.
    if (!body.includes('=')) return Buffer.from(body, 'base64');
    const pieces: Buffer[] = [];
    let start = 0;
    for (let q = 0; q < usable; q += 4) {
      if (body.charCodeAt(q + 3) === 61 /* '=' */) {
        pieces.push(Buffer.from(body.slice(start, q + 4), 'base64'));
        start = q + 4;
      }
    }
    if (start < usable) pieces.push(Buffer.from(body.slice(start), 'base64'));
    return Buffer.concat(pieces);
  }
}
