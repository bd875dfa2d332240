// permessage-deflate (RFC 7692) for captured WebSocket messages, done synchronously with
// public zlib APIs. Context takeover means each message may refer back into the previous
// messages' output; raw inflate accepts that history as a preset dictionary, so we keep the
// last 32 KiB of each direction's decompressed output and pass it to inflateRawSync.
import zlib from 'node:zlib';
import type { HeaderList } from '../../shared/traffic.js';
import { headerValues } from './headers.js';

export interface DeflateParams {
  /** Server-to-client messages start with a fresh window. */
  serverNoContextTakeover: boolean;
  /** Client-to-server messages start with a fresh window. */
  clientNoContextTakeover: boolean;
}

/** The permessage-deflate parameters the server accepted, or null when it was not negotiated. */
export function parseDeflateExtension(responseHeaders: HeaderList): DeflateParams | null {
  for (const value of headerValues(responseHeaders, 'sec-websocket-extensions')) {
    for (const offer of value.split(',')) {
      const parts = offer.split(';').map((p) => p.trim().toLowerCase());
      if (parts[0] !== 'permessage-deflate') continue;
      const names = new Set(parts.slice(1).map((p) => (p.split('=')[0] ?? '').trim()));
      return {
        serverNoContextTakeover: names.has('server_no_context_takeover'),
        clientNoContextTakeover: names.has('client_no_context_takeover'),
      };
    }
  }
  return null;
}

const WINDOW = 32 * 1024;
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

export type InflateResult = { ok: true; data: Buffer } | { ok: false; reason: string };

/** One direction's decompressor. Once it loses track of the shared window it says so, for good. */
export class MessageInflater {
  private window: Buffer = Buffer.alloc(0);
  private lost: string | null = null;

  constructor(
    private readonly contextTakeover: boolean,
    /** Largest decompressed message it will produce (protects the data path from bombs). */
    private readonly maxOutput: number,
  ) {}

  /**
   * Inflates one whole compressed message. `complete` is false when the caller could not keep
   * every compressed byte: with context takeover that loses the window for every later message.
   */
  inflate(compressed: Buffer, complete: boolean): InflateResult {
    if (this.lost !== null) return { ok: false, reason: this.lost };
    if (!complete) {
      if (this.contextTakeover) this.lost = 'an earlier message was too large to follow the compression context';
      return { ok: false, reason: 'message too large to decompress' };
    }
    try {
      const options: zlib.ZlibOptions = { maxOutputLength: this.maxOutput, finishFlush: zlib.constants.Z_SYNC_FLUSH };
      if (this.contextTakeover && this.window.length > 0) options.dictionary = this.window;
      const data = zlib.inflateRawSync(Buffer.concat([compressed, TAIL]), options);
      if (this.contextTakeover) this.remember(data);
      return { ok: true, data };
    } catch (err) {
      const reason = `cannot decompress: ${(err as Error).message}`;
      if (this.contextTakeover) this.lost = reason;
      return { ok: false, reason };
    }
  }

  private remember(data: Buffer): void {
    if (data.length >= WINDOW) {
      this.window = Buffer.from(data.subarray(data.length - WINDOW));
    } else if (data.length > 0) {
      const keep = Math.min(this.window.length, WINDOW - data.length);
      this.window = Buffer.concat([this.window.subarray(this.window.length - keep), data]);
    }
  }
}
