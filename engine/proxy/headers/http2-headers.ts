// Header translation between HTTP/2 and the upstream hop. Pure functions over raw header
// lists (`[name, value, …]`, as http2's 'stream' event gives them).
import type { OutgoingHttpHeaders } from 'node:http2';

import { H2_FORBIDDEN_RESPONSE_HEADERS } from './headers.js';

export interface H2RequestHead {
  method: string;
  /** `:path`, raw. */
  path: string;
  /** `:authority`, or the Host header when the client sent none. */
  authority: string | undefined;
  scheme: string | undefined;
  /** `:protocol` (extended CONNECT, RFC 8441). */
  protocol: string | undefined;
  /** Regular headers only, names lower-case as HTTP/2 requires. */
  fields: string[];
}

/** Splits pseudo-headers from regular ones; `:authority` wins over Host (RFC 9113 §8.3.1). */
export function parseH2Request(rawHeaders: readonly string[]): H2RequestHead {
  const head: H2RequestHead = { method: 'GET', path: '/', authority: undefined, scheme: undefined, protocol: undefined, fields: [] };
  let host: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    switch (name) {
      case ':method':
        head.method = value;
        break;
      case ':path':
        head.path = value;
        break;
      case ':authority':
        head.authority = value;
        break;
      case ':scheme':
        head.scheme = value;
        break;
      case ':protocol':
        head.protocol = value;
        break;
      case 'host':
        host ??= value;
        break;
      default:
        if (!name.startsWith(':')) head.fields.push(name, value);
    }
  }
  head.authority ??= host;
  return head;
}

/** HTTP/2 may split Cookie into several fields; HTTP/1.1 needs one, joined with '; ' (RFC 9113 §8.2.3). */
export function joinCookies(fields: readonly string[]): string[] {
  const out: string[] = [];
  const cookies: string[] = [];
  let at = -1;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i] as string;
    if (name.length === 6 && name.toLowerCase() === 'cookie') {
      if (at < 0) {
        at = out.length;
        out.push('cookie', '');
      }
      cookies.push(fields[i + 1] as string);
      continue;
    }
    out.push(name, fields[i + 1] as string);
  }
  if (at >= 0) out[at + 1] = cookies.join('; ');
  return out;
}

/** Response header list → an http2 headers object, dropping what HTTP/2 forbids; repeated names become arrays. */
export function rawToH2Headers(raw: readonly string[]): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  intoH2Headers(raw, out, null);
  return out;
}

/**
 * rawToH2Headers into `out`, and the kept fields into `flat` (when given) in arrival order.
 * Returns true when `flat` is not what h2HeadersToRaw(out) would give: h2HeadersToRaw groups
 * repeated names at the first one, and objects put integer-like keys first.
 */
function intoH2Headers(raw: readonly string[], out: OutgoingHttpHeaders, flat: string[] | null): boolean {
  let regrouped = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (H2_FORBIDDEN_RESPONSE_HEADERS.has(name) || name.startsWith(':')) continue;
    const value = raw[i + 1] as string;
    const prior = out[name];
    if (prior === undefined) out[name] = value;
    else {
      regrouped = true;
      if (Array.isArray(prior)) prior.push(value);
      else out[name] = [String(prior), value];
    }
    if (flat !== null) {
      if (name.charCodeAt(0) <= 57) regrouped = true;
      flat.push(name, value);
    }
  }
  return regrouped;
}

export interface H2Response {
  /** For `stream.respond`: what HTTP/2 forbids dropped, names lower-case, repeated names as arrays, `:status` set. */
  headers: OutgoingHttpHeaders;
  /** The same as a flat list, as h2HeadersToRaw gives it (for capture). */
  sent: string[];
}

/** rawToH2Headers and h2HeadersToRaw of a response head in one pass (both run for every HTTP/2 response). */
export function h2ResponseHeaders(raw: readonly string[], status: number): H2Response {
  const headers: OutgoingHttpHeaders = {};
  const sent: string[] = [':status', String(status)];
  const regrouped = intoH2Headers(raw, headers, sent);
  headers[':status'] = status;
  return { headers, sent: regrouped ? h2HeadersToRaw(headers) : sent };
}

/** Drops pseudo-headers and forbidden fields from an http2 headers object (e.g. a response from an h2c service). */
export function relayableH2Headers(headers: Record<string, string | string[] | number | undefined>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':') || H2_FORBIDDEN_RESPONSE_HEADERS.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** An http2 headers object as a flat raw list (pseudo-headers first, as on the wire), for capture. */
export function h2HeadersToRaw(headers: Record<string, string | string[] | number | undefined>): string[] {
  const pseudo: string[] = [];
  const regular: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const into = name.startsWith(':') ? pseudo : regular;
    if (Array.isArray(value)) for (const v of value) into.push(name, v);
    else into.push(name, String(value));
  }
  return pseudo.concat(regular);
}

/** The first value of a lower-case field in an HTTP/2 field list (`accept`, `content-type`). */
export function fieldValue(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
