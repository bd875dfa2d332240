// Request headers for the service, one builder per (client protocol, upstream protocol):
// hop-by-hop and locald's markers removed, X-Forwarded-*, Forwarded and Via added, the
// body's framing restated for the upstream hop. Pure, except for reading the request.
import type { IncomingMessage } from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { addForwardingHeaders, headerValues, normalizeClientIp, stripHopByHop, type ForwardingInfo, type StripOptions } from './headers.js';
import { joinCookies, parseH2Request, rawToH2Headers, type H2RequestHead } from './http2-headers.js';
import { LOCALD_ONLY_HEADERS, REPLAY_HEADER } from './markers.js';

// Methods Node's client would otherwise send with an (empty) chunked body.
const BODYLESS_BY_DEFAULT = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

export function requestProto(req: IncomingMessage): 'http' | 'https' {
  return (req.socket as Partial<TLSSocket>).encrypted === true ? 'https' : 'http';
}

/** Whether the client's request carries a body (chunked, or a non-zero Content-Length). */
export function requestHasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

export function expectsContinue(req: IncomingMessage): boolean {
  return /^\s*100-continue\s*$/i.test(req.headers.expect ?? '');
}

const FORWARD_REQUEST: StripOptions = { keepTeTrailers: true, drop: LOCALD_ONLY_HEADERS };
const FORWARD_UPGRADE: StripOptions = { keepTeTrailers: false, drop: LOCALD_ONLY_HEADERS };

/** HTTP/1.1 → HTTP/1.1. For upgrades, Connection/Upgrade are put back (they are hop-by-hop). */
export function upstreamRequestHeaders(req: IncomingMessage, viaToken: string, upgrade: boolean): string[] {
  let raw = stripHopByHop(req.rawHeaders, upgrade ? FORWARD_UPGRADE : FORWARD_REQUEST);
  if (upgrade) {
    const protocol = headerValues(req.rawHeaders, 'upgrade')[0] ?? 'websocket';
    raw.push('Connection', 'Upgrade', 'Upgrade', protocol);
  }
  raw = addForwardingHeaders(raw, {
    clientIp: normalizeClientIp(req.socket.remoteAddress),
    host: req.headers.host,
    proto: requestProto(req),
    viaToken,
  });
  return raw;
}

/** Message framing for the upstream request: Node's parser decoded the client's, so restate it. */
export function withBodyFraming(raw: string[], req: IncomingMessage): string[] {
  if (req.headers['transfer-encoding'] !== undefined) {
    raw.push('Transfer-Encoding', 'chunked');
  } else if (req.headers['content-length'] === undefined && !BODYLESS_BY_DEFAULT.has(req.method ?? 'GET')) {
    raw.push('Content-Length', '0');
  }
  return raw;
}

export type BodyFraming = 'none' | 'chunked' | 'length';

/**
 * How the upstream HTTP/1.1 request frames the body. HTTP/2 frames bodies itself, so a body
 * without Content-Length must be sent chunked; an empty body on a method that usually has
 * one gets Content-Length: 0.
 */
export function bodyFraming(fields: readonly string[], endStreamWithHeaders: boolean): BodyFraming {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i] as string;
    if (name.length === 14 && name.toLowerCase() === 'content-length') return 'length';
  }
  return endStreamWithHeaders ? 'none' : 'chunked';
}

/** HTTP/2 → HTTP/1.1: Host from :authority, cookies joined, locald's markers dropped, forwarding headers added. */
export function http1RequestHeaders(head: H2RequestHead, endStreamWithHeaders: boolean, info: Omit<ForwardingInfo, 'host'>): string[] {
  let raw = stripHopByHop(joinCookies(head.fields), FORWARD_REQUEST);
  const framing = bodyFraming(raw, endStreamWithHeaders);
  if (head.authority !== undefined) raw.unshift('host', head.authority);
  if (framing === 'chunked') raw.push('transfer-encoding', 'chunked');
  else if (framing === 'none' && !BODYLESS_BY_DEFAULT.has(head.method.toUpperCase())) raw.push('content-length', '0');
  raw = addForwardingHeaders(raw, { ...info, host: head.authority });
  return raw;
}

/** HTTP/2 → h2c: same fields, pseudo-headers rebuilt for the new target. */
export function h2cRequestHeaders(head: H2RequestHead, upstreamPath: string, info: Omit<ForwardingInfo, 'host'>): OutgoingHttpHeaders {
  let raw = stripHopByHop(joinCookies(head.fields), FORWARD_REQUEST);
  raw = addForwardingHeaders(raw, { ...info, host: head.authority });
  const out = rawToH2Headers(raw);
  out[':method'] = head.method;
  out[':path'] = upstreamPath;
  out[':scheme'] = 'http';
  if (head.authority !== undefined) out[':authority'] = head.authority;
  return out;
}

/** An HTTP/1.1 request as an HTTP/2 head (names lower-cased), minus the fields `skip` names. */
export function http1AsH2Head(req: IncomingMessage, skip: ReadonlySet<string>): H2RequestHead {
  const lower: string[] = [':method', req.method ?? 'GET', ':path', req.url ?? '/'];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] as string).toLowerCase();
    if (!skip.has(name)) lower.push(name, req.rawHeaders[i + 1] as string);
  }
  return parseH2Request(lower);
}

// Expect is answered by the proxy (see upstream/h2c-exchange.ts); HTTP/2 services rarely send 100.
const NOT_TO_H2C = new Set([REPLAY_HEADER, 'expect']);

/** HTTP/1.1 → h2c: Host becomes :authority, hop-by-hop and framing headers go. */
export function http1ToH2cHeaders(req: IncomingMessage, upstreamPath: string, viaToken: string): OutgoingHttpHeaders {
  return h2cRequestHeaders(http1AsH2Head(req, NOT_TO_H2C), upstreamPath, {
    clientIp: normalizeClientIp(req.socket.remoteAddress),
    proto: requestProto(req),
    viaToken,
  });
}

// gRPC-Web's own framing headers, replaced for the gRPC service.
const NOT_TO_GRPC = new Set(['content-length', 'content-type', 'te', 'host', REPLAY_HEADER]);

/** gRPC-Web → gRPC over h2c: a POST with application/grpc and `te: trailers`. */
export function grpcWebToGrpcHeaders(head: H2RequestHead, contentType: string, upstreamPath: string, info: Omit<ForwardingInfo, 'host'>): OutgoingHttpHeaders {
  const fields: string[] = [];
  const f = head.fields;
  for (let i = 0; i + 1 < f.length; i += 2) {
    const name = (f[i] as string).toLowerCase();
    if (!NOT_TO_GRPC.has(name)) fields.push(name, f[i + 1] as string);
  }
  fields.push('content-type', contentType, 'te', 'trailers');
  return h2cRequestHeaders({ ...head, method: 'POST', fields }, upstreamPath, info);
}
