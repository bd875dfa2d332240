// Incremental WebSocket (RFC 6455) frame parser for one direction of a tapped connection.
// It sees the raw socket bytes in whatever pieces TCP delivers, unmasks client frames,
// reassembles fragmented messages (control frames may arrive between fragments), and keeps
// at most `maxPayload` bytes of each message. A protocol violation stops parsing for good:
// the proxy still relays the bytes, capture just stops interpreting them.
import type { MessageInflater } from './websocket-deflate.js';

export interface ParsedWsMessage {
  /** 1 text, 2 binary, 8 close, 9 ping, 10 pong. */
  opcode: number;
  /** Payload length of the whole message (decompressed when it was inflated). */
  size: number;
  /** The first `maxPayload` bytes, unmasked (and inflated when possible). */
  payload: Buffer;
  truncated: boolean;
  /** Still permessage-deflate compressed: it could not be inflated (`note` says why). */
  compressed: boolean;
  note: string | null;
}

export interface WsParserOptions {
  maxPayload: number;
  /** Null when permessage-deflate was not negotiated. */
  inflater: MessageInflater | null;
  /** Largest compressed message kept whole for inflating. */
  maxCompressed: number;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export class WsFrameParser {
  /** Why parsing stopped, or null while it is healthy. */
  error: string | null = null;

  // Frame header being read.
  private readonly head = Buffer.alloc(14);
  private headLength = 0;
  private headNeeded = 2;
  private inPayload = false;

  // Current frame.
  private fin = false;
  private opcode = 0;
  private masked = false;
  private readonly mask = Buffer.alloc(4);
  private remaining = 0;
  private frameOffset = 0;

  // Current data message (possibly fragmented).
  private messageOpcode = 0;
  private messageCompressed = false;
  private messageSize = 0;
  private parts: Buffer[] = [];
  private kept = 0;
  private messageTruncated = false;
  private compressedComplete = true;

  // Current control frame.
  private control: Buffer[] = [];

  constructor(
    private readonly onMessage: (message: ParsedWsMessage) => void,
    private readonly options: WsParserOptions,
  ) {}

  push(chunk: Uint8Array): void {
    if (this.error !== null) return;
    let pos = 0;
    const n = chunk.byteLength;
    while (pos < n && this.error === null) {
      if (!this.inPayload) {
        const take = Math.min(this.headNeeded - this.headLength, n - pos);
        this.head.set(chunk.subarray(pos, pos + take), this.headLength);
        this.headLength += take;
        pos += take;
        if (this.headLength === this.headNeeded) this.onHeadBytes();
        continue;
      }
      const take = Math.min(this.remaining, n - pos);
      this.onPayload(chunk, pos, take);
      pos += take;
      this.remaining -= take;
      this.frameOffset += take;
      if (this.remaining === 0) this.endFrame();
    }
  }

  private fail(reason: string): void {
    this.error = reason;
    this.parts = [];
    this.control = [];
  }

  /** Called each time the header has as many bytes as we know it needs. */
  private onHeadBytes(): void {
    const h = this.head;
    const b1 = h[1] as number;
    const len7 = b1 & 0x7f;
    const masked = (b1 & 0x80) !== 0;
    const needed = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
    if (this.headLength < needed) {
      this.headNeeded = needed;
      return;
    }
    const b0 = h[0] as number;
    let length: number;
    let at = 2;
    if (len7 === 126) {
      length = h.readUInt16BE(2);
      at = 4;
    } else if (len7 === 127) {
      const high = h.readUInt32BE(2);
      const low = h.readUInt32BE(6);
      if (high > 0x1fffff) return this.fail('frame length exceeds 2^53');
      length = high * 0x100000000 + low;
      at = 10;
    } else {
      length = len7;
    }
    if (masked) h.copy(this.mask, 0, at, at + 4);
    this.fin = (b0 & 0x80) !== 0;
    const rsv1 = (b0 & 0x40) !== 0;
    const opcode = b0 & 0x0f;
    this.opcode = opcode;
    this.masked = masked;
    this.remaining = length;
    this.frameOffset = 0;
    this.headLength = 0;
    this.headNeeded = 2;

    if ((b0 & 0x30) !== 0) return this.fail('RSV2/RSV3 set without an extension that defines them');
    if (opcode >= 8) {
      if (opcode > 10) return this.fail(`reserved control opcode ${opcode}`);
      if (!this.fin) return this.fail('fragmented control frame');
      if (length > 125) return this.fail('control frame longer than 125 bytes');
      if (rsv1) return this.fail('RSV1 set on a control frame');
      this.control = [];
    } else if (opcode === 0) {
      if (this.messageOpcode === 0) return this.fail('continuation frame without a message to continue');
      if (rsv1) return this.fail('RSV1 set on a continuation frame');
    } else {
      if (opcode > 2) return this.fail(`reserved data opcode ${opcode}`);
      if (this.messageOpcode !== 0) return this.fail('new message started before the previous one finished');
      if (rsv1 && this.options.inflater === null) return this.fail('RSV1 set but permessage-deflate was not negotiated');
      this.messageOpcode = opcode;
      this.messageCompressed = rsv1;
      this.messageSize = 0;
      this.parts = [];
      this.kept = 0;
      this.messageTruncated = false;
      this.compressedComplete = true;
    }
    if (this.messageOpcode !== 0 && opcode < 8) {
      if (this.messageSize + length > MAX_SAFE) return this.fail('message length exceeds 2^53');
      this.messageSize += length;
    }
    this.inPayload = true;
    if (length === 0) this.endFrame();
  }

  private onPayload(chunk: Uint8Array, pos: number, take: number): void {
    if (take === 0) return;
    if (this.opcode >= 8) {
      this.control.push(this.copy(chunk, pos, take));
      return;
    }
    const limit = this.messageCompressed ? this.options.maxCompressed : this.options.maxPayload;
    const room = limit - this.kept;
    if (room <= 0) {
      this.messageTruncated = true;
      if (this.messageCompressed) this.compressedComplete = false;
      return;
    }
    const keep = take <= room ? take : room;
    if (keep < take) {
      this.messageTruncated = true;
      if (this.messageCompressed) this.compressedComplete = false;
    }
    this.parts.push(this.copy(chunk, pos, keep));
    this.kept += keep;
  }

  /** Copies `length` payload bytes at `pos`, unmasking them. */
  private copy(chunk: Uint8Array, pos: number, length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    out.set(chunk.subarray(pos, pos + length));
    if (this.masked) {
      const m = this.mask;
      let k = this.frameOffset & 3;
      for (let i = 0; i < length; i++) {
        out[i] = (out[i] as number) ^ (m[k] as number);
        k = (k + 1) & 3;
      }
    }
    return out;
  }

  private endFrame(): void {
    this.inPayload = false;
    if (this.opcode >= 8) {
      const payload = Buffer.concat(this.control);
      this.control = [];
      this.onMessage({ opcode: this.opcode, size: payload.length, payload, truncated: false, compressed: false, note: null });
      return;
    }
    if (!this.fin) return;
    const opcode = this.messageOpcode;
    const raw = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.kept);
    this.parts = [];
    this.messageOpcode = 0;
    if (!this.messageCompressed) {
      this.onMessage({ opcode, size: this.messageSize, payload: raw, truncated: this.messageTruncated, compressed: false, note: null });
      return;
    }
    const inflater = this.options.inflater;
    const result = inflater === null ? ({ ok: false, reason: 'permessage-deflate not negotiated' } as const) : inflater.inflate(raw, this.compressedComplete);
    if (result.ok) {
      const max = this.options.maxPayload;
      const over = result.data.length > max;
      const payload = over ? Buffer.from(result.data.subarray(0, max)) : result.data;
      this.onMessage({ opcode, size: result.data.length, payload, truncated: over, compressed: false, note: null });
      return;
    }
    const max = this.options.maxPayload;
    const payload = raw.length > max ? Buffer.from(raw.subarray(0, max)) : raw;
    this.onMessage({
      opcode,
      size: this.messageSize,
      payload,
      truncated: this.messageTruncated || raw.length > max,
      compressed: true,
      note: result.reason,
    });
  }
}
