// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) as locald writes and reads it,
// plus the custom fields locald and Chrome DevTools add (custom names start with '_').
import type { LogLine } from './state.js';
import type {
  ClientProtocol,
  ExchangeError,
  ExchangeKind,
  ExchangeState,
  GrpcFrame,
  SseEvent,
  UpstreamProtocolUsed,
} from './traffic.js';

export interface HarNameValue {
  name: string;
  value: string;
  comment?: string;
}

export type HarHeader = HarNameValue;
export type HarQueryParam = HarNameValue;

export interface HarCookie {
  name: string;
  value: string;
  path?: string;
  domain?: string;
  /** ISO 8601. */
  expires?: string;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: string;
  comment?: string;
}

export interface HarPostParam {
  name: string;
  value?: string;
  fileName?: string;
  contentType?: string;
  comment?: string;
}

export interface HarPostData {
  mimeType: string;
  /** Decoded text, or base64 when `encoding` is 'base64' (an extension HAR readers commonly accept). */
  text: string;
  params?: HarPostParam[];
  encoding?: 'base64';
  comment?: string;
}

export interface HarRequest {
  method: string;
  /** Absolute URL. */
  url: string;
  httpVersion: string;
  cookies: HarCookie[];
  headers: HarHeader[];
  queryString: HarQueryParam[];
  postData?: HarPostData;
  /** -1: locald does not keep the exact header bytes. */
  headersSize: number;
  bodySize: number;
  comment?: string;
}

export interface HarContent {
  /** Length of the returned content in bytes (decoded). */
  size: number;
  /** Bytes saved by compression, when known. */
  compression?: number;
  mimeType: string;
  text?: string;
  encoding?: string;
  comment?: string;
}

export interface HarResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  cookies: HarCookie[];
  headers: HarHeader[];
  content: HarContent;
  redirectURL: string;
  headersSize: number;
  bodySize: number;
  comment?: string;
}

export interface HarTimings {
  blocked?: number;
  dns?: number;
  connect?: number;
  send: number;
  wait: number;
  receive: number;
  ssl?: number;
  comment?: string;
}

/** Chrome DevTools' WebSocket message record. */
export interface HarWebSocketMessage {
  type: 'send' | 'receive';
  /** Seconds since the epoch. */
  time: number;
  opcode: number;
  /** Text for text frames, base64 otherwise. */
  data: string;
}

/** What locald adds to each entry. */
export interface HarLocaldEntry {
  /** The id the exchange had where it was exported, so replays can be linked on import. */
  id?: number;
  project: string | null;
  service: string | null;
  route: string | null;
  replayOf: number | null;
  error: ExchangeError | null;
  kind: ExchangeKind;
  forwardedUrl?: string | null;
  clientProtocol?: ClientProtocol;
  upstreamProtocol?: UpstreamProtocolUsed | null;
  state?: ExchangeState;
  clientAddress?: string | null;
  /** host:port of the service connection. */
  upstreamAddress?: string | null;
  /** Request headers as forwarded to the service, and response headers as the service sent them. */
  forwardedRequestHeaders?: HarHeader[];
  upstreamResponseHeaders?: HarHeader[];
  requestTrailers?: HarHeader[];
  responseTrailers?: HarHeader[];
  /** Bytes that crossed the proxy; the HAR's text may hold only the first part of them. */
  requestSize?: number;
  responseSize?: number;
  requestTruncated?: boolean;
  responseTruncated?: boolean;
  messageCount?: number;
  sseEvents?: SseEvent[];
  grpcFrames?: GrpcFrame[];
  logLines?: LogLine[];
}

export interface HarEntry {
  pageref?: string;
  /** ISO 8601. */
  startedDateTime: string;
  /** ms; the sum of the non-negative timings. */
  time: number;
  request: HarRequest;
  response: HarResponse;
  cache: Record<string, unknown>;
  timings: HarTimings;
  serverIPAddress?: string;
  connection?: string;
  comment?: string;
  _locald?: HarLocaldEntry;
  _webSocketMessages?: HarWebSocketMessage[];
  _resourceType?: string;
}

export interface HarCreator {
  name: string;
  version: string;
  comment?: string;
}

export interface HarPage {
  startedDateTime: string;
  id: string;
  title: string;
  pageTimings: { onContentLoad?: number; onLoad?: number; comment?: string };
  comment?: string;
}

export interface HarLog {
  version: string;
  creator: HarCreator;
  browser?: HarCreator;
  pages?: HarPage[];
  entries: HarEntry[];
  comment?: string;
}

export interface Har {
  log: HarLog;
}

/** One problem found while importing a HAR; the entry it names was skipped or partly read. */
export interface HarImportIssue {
  /** Index in log.entries, or null for problems with the file as a whole. */
  entry: number | null;
  /** JSON path of the offending field, e.g. 'log.entries[3].request.url'. */
  path: string;
  message: string;
}
