// A WebSocket client over an HTTP/2 extended CONNECT stream (RFC 8441), on Node's http2
// client: just enough RFC 6455 framing (masked client frames, fragments, permessage-deflate
// without context takeover) to drive the proxy's bridge the way a browser does.
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import zlib from 'node:zlib';

export const OP_TEXT = 1;
export const OP_BINARY = 2;
export const OP_CLOSE = 8;
export const OP_PING = 9;
export const OP_PONG = 10;

export interface WsFrame {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  payload: Buffer;
}

/** One masked client frame. */
export function encodeClientFrame(opcode: number, payload: Buffer, opts: { fin?: boolean; rsv1?: boolean } = {}): Buffer {
  const fin = opts.fin ?? true;
  const len = payload.length;
  const lenBytes = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + lenBytes + 4);
  head[0] = (fin ? 0x80 : 0) | (opts.rsv1 === true ? 0x40 : 0) | opcode;
  head[1] = 0x80 | (lenBytes === 0 ? len : lenBytes === 2 ? 126 : 127);
  if (lenBytes === 2) head.writeUInt16BE(len, 2);
  else if (lenBytes === 8) head.writeBigUInt64BE(BigInt(len), 2);
  const mask = randomBytes(4);
  mask.copy(head, 2 + lenBytes);
  const masked = Buffer.alloc(len);
  for (let i = 0; i < len; i++) masked[i] = (payload[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([head, masked]);
}

/** Server frames (never masked) from a byte stream. */
export class FrameDecoder {
  private buf = Buffer.alloc(0);

  push(chunk: Buffer): WsFrame[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: WsFrame[] = [];
    for (;;) {
      if (this.buf.length < 2) return out;
      const b0 = this.buf[0] as number;
      const b1 = this.buf[1] as number;
      if ((b1 & 0x80) !== 0) throw new Error('a server frame was masked');
      let len = b1 & 0x7f;
      let at = 2;
      if (len === 126) {
        if (this.buf.length < 4) return out;
        len = this.buf.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return out;
        len = Number(this.buf.readBigUInt64BE(2));
        at = 10;
      }
      if (this.buf.length < at + len) return out;
      out.push({ fin: (b0 & 0x80) !== 0, rsv1: (b0 & 0x40) !== 0, opcode: b0 & 0x0f, payload: Buffer.from(this.buf.subarray(at, at + len)) });
      this.buf = this.buf.subarray(at + len);
    }
  }
}

export interface WsMessage {
  opcode: number;
  data: Buffer;
  /** The message arrived compressed (RSV1). */
  compressed: boolean;
}

const DEFLATE_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

export function inflateMessage(data: Buffer): Buffer {
  return zlib.inflateRawSync(Buffer.concat([data, DEFLATE_TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

export function deflateMessage(data: Buffer): Buffer {
  const out = zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

export interface H2WebSocket {
  stream: ClientHttp2Stream;
  status: number;
  headers: IncomingHttpHeaders;
  sendText(text: string, opts?: { compress?: boolean }): void;
  sendBinary(data: Buffer): void;
  sendFrame(frame: Buffer): void;
  /** Resolves with the next data or close message (control frames other than close are listed in `controls`). */
  next(deadlineMs?: number): Promise<WsMessage>;
  controls: WsFrame[];
  close(code: number, reason?: string): void;
  /** Resolves when the stream closes: the RST_STREAM code (0 for a clean end) and whether the server ended its side. */
  closed: Promise<{ rstCode: number; serverEnded: boolean }>;
}

export interface Refused {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  rstCode: number;
}

/** Sends the extended CONNECT; resolves with an open WebSocket on :status 200, or the refusal. */
export function openH2WebSocket(
  session: ClientHttp2Session,
  authority: string,
  path: string,
  extra: OutgoingHttpHeaders = {},
  scheme = 'https',
  opts: { endOnServerEnd?: boolean } = {},
): Promise<{ ws: H2WebSocket } | { refused: Refused }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':scheme': scheme,
      ':path': path,
      ':authority': authority,
      'sec-websocket-version': '13',
      origin: `${scheme}://${authority}`,
      ...extra,
    });
    const decoder = new FrameDecoder();
    const queue: WsMessage[] = [];
    const waiters: ((m: WsMessage) => void)[] = [];
    const controls: WsFrame[] = [];
    let fragments: WsFrame[] = [];
    let serverEnded = false;
    const deliver = (m: WsMessage): void => {
      const w = waiters.shift();
      if (w !== undefined) w(m);
      else queue.push(m);
    };
    const chunks: Buffer[] = [];
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    const closed = new Promise<{ rstCode: number; serverEnded: boolean }>((res) => stream.on('close', () => res({ rstCode: stream.rstCode ?? 0, serverEnded })));
    stream.on('error', (err: Error) => {
      if (status === 0) reject(err);
    });
    // Like a TCP client without half-open: the server's END_STREAM ends our side too
    // (unless the test wants to see an RST_STREAM that may follow it).
    stream.on('end', () => {
      serverEnded = true;
      if (opts.endOnServerEnd !== false && !stream.writableEnded) stream.end();
    });
    stream.on('response', (h) => {
      status = Number(h[':status']);
      headers = h;
      if (status !== 200) {
        stream.on('data', (c: Buffer) => chunks.push(c));
        void closed.then(({ rstCode }) => resolve({ refused: { status, headers, body: Buffer.concat(chunks).toString(), rstCode } }));
        return;
      }
      stream.on('data', (chunk: Buffer) => {
        for (const frame of decoder.push(chunk)) {
          if (frame.opcode >= 8) {
            if (frame.opcode === OP_CLOSE) deliver({ opcode: OP_CLOSE, data: frame.payload, compressed: false });
            else controls.push(frame);
            continue;
          }
          fragments.push(frame);
          if (!frame.fin) continue;
          const first = fragments[0] as WsFrame;
          const data = Buffer.concat(fragments.map((f) => f.payload));
          fragments = [];
          deliver({ opcode: first.opcode, data: first.rsv1 ? inflateMessage(data) : data, compressed: first.rsv1 });
        }
      });
      const ws: H2WebSocket = {
        stream,
        status,
        headers,
        controls,
        closed,
        sendFrame: (frame) => stream.write(frame),
        sendText: (text, opts = {}) => {
          const payload = Buffer.from(text, 'utf8');
          if (opts.compress === true) stream.write(encodeClientFrame(OP_TEXT, deflateMessage(payload), { rsv1: true }));
          else stream.write(encodeClientFrame(OP_TEXT, payload));
        },
        sendBinary: (data) => stream.write(encodeClientFrame(OP_BINARY, data)),
        next: (deadlineMs = 10_000) =>
          new Promise<WsMessage>((res, rej) => {
            const m = queue.shift();
            if (m !== undefined) {
              res(m);
              return;
            }
            const timer = setTimeout(() => rej(new Error('timed out waiting for a WebSocket message')), deadlineMs);
            waiters.push((msg) => {
              clearTimeout(timer);
              res(msg);
            });
          }),
        close: (code, reason = '') => {
          const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
          payload.writeUInt16BE(code, 0);
          payload.write(reason, 2);
          stream.write(encodeClientFrame(OP_CLOSE, payload));
        },
      };
      resolve({ ws });
    });
  });
}

/** `{ code, reason }` of a close frame's payload. */
export function closeInfo(data: Buffer): { code: number; reason: string } {
  return data.length >= 2 ? { code: data.readUInt16BE(0), reason: data.subarray(2).toString('utf8') } : { code: 1005, reason: '' };
}

export const { NGHTTP2_CANCEL, NGHTTP2_CONNECT_ERROR } = http2.constants;
