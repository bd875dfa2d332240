// `Upgrade: h2c` on HTTP/1.1 (RFC 7540 §3.2, removed in RFC 9113): locald does not switch,
// and must not forward the offer either. Node's HTTP server hands any Upgrade request to the
// 'upgrade' event with the parser detached, so the request is written back without the
// offer and replayed through the same server as a plain HTTP/1.1 request (body, keep-alive
// and pipelining intact).
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { headerValues } from '../headers/headers.js';

const OFFER_HEADERS = new Set(['upgrade', 'http2-settings']);
const OFFER_TOKENS = new Set(['upgrade', 'http2-settings']);

/** True when every protocol the Upgrade header offers is h2c. */
export function isH2cUpgrade(rawHeaders: readonly string[]): boolean {
  const offered = headerValues(rawHeaders, 'upgrade')
    .flatMap((v) => v.split(','))
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
  return offered.length > 0 && offered.every((t) => t === 'h2c');
}

/** The request head as bytes, minus Upgrade, HTTP2-Settings and their Connection tokens. */
export function headWithoutH2cOffer(method: string, url: string, httpVersion: string, rawHeaders: readonly string[]): Buffer {
  let head = `${method} ${url} HTTP/${httpVersion}\r\n`;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const lower = name.toLowerCase();
    let value = rawHeaders[i + 1] as string;
    if (OFFER_HEADERS.has(lower)) continue;
    if (lower === 'connection') {
      value = value
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '' && !OFFER_TOKENS.has(t.toLowerCase()))
        .join(', ');
      if (value === '') continue;
    }
    head += `${name}: ${value}\r\n`;
  }
  return Buffer.from(`${head}\r\n`, 'latin1');
}

/** Feeds the request back into `server` as if the client had never offered h2c. */
export function replayWithoutH2cOffer(server: http.Server, req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
  const bytes = headWithoutH2cOffer(req.method ?? 'GET', req.url ?? '/', req.httpVersion, req.rawHeaders);
  socket.unshift(head.length > 0 ? Buffer.concat([bytes, head]) : bytes);
  server.emit('connection', socket);
  socket.resume();
}
