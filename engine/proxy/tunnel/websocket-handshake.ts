// The WebSocket handshake pieces of the HTTP/2 client side (RFC 8441), all pure: an extended
// CONNECT stream's head rewritten as the service's HTTP/1.1 Upgrade (the proxy makes the
// Sec-WebSocket-Key), the check of the service's 101 (Sec-WebSocket-Accept), and the
// :status 200 the stream gets instead of the 101.
import { createHash, randomBytes } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http2';
import { appendToList, headerValues, stripHopByHop } from '../headers/headers.js';
import { type H2RequestHead, rawToH2Headers } from '../headers/http2-headers.js';
import { http1RequestHeaders } from '../headers/request-headers.js';

/**
 * Whether the HTTP/2 server advertises SETTINGS_ENABLE_CONNECT_PROTOCOL. Off, nghttp2
 * refuses every `:protocol` stream itself and browsers open WebSockets over HTTP/1.1.
 */
export const WEBSOCKET_OVER_H2 = true;

/** RFC 6455 §1.3. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A fresh Sec-WebSocket-Key: 16 random bytes, base64. */
export function newWebSocketKey(): string {
  return randomBytes(16).toString('base64');
}

/** The Sec-WebSocket-Accept a service must answer `key` with. */
export function websocketAccept(key: string): string {
  return createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
}

/** An RFC 8441 stream: CONNECT with a `:protocol` pseudo-header. */
export function isExtendedConnect(head: H2RequestHead): boolean {
  return head.method.toUpperCase() === 'CONNECT' && head.protocol !== undefined;
}

/** Fields only the proxy may set on the upstream handshake (a client's would be stale or forged). */
const HANDSHAKE_OWNED = new Set(['sec-websocket-key', 'sec-websocket-accept']);

/**
 * The service's HTTP/1.1 handshake for an extended CONNECT stream: the client's fields
 * (cookies joined, hop-by-hop removed) with Host from :authority, the forwarding headers,
 * and Connection/Upgrade/Sec-WebSocket-Key/-Version added.
 */
export function websocketUpgradeHeaders(head: H2RequestHead, key: string, forwarding: { clientIp: string; proto: 'http' | 'https'; viaToken: string }): string[] {
  const fields: string[] = [];
  for (let i = 0; i + 1 < head.fields.length; i += 2) {
    const name = head.fields[i] as string;
    if (!HANDSHAKE_OWNED.has(name.toLowerCase())) fields.push(name, head.fields[i + 1] as string);
  }
  // endStreamWithHeaders: the upgrade request itself has no body; the stream's DATA is the tunnel.
  const raw = http1RequestHeaders({ ...head, fields }, true, forwarding);
  raw.push('Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Key', key);
  if (headerValues(raw, 'sec-websocket-version').length === 0) raw.push('Sec-WebSocket-Version', '13');
  return raw;
}

/**
 * The :status 200 answer to the stream: the service's 101 headers that mean something
 * end to end (Sec-WebSocket-Protocol/-Extensions, cookies…), without the connection-level
 * ones and without Sec-WebSocket-Accept, which HTTP/2 does not use.
 */
export function tunnelResponseHeaders(upstreamRaw: readonly string[], viaToken: string): OutgoingHttpHeaders {
  const kept: string[] = [];
  const stripped = stripHopByHop(upstreamRaw);
  for (let i = 0; i + 1 < stripped.length; i += 2) {
    const name = stripped[i] as string;
    if (!HANDSHAKE_OWNED.has(name.toLowerCase()) && name.toLowerCase() !== 'content-length') kept.push(name, stripped[i + 1] as string);
  }
  const headers = rawToH2Headers(appendToList(kept, 'Via', `1.1 ${viaToken}`));
  headers[':status'] = 200;
  return headers;
}

/** Why a 101 does not complete the handshake, or undefined when it does. */
export function handshakeProblemReason(upstreamRaw: readonly string[], key: string): string | undefined {
  const upgrade = headerValues(upstreamRaw, 'upgrade')[0];
  if (upgrade?.trim().toLowerCase() !== 'websocket') return `switched to '${upgrade ?? '(no Upgrade header)'}' instead of websocket`;
  const accepts = headerValues(upstreamRaw, 'sec-websocket-accept');
  if (accepts.length !== 1) return accepts.length === 0 ? 'sent no Sec-WebSocket-Accept' : 'sent more than one Sec-WebSocket-Accept';
  if ((accepts[0] as string).trim() !== websocketAccept(key)) return `sent Sec-WebSocket-Accept '${accepts[0] as string}', which does not match the key locald sent`;
  return undefined;
}
