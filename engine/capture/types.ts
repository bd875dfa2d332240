// Capture-side types that are not (yet) part of shared/traffic.ts.
import type { ClientProtocol, ExchangeKind, ExchangeSummary, GrpcFrame, SseEvent, WebSocketMessage } from '../../shared/traffic.js';
import type { HeaderInput } from './headers.js';

/** What the proxy knows when a request arrives. */
export interface BeginMeta {
  /** Defaults to 'http'; refined to 'grpc', 'grpc-web' or 'sse' from the content types. */
  kind?: ExchangeKind;
  clientProtocol: ClientProtocol;
  method: string;
  /** Host (or :authority) as received. */
  host: string;
  /** Path and query as received. */
  url: string;
  /** Flat raw headers (`req.rawHeaders`) or pairs. Copied, so the caller may reuse its array. */
  requestHeaders: HeaderInput;
  clientAddress?: string | null;
  project?: string | null;
  service?: string | null;
  route?: string | null;
  replayOf?: number | null;
}

/** Options of a TrafficStore beyond the shared CaptureLimits. */
export interface TrafficStoreOptions {
  /** Epoch ms clock; defaults to a sub-millisecond one. */
  now?: () => number;
  /**
   * New and changed exchanges, and the ids of those evicted since the previous call (oldest
   * first; each id once, never also in `changed`), about every `batchIntervalMs`. Called when
   * either is non-empty. Exceptions are swallowed.
   */
  onBatch?: (changed: ExchangeSummary[], evicted: number[]) => void;
  batchIntervalMs?: number;
  /** When false, begin() returns a recorder that records nothing. */
  enabled?: boolean;
  /** Bytes kept per WebSocket message, SSE event or gRPC message (also bounded by maxBodyBytes). */
  maxMessageBytes?: number;
  /** Messages, events or frames kept per exchange; the oldest go first. */
  maxMessagesPerExchange?: number;
  /** Largest permessage-deflate message inflated (compressed input) on the data path. */
  maxInflateInputBytes?: number;
  /** Largest decompressed WebSocket message; beyond it the direction's compression context is lost. */
  maxInflateOutputBytes?: number;
  /** Largest body produced by body(..., decode) and HAR export decoding. */
  maxDecodedBytes?: number;
  /** Service log lines kept with a failed exchange. */
  maxLogLines?: number;
  /** Reported as log.creator.version in HAR exports. */
  version?: string;
}

/**
 * Fields beyond shared/traffic.ts that the store fills in (optional, so they are compatible).
 * Proposed for shared/traffic.ts.
 */
export interface CapturedWebSocketMessage extends WebSocketMessage {
  /** The payload is still permessage-deflate compressed: it could not be inflated. */
  compressed?: boolean;
  /** Why it could not be inflated. */
  note?: string;
}
export interface CapturedSseEvent extends SseEvent {
  /** The data was cut at the per-message cap. */
  truncated?: boolean;
}
export type CapturedGrpcFrame = GrpcFrame;
