// Turning a captured exchange plus the user's edits into the request to send again. Pure.
import type { ExchangeDetail, HeaderList, ReplayEdits } from '../../shared/traffic.js';

export interface ReplayRequest {
  method: string;
  /** Origin-form path and query. */
  path: string;
  headers: HeaderList;
  body: Buffer;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Framing and connection headers are recomputed for the new request, never copied.
const NOT_REPLAYED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'te',
  'expect',
  'trailer',
  'http2-settings',
  'x-locald-replay-of',
]);
const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']);

export function buildReplayRequest(
  original: ExchangeDetail,
  capturedBody: { bytes: Buffer; truncated: boolean } | null,
  edits: ReplayEdits,
): ReplayRequest | { error: string } {
  if (original.kind === 'websocket') {
    return { error: 'a WebSocket connection cannot be replayed as a request; open a new connection instead' };
  }
  const method = (edits.method ?? original.method).trim().toUpperCase();
  if (!TOKEN.test(method)) return { error: `'${edits.method ?? ''}' is not a valid HTTP method` };

  let path = original.url;
  let host: string | null = null;
  if (edits.url !== undefined) {
    const url = edits.url.trim();
    if (/^https?:\/\//i.test(url)) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return { error: `'${url}' is not a valid URL` };
      }
      host = parsed.host;
      path = `${parsed.pathname}${parsed.search}`;
    } else if (url.startsWith('/')) {
      path = url;
    } else {
      return { error: `the URL must be absolute (http://shop.localhost:7700/x) or start with '/', got '${url}'` };
    }
    if (/[\s]/.test(path)) return { error: 'the URL must not contain spaces or line breaks (percent-encode them)' };
  }

  const headers: HeaderList = [];
  for (const [name, value] of edits.headers ?? original.requestHeaders) {
    const lower = name.toLowerCase();
    if (lower === ':authority') {
      headers.push(['Host', value]);
      continue;
    }
    if (lower.startsWith(':') || NOT_REPLAYED.has(lower)) continue;
    if (!TOKEN.test(name)) return { error: `'${name}' is not a valid header name` };
    if (/[\r\n\0]/.test(value)) return { error: `the value of header '${name}' contains a line break` };
    headers.push([name, value]);
  }
  const hostIndex = headers.findIndex(([n]) => n.toLowerCase() === 'host');
  if (host !== null) {
    if (hostIndex === -1) headers.unshift(['Host', host]);
    else headers[hostIndex] = [(headers[hostIndex] as [string, string])[0], host];
  } else if (hostIndex === -1) {
    headers.unshift(['Host', original.host]);
  }

  let body: Buffer;
  if (edits.body !== undefined) {
    body = Buffer.from(edits.body, 'base64');
  } else if (capturedBody === null || original.requestBody.dropped) {
    if (original.requestBody.size > 0) return { error: 'the captured request body is no longer stored; paste the body to replay' };
    body = Buffer.alloc(0);
  } else if (capturedBody.truncated) {
    return { error: `the captured request body was cut at ${capturedBody.bytes.length} bytes; paste the whole body to replay` };
  } else {
    body = capturedBody.bytes;
  }
  if (body.length > 0 || !BODYLESS.has(method)) headers.push(['Content-Length', String(body.length)]);
  return { method, path, headers, body };
}
