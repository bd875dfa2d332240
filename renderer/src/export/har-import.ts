// Reads a HAR 1.2 file (from locald, a browser or another tool) into exchanges the
// inspector can show read-only. Every problem is reported with its JSON path; entries
// that fail validation are skipped, the rest are kept.
import type { LogLine } from '../../../shared/state.js';
import type { BodyContent, ClientProtocol, ExchangeDetail, ExchangeError, ExchangeKind, ExchangeState, HeaderList, WebSocketMessage } from '../../../shared/traffic.js';
import { utf8ToBase64 } from '../body/bytes.js';

export interface ImportedExchange {
  detail: ExchangeDetail;
  requestBody: BodyContent | null;
  responseBody: BodyContent | null;
}

export interface HarImport {
  exchanges: ImportedExchange[];
  /** Located problems, e.g. "log.entries[2].request.url: expected a string". */
  errors: string[];
  creator: string | null;
}

/** Largest file the inspector will parse. */
export const MAX_HAR_BYTES = 200 * 1024 * 1024;

type Rec = Record<string, unknown>;

function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Problems {
  readonly list: string[] = [];
  add(path: string, message: string): void {
    if (this.list.length < 100) this.list.push(`${path}: ${message}`);
  }
}

/** `har`: the parsed file, kept for the engine's own import (traffic.importHar). */
export function parseHarText(text: string): HarImport & { har: unknown } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { exchanges: [], errors: [`not JSON: ${e instanceof Error ? e.message : String(e)}`], creator: null, har: null };
  }
  return { ...importHar(json), har: json };
}

export function importHar(json: unknown): HarImport {
  const problems = new Problems();
  if (!isRec(json) || !isRec(json.log)) {
    return { exchanges: [], errors: ['expected an object with a "log" object (HAR 1.2)'], creator: null };
  }
  const log = json.log;
  if (!Array.isArray(log.entries)) return { exchanges: [], errors: ['log.entries: expected an array'], creator: null };
  const creator = isRec(log.creator) && typeof log.creator.name === 'string' ? `${log.creator.name}${typeof log.creator.version === 'string' ? ` ${log.creator.version}` : ''}` : null;
  const exchanges: ImportedExchange[] = [];
  const ids = assignIds(log.entries);
  log.entries.forEach((entry, i) => {
    const path = `log.entries[${i}]`;
    const imported = importEntry(entry, ids[i] ?? i + 1, path, problems);
    if (imported !== null) exchanges.push(imported);
  });
  return { exchanges, errors: problems.list, creator };
}

/**
 * Each entry keeps the id it had in the locald that exported it (`_locald.id`), so the
 * imported view shows the same #numbers and `replayOf` still names the original.
 * Entries without one (other tools) or with a repeated one get the free ids in order.
 */
function assignIds(entries: unknown[]): number[] {
  const claimed = new Set<number>();
  const wanted = entries.map((entry) => {
    const id = isRec(entry) && isRec(entry._locald) ? entry._locald.id : undefined;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0 || claimed.has(id)) return null;
    claimed.add(id);
    return id;
  });
  let next = 1;
  return wanted.map((id) => {
    if (id !== null) return id;
    while (claimed.has(next)) next++;
    claimed.add(next);
    return next;
  });
}

function importEntry(entry: unknown, id: number, path: string, problems: Problems): ImportedExchange | null {
  if (!isRec(entry)) {
    problems.add(path, 'expected an object');
    return null;
  }
  const req = entry.request;
  const res = entry.response;
  if (!isRec(req)) return fail(problems, `${path}.request`, 'expected an object');
  if (!isRec(res)) return fail(problems, `${path}.response`, 'expected an object');
  if (typeof req.method !== 'string' || req.method === '') return fail(problems, `${path}.request.method`, 'expected a non-empty string');
  if (typeof req.url !== 'string') return fail(problems, `${path}.request.url`, 'expected a string');
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return fail(problems, `${path}.request.url`, `"${req.url.slice(0, 80)}" is not an absolute URL`);
  }
  const started = typeof entry.startedDateTime === 'string' ? Date.parse(entry.startedDateTime) : Number.NaN;
  if (Number.isNaN(started)) return fail(problems, `${path}.startedDateTime`, 'expected an ISO 8601 date');
  const requestHeaders = readHeaders(req.headers, `${path}.request.headers`, problems);
  const responseHeaders = readHeaders(res.headers, `${path}.response.headers`, problems);
  if (requestHeaders === null || responseHeaders === null) return null;
  const status = typeof res.status === 'number' && Number.isInteger(res.status) ? res.status : null;
  if (status === null) return fail(problems, `${path}.response.status`, 'expected an integer');
  const time = typeof entry.time === 'number' && entry.time >= 0 ? entry.time : null;

  const requestBody = readRequestBody(req.postData, id, `${path}.request.postData`, problems);
  const responseBody = readResponseBody(res.content, id, `${path}.response.content`, problems);
  const websocketMessages = readWebSocketMessages(entry._webSocketMessages, started);
  const upgrade = requestHeaders.some(([n, v]) => n.toLowerCase() === 'upgrade' && v.toLowerCase() === 'websocket');
  const contentType = responseBody?.contentType ?? headerValue(responseHeaders, 'content-type');
  const version = typeof res.httpVersion === 'string' ? res.httpVersion.toLowerCase() : '';
  const timings = isRec(entry.timings) ? entry.timings : {};
  const num = (v: unknown) => (typeof v === 'number' && v >= 0 ? v : 0);
  const connect = num(timings.blocked) + num(timings.dns) + num(timings.connect);
  const firstByte = connect + num(timings.send) + num(timings.wait);
  const locald = readLocald(entry._locald, `${path}._locald`, problems);
  const noResponse = status === 0 ? { code: 'har_no_response', title: 'No response', detail: 'The HAR file records no response for this request.' } : null;

  const detail: ExchangeDetail = {
    id,
    replayOf: locald.replayOf ?? null,
    project: locald.project ?? (typeof entry._project === 'string' ? entry._project : null),
    service: locald.service ?? (typeof entry._service === 'string' ? entry._service : null),
    route: locald.route ?? null,
    kind: locald.kind ?? (upgrade || websocketMessages.length > 0 ? 'websocket' : mediaIs(contentType, 'text/event-stream') ? 'sse' : mediaIs(contentType, 'application/grpc') ? 'grpc' : 'http'),
    clientProtocol: locald.clientProtocol ?? (version.startsWith('h2') || version.includes('http/2') ? (url.protocol === 'https:' ? 'h2' : 'h2c') : 'http/1.1'),
    upstreamProtocol: locald.upstreamProtocol ?? null,
    method: req.method.toUpperCase(),
    host: url.host,
    url: url.pathname + url.search,
    forwardedUrl: locald.forwardedUrl ?? null,
    status: status === 0 ? null : status,
    state: locald.state ?? (status === 0 ? 'error' : 'complete'),
    start: started,
    duration: time,
    // locald's sizes count every byte that crossed the proxy; the HAR text may hold only the captured part.
    requestSize: Math.max(locald.requestSize ?? 0, requestBody?.size ?? 0),
    responseSize: Math.max(locald.responseSize ?? 0, responseBody?.size ?? 0),
    messageCount: Math.max(locald.messageCount ?? 0, websocketMessages.length),
    error: locald.error ?? noResponse,
    pinned: false,
    contentType,
    requestHeaders,
    forwardedRequestHeaders: locald.forwardedRequestHeaders ?? [],
    // locald exports the headers as sent to the client in `response.headers` and the service's own in `_locald`.
    responseHeaders: locald.upstreamResponseHeaders ?? responseHeaders,
    forwardedResponseHeaders: locald.upstreamResponseHeaders === undefined ? [] : responseHeaders,
    requestTrailers: locald.requestTrailers ?? [],
    responseTrailers: locald.responseTrailers ?? [],
    timings: { start: started, upstreamConnected: connect || null, requestSent: connect + num(timings.send) || null, firstByte: firstByte || null, end: time },
    requestBody: { size: requestBody?.size ?? 0, captured: requestBody?.size ?? 0, truncated: locald.requestTruncated === true, dropped: false },
    responseBody: { size: responseBody?.size ?? 0, captured: responseBody?.size ?? 0, truncated: locald.responseTruncated === true, dropped: false },
    websocketMessages,
    sseEvents: [],
    grpcFrames: [],
    logLines: locald.logLines ?? [],
    upstreamAddress: locald.upstreamAddress ?? (typeof entry.serverIPAddress === 'string' ? entry.serverIPAddress : null),
    clientAddress: locald.clientAddress ?? null,
  };
  return { detail, requestBody, responseBody };
}

/** What locald adds to an entry (shared/har.ts HarLocaldEntry), each field checked; absent or malformed ones are undefined. */
interface LocaldFields {
  replayOf?: number;
  project?: string;
  service?: string;
  route?: string;
  error?: ExchangeError;
  kind?: ExchangeKind;
  state?: ExchangeState;
  clientProtocol?: ClientProtocol;
  upstreamProtocol?: 'http/1.1' | 'h2c';
  forwardedUrl?: string;
  clientAddress?: string;
  upstreamAddress?: string;
  forwardedRequestHeaders?: HeaderList;
  upstreamResponseHeaders?: HeaderList;
  requestTrailers?: HeaderList;
  responseTrailers?: HeaderList;
  requestSize?: number;
  responseSize?: number;
  messageCount?: number;
  requestTruncated?: boolean;
  responseTruncated?: boolean;
  logLines?: LogLine[];
}

const KINDS: readonly ExchangeKind[] = ['http', 'websocket', 'sse', 'grpc', 'grpc-web'];
const STATES: readonly ExchangeState[] = ['pending', 'streaming', 'complete', 'error', 'aborted'];
const CLIENT_PROTOCOLS: readonly ClientProtocol[] = ['http/1.1', 'h2', 'h2c'];

function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  return (allowed as readonly unknown[]).includes(value) ? (value as T) : undefined;
}

function readLocald(value: unknown, path: string, problems: Problems): LocaldFields {
  if (value === undefined) return {};
  if (!isRec(value)) {
    problems.add(path, 'expected an object; ignored');
    return {};
  }
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
  const flag = (v: unknown) => (typeof v === 'boolean' ? v : undefined);
  // A malformed optional list is reported and left out; the entry itself stays.
  const headers = (v: unknown, name: string) => (v === undefined ? undefined : (readHeaders(v, `${path}.${name}`, problems) ?? undefined));
  return {
    replayOf: typeof value.replayOf === 'number' && Number.isSafeInteger(value.replayOf) && value.replayOf > 0 ? value.replayOf : undefined,
    project: text(value.project),
    service: text(value.service),
    route: text(value.route),
    error: readError(value.error, `${path}.error`, problems),
    kind: oneOf(value.kind, KINDS),
    state: oneOf(value.state, STATES),
    clientProtocol: oneOf(value.clientProtocol, CLIENT_PROTOCOLS),
    upstreamProtocol: oneOf(value.upstreamProtocol, ['http/1.1', 'h2c'] as const),
    forwardedUrl: text(value.forwardedUrl),
    clientAddress: text(value.clientAddress),
    upstreamAddress: text(value.upstreamAddress),
    forwardedRequestHeaders: headers(value.forwardedRequestHeaders, 'forwardedRequestHeaders'),
    upstreamResponseHeaders: headers(value.upstreamResponseHeaders, 'upstreamResponseHeaders'),
    requestTrailers: headers(value.requestTrailers, 'requestTrailers'),
    responseTrailers: headers(value.responseTrailers, 'responseTrailers'),
    requestSize: count(value.requestSize),
    responseSize: count(value.responseSize),
    messageCount: count(value.messageCount),
    requestTruncated: flag(value.requestTruncated),
    responseTruncated: flag(value.responseTruncated),
    logLines: readLogLines(value.logLines, `${path}.logLines`, problems),
  };
}

function readError(value: unknown, path: string, problems: Problems): ExchangeError | undefined {
  if (value === undefined || value === null) return undefined;
  if (isRec(value) && typeof value.code === 'string' && typeof value.title === 'string' && typeof value.detail === 'string') {
    return { code: value.code, title: value.title, detail: value.detail };
  }
  problems.add(path, 'expected {code, title, detail}; ignored');
  return undefined;
}

function readLogLines(value: unknown, path: string, problems: Problems): LogLine[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    problems.add(path, 'expected an array; ignored');
    return undefined;
  }
  const out: LogLine[] = [];
  value.forEach((l: unknown, i) => {
    if (!isRec(l) || typeof l.text !== 'string') {
      problems.add(`${path}[${i}]`, 'expected {text: string, …}; skipped');
      return;
    }
    out.push({
      seq: typeof l.seq === 'number' ? l.seq : i,
      time: typeof l.time === 'number' ? l.time : 0,
      project: typeof l.project === 'string' ? l.project : '',
      service: typeof l.service === 'string' ? l.service : '',
      stream: l.stream === 'stderr' || l.stream === 'system' ? l.stream : 'stdout',
      text: l.text,
    });
  });
  return out;
}

function fail(problems: Problems, path: string, message: string): null {
  problems.add(path, message);
  return null;
}

function readHeaders(value: unknown, path: string, problems: Problems): HeaderList | null {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail(problems, path, 'expected an array of {name, value}');
  const out: HeaderList = [];
  for (let i = 0; i < value.length; i++) {
    const h: unknown = value[i];
    if (!isRec(h) || typeof h.name !== 'string' || typeof h.value !== 'string') return fail(problems, `${path}[${i}]`, 'expected {name: string, value: string}');
    out.push([h.name, h.value]);
  }
  return out;
}

function readRequestBody(postData: unknown, id: number, path: string, problems: Problems): BodyContent | null {
  if (postData === undefined) return null;
  if (!isRec(postData)) return fail(problems, path, 'expected an object');
  const text = typeof postData.text === 'string' ? postData.text : '';
  const mime = typeof postData.mimeType === 'string' ? postData.mimeType : null;
  return body(id, 'request', text, postData.encoding, mime, path, problems);
}

function readResponseBody(content: unknown, id: number, path: string, problems: Problems): BodyContent | null {
  if (content === undefined) return null;
  if (!isRec(content)) return fail(problems, path, 'expected an object');
  if (typeof content.text !== 'string') return null;
  const mime = typeof content.mimeType === 'string' && content.mimeType !== '' ? content.mimeType : null;
  return body(id, 'response', content.text, content.encoding, mime, path, problems);
}

function body(id: number, which: 'request' | 'response', text: string, encoding: unknown, contentType: string | null, path: string, problems: Problems): BodyContent | null {
  let base64: string;
  let size: number;
  if (encoding === 'base64') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text.replace(/\s/g, ''))) return fail(problems, `${path}.text`, 'encoding is base64 but the text is not base64');
    base64 = text.replace(/\s/g, '');
    size = Math.floor((base64.length * 3) / 4) - (base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0);
  } else {
    if (encoding !== undefined && encoding !== '') problems.add(`${path}.encoding`, `unknown encoding ${JSON.stringify(encoding)}; reading the text as is`);
    base64 = utf8ToBase64(text);
    size = new TextEncoder().encode(text).length;
  }
  return { id, which, base64, contentType, decodedFrom: null, decodeError: null, size, truncated: false };
}

function readWebSocketMessages(value: unknown, started: number): WebSocketMessage[] {
  if (!Array.isArray(value)) return [];
  const out: WebSocketMessage[] = [];
  for (const m of value) {
    if (!isRec(m) || typeof m.data !== 'string') continue;
    const opcode = typeof m.opcode === 'number' ? m.opcode : 1;
    const time = typeof m.time === 'number' ? (m.time > 1e11 ? m.time : m.time * 1000) : started;
    const payload = opcode === 1 ? utf8ToBase64(m.data) : m.data;
    out.push({ time, direction: m.type === 'send' ? 'client' : 'server', opcode, size: opcode === 1 ? new TextEncoder().encode(m.data).length : Math.floor((m.data.length * 3) / 4), payload, truncated: false });
  }
  return out;
}

function headerValue(headers: HeaderList, name: string): string | null {
  return headers.find(([n]) => n.toLowerCase() === name)?.[1] ?? null;
}

function mediaIs(contentType: string | null, type: string): boolean {
  return (contentType ?? '').toLowerCase().startsWith(type);
}
