// Captured traffic as the engine records it and the inspector shows it.
// Metadata travels in batches; bodies and messages are fetched on demand.
import type { LogLine } from './state.js';

/** Header name/value pairs in wire order, names as the peer sent them. */
export type HeaderList = [name: string, value: string][];

export type ClientProtocol = 'http/1.1' | 'h2' | 'h2c';
export type UpstreamProtocolUsed = 'http/1.1' | 'h2c';
export type ExchangeKind = 'http' | 'websocket' | 'sse' | 'grpc' | 'grpc-web';
export type ExchangeState = 'pending' | 'streaming' | 'complete' | 'error' | 'aborted';

/** The same explanation the error page gives, kept with the exchange. */
export interface ExchangeError {
  /** Stable machine code, e.g. 'service-crashed', 'connection-refused', 'upstream-reset', 'client_aborted', 'websocket-dropped'. */
  code: string;
  title: string;
  detail: string;
}

/** What the list shows: small, sent in batches. */
/** What a rule did to an exchange (shared/rules.ts has the rules themselves; the type lives here so traffic does not depend on rules). */
export type RuleActionKind = 'breakpoint' | 'mock' | 'map' | 'rewrite' | 'delay' | 'throttle' | 'fail';

export interface ExchangeSummary {
  id: number;
  /** Set when this exchange is a replay of another. */
  replayOf: number | null;
  project: string | null;
  service: string | null;
  /** The matched route prefix, e.g. '/api'. */
  route: string | null;
  kind: ExchangeKind;
  clientProtocol: ClientProtocol;
  upstreamProtocol: UpstreamProtocolUsed | null;
  method: string;
  /** Host (or :authority) as received. */
  host: string;
  /** Path and query as received. */
  url: string;
  /** Path and query as forwarded upstream (after strip_prefix). */
  forwardedUrl: string | null;
  status: number | null;
  state: ExchangeState;
  /** Epoch ms. */
  start: number;
  /** ms, once complete. */
  duration: number | null;
  requestSize: number;
  responseSize: number;
  /** Number of WebSocket messages, SSE events or gRPC frames so far. */
  messageCount: number;
  error: ExchangeError | null;
  pinned: boolean;
  /** Response content type, for the list's icons and filters. */
  contentType: string | null;
  /** Read back from traffic persisted by an earlier run of the engine (`[capture] persist`, or pinned). */
  earlier?: boolean;
  /** The rule that decided what happened to this exchange (the first matching one), when a rule acted. */
  ruleId?: string;
  /** What that rule did. */
  ruleAction?: RuleActionKind;
  /** Set while a breakpoint holds the exchange: the paused exchange's id for breakpoints.resume/abort/answer. */
  pausedBy?: string;
}

/** One rule's effect on an exchange, in the order they were applied. */
export interface RuleApplication {
  ruleId: string;
  actions: RuleActionKind[];
}

/**
 * The exchange as it was before rules changed it, where that differs from what ExchangeDetail
 * already keeps twice (requestHeaders/forwardedRequestHeaders, url/forwardedUrl,
 * responseHeaders/forwardedResponseHeaders).
 */
export interface ExchangeRewrite {
  applied: RuleApplication[];
  /** Mapped elsewhere: the target as routing chose it, and as the rule changed it. */
  mappedFrom?: { service: string | null; url: string };
  mappedTo?: { service: string | null; url: string };
  /** The service's status before a response rule changed it. */
  originalStatus?: number;
  /** The bodies before rewriting; fetch them with traffic.body `original: true`. */
  originalRequestBody?: BodyInfo;
  originalResponseBody?: BodyInfo;
}

export interface ExchangeTimings {
  /** Epoch ms when the request arrived. The rest are ms after `start`. */
  start: number;
  upstreamConnected: number | null;
  requestSent: number | null;
  firstByte: number | null;
  end: number | null;
}

export interface BodyInfo {
  /** Bytes that crossed the proxy. */
  size: number;
  /** Bytes kept (<= the per-body cap). */
  captured: number;
  truncated: boolean;
  /** Bodies of evicted unpinned exchanges are dropped when the total cap is hit. */
  dropped: boolean;
}

export type MessageDirection = 'client' | 'server';

export interface WebSocketMessage {
  time: number;
  direction: MessageDirection;
  /** 1 text, 2 binary, 8 close, 9 ping, 10 pong. */
  opcode: number;
  size: number;
  /** Base64 of the (bounded) payload. */
  payload: string;
  truncated: boolean;
}

export interface SseEvent {
  time: number;
  id: string | null;
  event: string | null;
  data: string;
  retry: number | null;
}

export interface GrpcFrame {
  time: number;
  direction: MessageDirection;
  compressed: boolean;
  size: number;
  /** Base64 of the (bounded) message. */
  payload: string;
  truncated: boolean;
}

export interface ExchangeDetail extends ExchangeSummary {
  /** As received from the client, and as forwarded to the service. */
  requestHeaders: HeaderList;
  forwardedRequestHeaders: HeaderList;
  /** As received from the service, and as sent to the client. */
  responseHeaders: HeaderList;
  forwardedResponseHeaders: HeaderList;
  requestTrailers: HeaderList;
  responseTrailers: HeaderList;
  timings: ExchangeTimings;
  requestBody: BodyInfo;
  responseBody: BodyInfo;
  websocketMessages: WebSocketMessage[];
  sseEvents: SseEvent[];
  grpcFrames: GrpcFrame[];
  /** Service log lines written around the time of a failure. */
  logLines: LogLine[];
  upstreamAddress: string | null;
  clientAddress: string | null;
  /** Present when a rule acted: which rules, and the exchange before they changed it. */
  rewrite?: ExchangeRewrite;
}

export interface BodyContent {
  id: number;
  which: 'request' | 'response';
  /** Base64 of the body, decoded from Content-Encoding when `decoded` is true. */
  base64: string;
  contentType: string | null;
  /** The Content-Encoding that was removed, if any. */
  decodedFrom: string | null;
  /** Set when decoding failed; base64 is then the raw bytes. */
  decodeError: string | null;
  size: number;
  truncated: boolean;
}

export interface ReplayEdits {
  method?: string;
  /** Absolute URL (`http://shop.localhost:7700/api/x`) or path-and-query. */
  url?: string;
  headers?: HeaderList;
  /** Base64; Content-Length is fixed automatically. */
  body?: string;
}

export interface CaptureLimits {
  maxExchanges: number;
  maxBodyBytes: number;
  maxTotalBytes: number;
}

/**
 * How full capture is and what it has let go of to stay within its limits. Every retained
 * byte counts: bodies, messages, header lists (as received and as forwarded), URLs, error
 * text and log lines kept with failures. Counters run from engine start (clear() is not
 * counted: that was the user's choice).
 */
export interface CaptureStats {
  limits: CaptureLimits;
  /** Exchanges kept now. */
  exchanges: number;
  /** Bytes kept now, counted against limits.maxTotalBytes (<= it unless pinned exchanges need more). */
  retainedBytes: number;
  /** Exchanges removed whole (the oldest unpinned) to stay within maxExchanges or maxTotalBytes. */
  evictedExchanges: number;
  /** What those exchanges held when they were removed. */
  evictedBytes: number;
  /** Exchanges that stayed listed but lost their bodies and messages to the total cap. */
  droppedBodies: number;
  /** Body and message bytes freed that way. */
  droppedBodyBytes: number;
}

/** The `traffic.evicted` event: exchanges removed whole to stay within the capture limits. */
export interface TrafficEvicted {
  /** Their ids, oldest first. Exchanges that only lost their bodies stay listed and are not here. */
  ids: number[];
}

export const DEFAULT_CAPTURE_LIMITS: CaptureLimits = {
  maxExchanges: 100_000,
  maxBodyBytes: 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
};
