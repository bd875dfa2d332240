// Turning a captured exchange plus the user's edits into the request to send again. Pure.
import type { ExchangeDetail, HeaderList, ReplayEdits } from '../../shared/traffic.js';
import { fieldError, headerValueProblem, hostProblem, targetProblem, type HostSource, type ReplayFieldError } from './replay-validate.js';

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

/**
 * The request to send, or the first problem that would stop it being sent or captured,
 * named by its field. Everything is checked here, before anything is sent.
 */
export function buildReplayRequest(
  original: ExchangeDetail,
  capturedBody: { bytes: Buffer; truncated: boolean } | null,
  edits: ReplayEdits,
): ReplayRequest | ReplayFieldError {
  if (original.kind === 'websocket') {
    return fieldError('id', 'a WebSocket connection cannot be replayed as a request; open a new connection instead');
  }
  const method = (edits.method ?? original.method).trim().toUpperCase();
  if (!TOKEN.test(method)) return fieldError('method', `'${edits.method ?? ''}' is not a valid HTTP method`);

  let path = original.url;
  let host: string | null = null;
  let hostSource: HostSource = { field: 'host' };
  if (edits.url !== undefined) {
    const url = edits.url.trim();
    if (/^https?:\/\//i.test(url)) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return fieldError('url', `'${url}' is not a valid URL`);
      }
      host = parsed.host;
      hostSource = { field: 'url' };
      path = `${parsed.pathname}${parsed.search}`;
    } else if (url.startsWith('/')) {
      path = url;
    } else {
      return fieldError('url', `the URL must be absolute (http://shop.localhost:7700/x) or start with '/', got '${url}'`);
    }
  }
  const pathProblem = targetProblem(path);
  if (pathProblem !== null) return fieldError('url', pathProblem);

  const headers: HeaderList = [];
  let sawAuthority = false;
  for (const [i, [name, value]] of (edits.headers ?? original.requestHeaders).entries()) {
    const lower = name.toLowerCase();
    const isHost = lower === ':authority' || lower === 'host';
    if ((lower.startsWith(':') && !isHost) || NOT_REPLAYED.has(lower)) continue;
    if (!lower.startsWith(':') && !TOKEN.test(name)) return fieldError(`headers[${i}].name`, `'${name}' is not a valid header name`);
    const valueProblem = headerValueProblem(value);
    if (valueProblem !== null) return fieldError(`headers[${i}].value`, valueProblem);
    if (isHost && host === null && hostSource.field === 'host') hostSource = { field: `headers[${i}].value` };
    // HTTP/2 allows a Host next to :authority when both say the same (RFC 9113 §8.3.1): send one Host.
    const pairsWithAuthority = lower === ':authority' || sawAuthority;
    if (isHost && pairsWithAuthority && headers.some(([n, v]) => n.toLowerCase() === 'host' && v === value)) continue;
    if (lower === ':authority') sawAuthority = true;
    headers.push(lower === ':authority' ? ['Host', value] : [name, value]);
  }
  const hostIndex = headers.findIndex(([n]) => n.toLowerCase() === 'host');
  if (host !== null) {
    if (hostIndex === -1) headers.unshift(['Host', host]);
    else headers[hostIndex] = [(headers[hostIndex] as [string, string])[0], host];
  } else if (hostIndex === -1) {
    headers.unshift(['Host', original.host]);
  }
  const badHost = hostProblem(headers, hostSource);
  if (badHost !== null) return badHost;

  let body: Buffer;
  if (edits.body !== undefined) {
    body = Buffer.from(edits.body, 'base64');
  } else if (capturedBody === null || original.requestBody.dropped) {
    if (original.requestBody.size > 0) return fieldError('body', 'the captured request body is no longer stored; paste the body to replay');
    body = Buffer.alloc(0);
  } else if (capturedBody.truncated) {
    return fieldError('body', `the captured request body was cut at ${capturedBody.bytes.length} bytes; paste the whole body to replay`);
  } else {
    body = capturedBody.bytes;
  }
  if (body.length > 0 || !BODYLESS.has(method)) headers.push(['Content-Length', String(body.length)]);
  return { method, path, headers, body };
}
