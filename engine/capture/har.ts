// HAR 1.2 export and import (pure). Export describes what the client saw: its request
// headers, the response headers as forwarded, and bodies with Content-Encoding removed.
// Import reads HARs from any tool, never throws, and reports each problem with its JSON path.
import { STATUS_CODES } from 'node:http';
import type {
  Har,
  HarContent,
  HarEntry,
  HarImportIssue,
  HarLocaldEntry,
  HarNameValue,
  HarPostData,
  HarTimings,
  HarWebSocketMessage,
} from '../../shared/har.js';
import type { LogLine } from '../../shared/state.js';
import type {
  ClientProtocol,
  ExchangeDetail,
  ExchangeError,
  ExchangeKind,
  ExchangeState,
  GrpcFrame,
  HeaderList,
  SseEvent,
  UpstreamProtocolUsed,
  WebSocketMessage,
} from '../../shared/traffic.js';
import { requestCookies, responseCookies } from './har-cookies.js';
import { headerValue, mediaType } from './headers.js';

export interface HarBody {
  /** Decoded content when `decoded`, else the bytes as they crossed the proxy. */
  bytes: Buffer;
  decoded: boolean;
  truncated: boolean;
}

export interface HarInput {
  detail: ExchangeDetail;
  requestBody: HarBody | null;
  responseBody: HarBody | null;
}

// --- export ---

const TEXTUAL = /^(text\/|application\/(json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql|x-ndjson|ld\+json|manifest\+json)|image\/svg\+xml)|\+(json|xml)$/;

function isValidUtf8Text(bytes: Buffer): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Whether a body is shown as text (else base64). */
export function isTextual(contentType: string | null, bytes: Buffer): boolean {
  const type = mediaType(contentType);
  if (type !== null && TEXTUAL.test(type)) return isValidUtf8Text(bytes);
  if (type === null) return isValidUtf8Text(bytes);
  return false;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** HAR timings from the capture's points; `time` is their exact sum. */
export function harTimings(t: ExchangeDetail['timings']): { time: number; timings: HarTimings } {
  let at = 0;
  const advance = (value: number | null): number => {
    const next = value === null || !Number.isFinite(value) ? at : Math.max(at, value);
    const span = round3(next - at);
    at = next;
    return span;
  };
  const connect = advance(t.upstreamConnected);
  const send = advance(t.requestSent);
  const wait = advance(t.firstByte ?? t.end);
  const receive = advance(t.end);
  const blocked = 0;
  const time = round3(blocked + connect + send + wait + receive);
  return { time, timings: { blocked, dns: -1, connect, send, wait, receive, ssl: -1 } };
}

function nameValues(list: HeaderList): HarNameValue[] {
  return list.map(([name, value]) => ({ name, value }));
}

function schemeOf(d: ExchangeDetail): string {
  const proto = headerValue(d.forwardedRequestHeaders, 'x-forwarded-proto')?.trim().toLowerCase();
  const secure = proto === 'https' || (proto === undefined && d.clientProtocol === 'h2');
  if (d.kind === 'websocket') return secure ? 'wss' : 'ws';
  return secure ? 'https' : 'http';
}

/** The absolute URL the client asked for. */
export function absoluteUrl(d: ExchangeDetail): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(d.url)) return d.url;
  const path = d.url.startsWith('/') ? d.url : `/${d.url}`;
  return `${schemeOf(d)}://${d.host === '' ? 'localhost' : d.host}${path}`;
}

function queryString(url: string): HarNameValue[] {
  const q = url.indexOf('?');
  if (q === -1) return [];
  const hash = url.indexOf('#', q);
  const search = url.slice(q + 1, hash === -1 ? undefined : hash);
  const out: HarNameValue[] = [];
  try {
    for (const [name, value] of new URLSearchParams(search)) out.push({ name, value });
  } catch {
    // A malformed query string has no parameters to list.
  }
  return out;
}

function httpVersion(protocol: ClientProtocol): string {
  return protocol === 'http/1.1' ? 'HTTP/1.1' : 'HTTP/2';
}

function postData(d: ExchangeDetail, body: HarBody | null): HarPostData | undefined {
  if (body === null || (body.bytes.length === 0 && d.requestBody.size === 0)) return undefined;
  const mimeType = headerValue(d.requestHeaders, 'content-type') ?? '';
  const out: HarPostData = isTextual(mimeType === '' ? null : mimeType, body.bytes)
    ? { mimeType, text: body.bytes.toString('utf8') }
    : { mimeType, text: body.bytes.toString('base64'), encoding: 'base64' };
  if (body.truncated) out.comment = `Only the first ${d.requestBody.captured} of ${d.requestBody.size} bytes were captured.`;
  return out;
}

function content(d: ExchangeDetail, responseHeaders: HeaderList, body: HarBody | null): HarContent {
  const mimeType = headerValue(responseHeaders, 'content-type') ?? d.contentType ?? '';
  if (body === null || body.bytes.length === 0) {
    const empty: HarContent = { size: 0, mimeType };
    if (d.responseBody.dropped) empty.comment = 'The body was dropped to stay within the capture memory limit.';
    return empty;
  }
  const out: HarContent = { size: body.bytes.length, mimeType };
  if (isTextual(mimeType === '' ? null : mimeType, body.bytes)) {
    out.text = body.bytes.toString('utf8');
  } else {
    out.text = body.bytes.toString('base64');
    out.encoding = 'base64';
  }
  const wire = d.responseBody.size;
  if (body.decoded && !body.truncated && wire > 0 && body.bytes.length > wire) out.compression = body.bytes.length - wire;
  const notes: string[] = [];
  if (body.truncated) notes.push(`Only the first ${d.responseBody.captured} of ${d.responseBody.size} bytes were captured.`);
  if (!body.decoded) notes.push('The Content-Encoding could not be removed; the text is the encoded bytes.');
  if (notes.length > 0) out.comment = notes.join(' ');
  return out;
}

function webSocketMessages(messages: WebSocketMessage[]): HarWebSocketMessage[] {
  return messages.map((m) => {
    const bytes = Buffer.from(m.payload, 'base64');
    return {
      type: m.direction === 'client' ? 'send' : 'receive',
      time: m.time / 1000,
      opcode: m.opcode,
      data: m.opcode === 1 ? bytes.toString('utf8') : m.payload,
    };
  });
}

/** '127.0.0.1:80' → '127.0.0.1', '[::1]:80' → '::1', '::1' → '::1'. */
export function addressHost(address: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(address);
  if (bracketed !== null) return bracketed[1] as string;
  const colons = address.split(':').length - 1;
  return colons === 1 ? address.slice(0, address.indexOf(':')) : address;
}

function entryOf(input: HarInput): HarEntry {
  const d = input.detail;
  const url = absoluteUrl(d);
  const responseHeaders = d.forwardedResponseHeaders.length > 0 ? d.forwardedResponseHeaders : d.responseHeaders;
  const { time, timings } = harTimings(d.timings);
  const status = d.status ?? 0;
  const request: HarEntry['request'] = {
    method: d.method,
    url,
    httpVersion: httpVersion(d.clientProtocol),
    cookies: requestCookies(d.requestHeaders),
    headers: nameValues(d.requestHeaders),
    queryString: queryString(d.url),
    headersSize: -1,
    bodySize: d.requestBody.size,
  };
  const post = postData(d, input.requestBody);
  if (post !== undefined) request.postData = post;
  const locald: HarLocaldEntry = {
    id: d.id,
    project: d.project,
    service: d.service,
    route: d.route,
    replayOf: d.replayOf,
    error: d.error,
    kind: d.kind,
    forwardedUrl: d.forwardedUrl,
    clientProtocol: d.clientProtocol,
    upstreamProtocol: d.upstreamProtocol,
    state: d.state,
    clientAddress: d.clientAddress,
    upstreamAddress: d.upstreamAddress,
    forwardedRequestHeaders: nameValues(d.forwardedRequestHeaders),
    upstreamResponseHeaders: nameValues(d.responseHeaders),
    requestTrailers: nameValues(d.requestTrailers),
    responseTrailers: nameValues(d.responseTrailers),
    requestSize: d.requestSize,
    responseSize: d.responseSize,
    requestTruncated: d.requestBody.truncated,
    responseTruncated: d.responseBody.truncated,
    messageCount: d.messageCount,
  };
  if (d.sseEvents.length > 0) locald.sseEvents = d.sseEvents;
  if (d.grpcFrames.length > 0) locald.grpcFrames = d.grpcFrames;
  if (d.logLines.length > 0) locald.logLines = d.logLines;
  const entry: HarEntry = {
    startedDateTime: new Date(d.start).toISOString(),
    time,
    request,
    response: {
      status,
      statusText: status === 0 ? '' : (STATUS_CODES[status] ?? ''),
      httpVersion: httpVersion(d.clientProtocol),
      cookies: responseCookies(responseHeaders),
      headers: nameValues(responseHeaders),
      content: content(d, responseHeaders, input.responseBody),
      redirectURL: headerValue(responseHeaders, 'location') ?? '',
      headersSize: -1,
      // An upgraded WebSocket's bytes are messages, not a body (its body size is 0); a refused
      // upgrade (a 404 page, the service's own 4xx) has an ordinary body.
      bodySize: d.responseBody.size,
    },
    cache: {},
    timings,
    _locald: locald,
  };
  if (d.upstreamAddress !== null) entry.serverIPAddress = addressHost(d.upstreamAddress);
  if (d.error !== null) entry.comment = `${d.error.title}: ${d.error.detail}`;
  if (d.kind === 'websocket') {
    entry._resourceType = 'websocket';
    entry._webSocketMessages = webSocketMessages(d.websocketMessages);
  }
  return entry;
}

/** A HAR 1.2 document for the given exchanges. */
export function toHar(inputs: readonly HarInput[], version: string): Har {
  return {
    log: {
      version: '1.2',
      creator: { name: 'locald', version },
      pages: [],
      entries: inputs.map(entryOf),
    },
  };
}

// --- import ---

export interface ImportedEntry {
  detail: ExchangeDetail;
  requestBody: Buffer | null;
  responseBody: Buffer | null;
  /** `_locald.id` from the exporting locald, to re-link replays. */
  sourceId: number | null;
}

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function strOr<T>(value: unknown, fallback: T): string | T {
  return typeof value === 'string' ? value : fallback;
}

const KINDS: readonly ExchangeKind[] = ['http', 'websocket', 'sse', 'grpc', 'grpc-web'];
const STATES: readonly ExchangeState[] = ['pending', 'streaming', 'complete', 'error', 'aborted'];
const CLIENT_PROTOCOLS: readonly ClientProtocol[] = ['http/1.1', 'h2', 'h2c'];

class Reader {
  constructor(
    readonly issues: HarImportIssue[],
    readonly entry: number,
    readonly base: string,
  ) {}

  issue(path: string, message: string): void {
    this.issues.push({ entry: this.entry, path: `${this.base}${path}`, message });
  }

  headers(value: unknown, path: string): HeaderList {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.issue(path, 'expected an array of {name, value}');
      return [];
    }
    const out: HeaderList = [];
    value.forEach((h, i) => {
      if (isObj(h) && typeof h.name === 'string' && (typeof h.value === 'string' || typeof h.value === 'number')) {
        out.push([h.name, String(h.value)]);
      } else {
        this.issue(`${path}[${i}]`, 'expected {name: string, value: string}; skipped');
      }
    });
    return out;
  }

  text(value: unknown, encoding: unknown, path: string): Buffer | null {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') {
      this.issue(path, 'expected a string; body skipped');
      return null;
    }
    if (encoding === 'base64') return Buffer.from(value, 'base64');
    if (encoding !== undefined && encoding !== '' && encoding !== null) {
      this.issue(`${path.replace(/text$/, '')}encoding`, `unknown encoding ${JSON.stringify(encoding)}; read as text`);
    }
    return Buffer.from(value, 'utf8');
  }

  error(value: unknown): ExchangeError | null {
    if (value === undefined || value === null) return null;
    if (isObj(value) && typeof value.code === 'string' && typeof value.title === 'string' && typeof value.detail === 'string') {
      return { code: value.code, title: value.title, detail: value.detail };
    }
    this.issue('._locald.error', 'expected {code, title, detail}; ignored');
    return null;
  }

  list<T>(value: unknown, path: string, read: (item: Obj) => T | null): T[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.issue(path, 'expected an array; ignored');
      return [];
    }
    const out: T[] = [];
    value.forEach((item, i) => {
      const parsed = isObj(item) ? read(item) : null;
      if (parsed === null) this.issue(`${path}[${i}]`, 'malformed item; skipped');
      else out.push(parsed);
    });
    return out;
  }
}

function detectKind(locald: Obj, url: URL, responseType: string | null, requestType: string | null, hasWsMessages: boolean): ExchangeKind {
  if (typeof locald.kind === 'string' && (KINDS as readonly string[]).includes(locald.kind)) return locald.kind as ExchangeKind;
  if (hasWsMessages || url.protocol === 'ws:' || url.protocol === 'wss:') return 'websocket';
  const req = mediaType(requestType) ?? '';
  if (req.startsWith('application/grpc-web')) return 'grpc-web';
  if (req.startsWith('application/grpc')) return 'grpc';
  if (mediaType(responseType) === 'text/event-stream') return 'sse';
  return 'http';
}

function readEntry(raw: unknown, index: number, issues: HarImportIssue[]): ImportedEntry | null {
  const r = new Reader(issues, index, `log.entries[${index}]`);
  if (!isObj(raw)) {
    r.issue('', 'expected an object; entry skipped');
    return null;
  }
  const req = raw.request;
  const res = raw.response;
  if (!isObj(req)) {
    r.issue('.request', 'missing or not an object; entry skipped');
    return null;
  }
  if (!isObj(res)) {
    r.issue('.response', 'missing or not an object; entry skipped');
    return null;
  }
  if (typeof req.method !== 'string' || req.method === '') {
    r.issue('.request.method', 'expected a non-empty string; entry skipped');
    return null;
  }
  let url: URL;
  try {
    if (typeof req.url !== 'string') throw new Error('not a string');
    url = new URL(req.url);
  } catch {
    r.issue('.request.url', 'expected an absolute URL; entry skipped');
    return null;
  }
  let start = Date.parse(strOr(raw.startedDateTime, ''));
  if (Number.isNaN(start)) {
    r.issue('.startedDateTime', 'expected an ISO 8601 date; using the epoch');
    start = 0;
  }
  const statusValue = num(res.status);
  if (statusValue === null) r.issue('.response.status', 'expected a number; treated as no response');
  const status = statusValue === null || statusValue <= 0 ? null : Math.floor(statusValue);

  const locald = isObj(raw._locald) ? raw._locald : {};
  const requestHeaders = r.headers(req.headers, '.request.headers');
  const responseHeaders = r.headers(res.headers, '.response.headers');
  const post = isObj(req.postData) ? req.postData : null;
  const contentObj = isObj(res.content) ? res.content : null;
  if (res.content !== undefined && contentObj === null) r.issue('.response.content', 'expected an object; ignored');
  const requestBody = post === null ? null : r.text(post.text, post.encoding, '.request.postData.text');
  const responseBody = contentObj === null ? null : r.text(contentObj.text, contentObj.encoding, '.response.content.text');

  const wsMessages = r.list<WebSocketMessage>(raw._webSocketMessages, '._webSocketMessages', (m) => {
    const opcode = num(m.opcode);
    if ((m.type !== 'send' && m.type !== 'receive') || opcode === null || typeof m.data !== 'string') return null;
    const bytes = opcode === 1 ? Buffer.from(m.data, 'utf8') : Buffer.from(m.data, 'base64');
    return {
      time: (num(m.time) ?? 0) * 1000,
      direction: m.type === 'send' ? 'client' : 'server',
      opcode,
      size: bytes.length,
      payload: bytes.toString('base64'),
      truncated: false,
    };
  });
  const sseEvents = r.list<SseEvent>(locald.sseEvents, '._locald.sseEvents', (e) =>
    typeof e.data !== 'string'
      ? null
      : { time: num(e.time) ?? 0, id: strOr(e.id, null), event: strOr(e.event, null), data: e.data, retry: num(e.retry) },
  );
  const grpcFrames = r.list<GrpcFrame>(locald.grpcFrames, '._locald.grpcFrames', (f) =>
    typeof f.payload !== 'string' || (f.direction !== 'client' && f.direction !== 'server')
      ? null
      : {
          time: num(f.time) ?? 0,
          direction: f.direction,
          compressed: f.compressed === true,
          size: num(f.size) ?? 0,
          payload: f.payload,
          truncated: f.truncated === true,
        },
  );
  const logLines = r.list<LogLine>(locald.logLines, '._locald.logLines', (l) =>
    typeof l.text !== 'string'
      ? null
      : {
          seq: num(l.seq) ?? 0,
          time: num(l.time) ?? 0,
          project: strOr(l.project, ''),
          service: strOr(l.service, ''),
          stream: l.stream === 'stderr' || l.stream === 'system' ? l.stream : 'stdout',
          text: l.text,
        },
  );

  // Timings back into points after the start; `ssl` is already inside `connect` (HAR 1.2).
  const t = isObj(raw.timings) ? raw.timings : {};
  const part = (v: unknown): number => Math.max(0, num(v) ?? 0);
  const connected = part(t.blocked) + part(t.dns) + part(t.connect);
  const sent = connected + part(t.send);
  const firstByte = sent + part(t.wait);
  let end = firstByte + part(t.receive);
  const time = num(raw.time);
  if (!isObj(raw.timings)) {
    r.issue('.timings', 'missing; only the total time is known');
    end = time ?? 0;
  }
  const requestType = headerValue(requestHeaders, 'content-type');
  const responseType = headerValue(responseHeaders, 'content-type') ?? strOr(contentObj?.mimeType, null);
  const kind = detectKind(locald, url, responseType, requestType, wsMessages.length > 0);
  const version = strOr(req.httpVersion, '').toLowerCase();
  const clientProtocol: ClientProtocol =
    typeof locald.clientProtocol === 'string' && (CLIENT_PROTOCOLS as readonly string[]).includes(locald.clientProtocol)
      ? (locald.clientProtocol as ClientProtocol)
      : /^(http\/2|h2|http\/3|h3)/.test(version)
        ? 'h2'
        : 'http/1.1';
  const state: ExchangeState =
    typeof locald.state === 'string' && (STATES as readonly string[]).includes(locald.state)
      ? (locald.state as ExchangeState)
      : status === null
        ? 'error'
        : 'complete';
  const upstreamProtocol: UpstreamProtocolUsed | null = locald.upstreamProtocol === 'h2c' || locald.upstreamProtocol === 'http/1.1' ? locald.upstreamProtocol : null;

  // Body sizes on the wire; for WebSocket exchanges the frames come on top (locald's sizes).
  const requestWire = num(req.bodySize);
  const responseWire = num(res.bodySize);
  const requestBodySize = requestWire !== null && requestWire >= 0 ? requestWire : (requestBody?.length ?? 0);
  const responseBodySize = responseWire !== null && responseWire >= 0 ? responseWire : (responseBody?.length ?? 0);
  const requestSize = Math.max(num(locald.requestSize) ?? 0, requestBodySize);
  const responseSize = Math.max(num(locald.responseSize) ?? 0, responseBodySize);
  const detail: ExchangeDetail = {
    id: 0,
    replayOf: num(locald.replayOf),
    project: strOr(locald.project, null),
    service: strOr(locald.service, null),
    route: strOr(locald.route, null),
    kind,
    clientProtocol,
    upstreamProtocol,
    method: req.method,
    host: url.host,
    url: `${url.pathname}${url.search}`,
    forwardedUrl: strOr(locald.forwardedUrl, null),
    status,
    state,
    start,
    duration: end,
    requestSize,
    responseSize,
    messageCount: Math.max(num(locald.messageCount) ?? 0, wsMessages.length + sseEvents.length + grpcFrames.length),
    error: r.error(locald.error),
    pinned: false,
    contentType: responseType,
    requestHeaders,
    forwardedRequestHeaders: r.headers(locald.forwardedRequestHeaders, '._locald.forwardedRequestHeaders'),
    responseHeaders: locald.upstreamResponseHeaders === undefined ? responseHeaders : r.headers(locald.upstreamResponseHeaders, '._locald.upstreamResponseHeaders'),
    forwardedResponseHeaders: responseHeaders,
    requestTrailers: r.headers(locald.requestTrailers, '._locald.requestTrailers'),
    responseTrailers: r.headers(locald.responseTrailers, '._locald.responseTrailers'),
    timings: { start, upstreamConnected: connected, requestSent: sent, firstByte, end },
    requestBody: {
      size: requestBodySize,
      captured: requestBody?.length ?? 0,
      truncated: locald.requestTruncated === true,
      dropped: false,
    },
    responseBody: {
      size: responseBodySize,
      captured: responseBody?.length ?? 0,
      truncated: locald.responseTruncated === true,
      dropped: false,
    },
    websocketMessages: wsMessages,
    sseEvents,
    grpcFrames,
    logLines,
    upstreamAddress: strOr(locald.upstreamAddress, null) ?? strOr(raw.serverIPAddress, null),
    clientAddress: strOr(locald.clientAddress, null),
  };
  return { detail, requestBody, responseBody, sourceId: num(locald.id) };
}

/** Reads a HAR (any producer). Entries that cannot be read are skipped and reported. */
export function fromHar(har: unknown): { entries: ImportedEntry[]; issues: HarImportIssue[] } {
  const issues: HarImportIssue[] = [];
  const entries: ImportedEntry[] = [];
  if (!isObj(har) || !isObj(har.log)) {
    issues.push({ entry: null, path: 'log', message: 'not a HAR file: expected an object with a "log" object' });
    return { entries, issues };
  }
  const log = har.log;
  if (typeof log.version !== 'string') issues.push({ entry: null, path: 'log.version', message: 'missing; read as HAR 1.2' });
  if (!Array.isArray(log.entries)) {
    issues.push({ entry: null, path: 'log.entries', message: 'expected an array of entries' });
    return { entries, issues };
  }
  log.entries.forEach((raw, i) => {
    try {
      const entry = readEntry(raw, i, issues);
      if (entry !== null) entries.push(entry);
    } catch (err) {
      issues.push({ entry: i, path: `log.entries[${i}]`, message: `unreadable entry: ${(err as Error).message}` });
    }
  });
  return { entries, issues };
}
