// The proxy's handle on one exchange. Every method is synchronous, copies at most what the
// caps allow, never throws (capture must not break the data path), and is ignored once the
// exchange has finished or been evicted. Calls may come in any order.
import type { LogLine } from '../../shared/state.js';
import type { ExchangeError, ExchangeRewrite, MessageDirection, RuleActionKind, UpstreamProtocolUsed } from '../../shared/traffic.js';
import { MESSAGE_OVERHEAD_BYTES, NO_ITEMS, sseEventBytes, type ExchangeRecord, type StoredWsMessage } from './exchange-record.js';
import { Base64StreamDecoder, GrpcFrameParser, parseGrpcWebTrailers, type ParsedGrpcFrame } from './grpc-frames.js';
import { keepHeaderInput, headerValue, mediaType, toHeaderList, type HeaderInput } from './headers.js';
import { intern, internOrNull } from './intern.js';
import { SseParser } from './sse-parser.js';
import { MessageInflater, parseDeflateExtension } from './websocket-deflate.js';
import { WsFrameParser, type ParsedWsMessage } from './websocket-frames.js';

export interface ExchangeRecorder {
  /** The exchange's id in the store (0 for the no-op recorder). */
  readonly id: number;
  /** Path and query and headers as sent to the service; `upstreamProtocol` 'http/1.1' or 'h2c'. */
  forwarded(forwardedUrl: string, forwardedRequestHeaders: HeaderInput, upstreamProtocol: UpstreamProtocolUsed): void;
  /** A connection to the service is ready (`address` like '127.0.0.1:4123'). */
  upstreamConnected(address: string): void;
  /** The whole request (headers and body) has been handed to the service. */
  requestSent(): void;
  requestChunk(chunk: Uint8Array): void;
  requestTrailers(trailers: HeaderInput): void;
  /** Response headers: as received from the service and as sent to the client. */
  response(status: number, responseHeaders: HeaderInput, forwardedResponseHeaders?: HeaderInput): void;
  responseChunk(chunk: Uint8Array): void;
  responseTrailers(trailers: HeaderInput): void;
  /**
   * locald answered the client itself (an error page): its status, headers and body become the
   * response as sent. Headers the service sent first, if any, stay as the ones received.
   */
  answeredByProxy(status: number, headers: HeaderInput, body: Uint8Array): void;
  /** Raw bytes of one direction of an upgraded WebSocket connection, after the 101. */
  websocketFrameBytes(direction: MessageDirection, chunk: Uint8Array): void;
  /** The exchange completed (response ended, or the WebSocket closed). */
  end(): void;
  /** The proxy gave up on the exchange; `logLines` are the service's lines around the failure. */
  fail(error: ExchangeError, logLines?: readonly LogLine[], status?: number): void;
  /** The client went away before the exchange completed. */
  abort(reason?: string): void;
  /** A rule acted: which one and what it did; `rewrite` merges into what was recorded before. */
  ruleActed(ruleId: string | null, ruleAction: RuleActionKind | null, rewrite: Partial<ExchangeRewrite>): void;
  /** The body before a rule rewrote it (the captured one is what went on); traffic.body `original: true`. */
  originalBody(which: 'request' | 'response', body: Uint8Array): void;
  /** A breakpoint holds the exchange (its id), or let it go (null). */
  pausedBy(id: string | null): void;
}

/** What a recorder needs from its store. */
export interface RecorderHost {
  now(): number;
  touch(record: ExchangeRecord): void;
  /** Captured bytes held by `record` changed by `delta`. */
  account(record: ExchangeRecord, delta: number): void;
  /** Headers, URLs, error or log lines of `record` changed: measure what it keeps again. */
  remeasure(record: ExchangeRecord): void;
  /** `record` has finished (complete, error or aborted): nothing more will be recorded. */
  finished(record: ExchangeRecord): void;
  readonly maxMessageBytes: number;
  readonly maxMessagesPerExchange: number;
  readonly maxInflateInputBytes: number;
  readonly maxInflateOutputBytes: number;
  readonly maxLogLines: number;
}

function noop(): void {}

/** Records nothing; what begin() returns while capture is off. */
export const NOOP_RECORDER: ExchangeRecorder = Object.freeze({
  id: 0,
  forwarded: noop,
  upstreamConnected: noop,
  requestSent: noop,
  requestChunk: noop,
  requestTrailers: noop,
  response: noop,
  responseChunk: noop,
  responseTrailers: noop,
  answeredByProxy: noop,
  websocketFrameBytes: noop,
  end: noop,
  fail: noop,
  abort: noop,
  ruleActed: noop,
  originalBody: noop,
  pausedBy: noop,
});

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

function str(value: unknown, max = 64 * 1024): string {
  const s = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  return s.length > max ? s.slice(0, max) : s;
}

/** Content-Length as a number, or 0 when absent or malformed. */
function declaredLength(headers: HeaderInput): number {
  const value = headerValue(headers, 'content-length');
  if (value === null) return 0;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

type GrpcMode = 'binary' | 'text';

function grpcMode(contentType: string | null): GrpcMode | null {
  const type = mediaType(contentType);
  if (type === null || !type.startsWith('application/grpc')) return null;
  return type.startsWith('application/grpc-web-text') ? 'text' : 'binary';
}

interface GrpcTap {
  parser: GrpcFrameParser;
  base64: Base64StreamDecoder | null;
}

export class Recorder implements ExchangeRecorder {
  private requestGrpc: GrpcTap | null = null;
  private responseGrpc: GrpcTap | null = null;
  private sse: SseParser | null = null;
  private wsClient: WsFrameParser | null = null;
  private wsServer: WsFrameParser | null = null;
  /** A WebSocket close frame went by (either way): the connection was closed, not dropped. */
  private wsCloseSeen = false;

  constructor(
    private readonly host: RecorderHost,
    private readonly record: ExchangeRecord,
  ) {
    const length = declaredLength(record.requestHeaders);
    if (length > 0) record.writableBody('request').expect(length);
    const type = record.contentTypeOf('request');
    const mode = grpcMode(type);
    if (mode !== null) {
      if (record.kind === 'http') record.kind = mediaType(type)?.startsWith('application/grpc-web') === true ? 'grpc-web' : 'grpc';
      this.requestGrpc = this.grpcTap('client', mode);
    }
  }

  get id(): number {
    return this.record.id;
  }

  private get closed(): boolean {
    return this.record.evicted || this.record.finished;
  }

  /** µs since the exchange began, an integer (see ExchangeRecord's timings). */
  private elapsed(): number {
    return Math.max(0, Math.round((this.host.now() - this.record.start) * 1000));
  }

  private get messageCap(): number {
    return this.host.maxMessageBytes;
  }

  forwarded(forwardedUrl: string, forwardedRequestHeaders: HeaderInput, upstreamProtocol: UpstreamProtocolUsed): void {
    if (this.closed) return;
    try {
      const r = this.record;
      const url = str(forwardedUrl);
      r.forwardedUrl = url === r.url ? r.url : intern(url);
      r.forwardedRequestHeaders = keepHeaderInput(forwardedRequestHeaders);
      r.upstreamProtocol = upstreamProtocol === 'h2c' ? 'h2c' : 'http/1.1';
      this.host.remeasure(r);
      this.host.touch(r);
    } catch {
      // Capture observes; it never breaks the data path.
    }
  }

  upstreamConnected(address: string): void {
    if (this.closed) return;
    try {
      this.record.upstreamAddress = intern(str(address, 256));
      if (this.record.upstreamConnectedUs === null) this.record.upstreamConnectedUs = this.elapsed();
      this.host.touch(this.record);
    } catch {
      // ignore
    }
  }

  requestSent(): void {
    if (this.closed) return;
    try {
      if (this.record.requestSentUs === null) this.record.requestSentUs = this.elapsed();
      this.host.touch(this.record);
    } catch {
      // ignore
    }
  }

  ruleActed(ruleId: string | null, ruleAction: RuleActionKind | null, rewrite: Partial<ExchangeRewrite>): void {
    if (this.record.evicted) return;
    const r = this.record;
    if (r.ruleId === null && ruleId !== null) {
      r.ruleId = ruleId;
      r.ruleAction = ruleAction;
    }
    const applied = [...(r.rewrite?.applied ?? []), ...(rewrite.applied ?? [])];
    r.rewrite = { ...r.rewrite, ...rewrite, applied };
    this.host.touch(r);
  }

  originalBody(which: 'request' | 'response', body: Uint8Array): void {
    if (this.record.evicted) return;
    const info = this.record.keepOriginalBody(which, body);
    this.ruleActed(null, null, which === 'request' ? { originalRequestBody: info } : { originalResponseBody: info });
  }

  pausedBy(id: string | null): void {
    if (this.record.evicted) return;
    this.record.pausedBy = id;
    this.host.touch(this.record);
  }

  requestChunk(chunk: Uint8Array): void {
    if (this.closed || !isBytes(chunk)) return;
    try {
      const r = this.record;
      const kept = r.writableBody('request').append(chunk);
      if (kept > 0) this.host.account(r, kept);
      if (this.requestGrpc !== null) this.pushGrpc(this.requestGrpc, chunk);
      this.host.touch(r);
    } catch {
      // ignore
    }
  }

  requestTrailers(trailers: HeaderInput): void {
    if (this.closed) return;
    try {
      this.record.requestTrailers = keepHeaderInput(trailers);
      this.host.remeasure(this.record);
      this.host.touch(this.record);
    } catch {
      // ignore
    }
  }

  response(status: number, responseHeaders: HeaderInput, forwardedResponseHeaders?: HeaderInput): void {
    if (this.closed) return;
    try {
      const r = this.record;
      r.status = Number.isInteger(status) && status >= 0 && status <= 999 ? status : null;
      r.responseHeaders = keepHeaderInput(responseHeaders);
      r.forwardedResponseHeaders = forwardedResponseHeaders === undefined ? r.responseHeaders : keepHeaderInput(forwardedResponseHeaders);
      if (r.firstByteUs === null) r.firstByteUs = this.elapsed();
      if (r.requestSentUs === null) r.requestSentUs = r.firstByteUs;
      r.state = 'streaming';
      const length = declaredLength(r.responseHeaders);
      if (length > 0) r.writableBody('response').expect(length);
      const type = headerValue(r.responseHeaders, 'content-type');
      r.contentType = internOrNull(type);
      const media = mediaType(type);
      if (r.status === 101) {
        const upgrade = headerValue(r.requestHeaders, 'upgrade');
        if (r.kind === 'http' && upgrade !== null && upgrade.trim().toLowerCase() === 'websocket') r.kind = 'websocket';
      } else if (media === 'text/event-stream') {
        if (r.kind === 'http') r.kind = 'sse';
        this.sse = new SseParser((e) => this.addSse(e), this.messageCap);
      } else {
        const mode = grpcMode(type);
        if (mode !== null) {
          if (r.kind === 'http') r.kind = media?.startsWith('application/grpc-web') === true ? 'grpc-web' : 'grpc';
          this.responseGrpc = this.grpcTap('server', mode);
        }
      }
      // Headers rarely change after this (trailers unpack them again): a WebSocket, stream or
      // slow body then holds one string rather than every header array for its whole life.
      r.packHeaders();
      this.host.remeasure(r);
      this.host.touch(r);
    } catch {
      // ignore
    }
  }

  responseChunk(chunk: Uint8Array): void {
    if (this.closed || !isBytes(chunk)) return;
    try {
      const r = this.record;
      if (r.firstByteUs === null) r.firstByteUs = this.elapsed();
      const kept = r.writableBody('response').append(chunk);
      if (kept > 0) this.host.account(r, kept);
      if (this.sse !== null) this.sse.push(chunk);
      else if (this.responseGrpc !== null) this.pushGrpc(this.responseGrpc, chunk);
      this.host.touch(r);
    } catch {
      // ignore
    }
  }

  responseTrailers(trailers: HeaderInput): void {
    if (this.closed) return;
    try {
      this.record.responseTrailers = keepHeaderInput(trailers);
      this.host.remeasure(this.record);
      this.host.touch(this.record);
    } catch {
      // ignore
    }
  }

  answeredByProxy(status: number, headers: HeaderInput, body: Uint8Array): void {
    if (this.closed) return;
    const r = this.record;
    const fromService = r.status !== null ? r.responseHeaders : null;
    this.response(status, fromService ?? headers, headers);
    if (isBytes(body) && body.byteLength > 0) this.responseChunk(body);
  }

  websocketFrameBytes(direction: MessageDirection, chunk: Uint8Array): void {
    if (this.closed || !isBytes(chunk)) return;
    try {
      const r = this.record;
      if (r.kind === 'http') r.kind = 'websocket';
      if (direction === 'client') {
        r.clientBytes += chunk.byteLength;
        this.wsClient ??= this.wsParser('client');
        this.wsClient.push(chunk);
      } else if (direction === 'server') {
        r.serverBytes += chunk.byteLength;
        if (r.firstByteUs === null) r.firstByteUs = this.elapsed();
        this.wsServer ??= this.wsParser('server');
        this.wsServer.push(chunk);
      } else {
        return;
      }
      this.host.touch(r);
    } catch {
      // ignore
    }
  }

  end(): void {
    if (this.closed) return;
    try {
      this.sse?.end();
      if (this.webSocketDropped()) {
        this.record.error = {
          code: 'websocket-dropped',
          title: 'The WebSocket connection dropped',
          detail: 'The connection closed without a WebSocket close frame from either side (an abnormal closure, 1006): one side went away or broke off.',
        };
        this.finish('error');
        return;
      }
      this.finish('complete');
    } catch {
      // ignore
    }
  }

  /**
   * An upgraded WebSocket ending without a close frame either way is a dropped connection
   * (a service that died, a client that vanished); a close handshake (1000, 1001, …) is a
   * normal end. Unknowable when a direction's frames could not be parsed.
   */
  private webSocketDropped(): boolean {
    const r = this.record;
    if (r.kind !== 'websocket' || r.status !== 101 || this.wsCloseSeen) return false;
    return (this.wsClient?.error ?? null) === null && (this.wsServer?.error ?? null) === null;
  }

  fail(error: ExchangeError, logLines?: readonly LogLine[], status?: number): void {
    if (this.closed) return;
    try {
      const e = (typeof error === 'object' && error !== null ? error : {}) as Partial<ExchangeError>;
      const r = this.record;
      r.error = { code: str(e.code, 200) || 'error', title: str(e.title, 1000), detail: str(e.detail) };
      if (Array.isArray(logLines)) {
        const from = Math.max(0, logLines.length - this.host.maxLogLines);
        r.logLines = logLines.slice(from).filter((l): l is LogLine => typeof l === 'object' && l !== null);
      }
      if (typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 999) r.status = status;
      this.finish('error');
    } catch {
      // ignore
    }
  }

  abort(reason?: string): void {
    if (this.closed) return;
    // An event stream has no end of its own: the client closing it is how it normally ends
    // (EventSource.close(), a page navigating away), not an error. Before the stream began,
    // the client going away is still an abort.
    if (this.sse !== null) {
      this.end();
      return;
    }
    try {
      this.record.error = {
        code: 'client_aborted',
        title: 'The client went away',
        detail: str(reason) || 'The client closed the connection before the exchange completed.',
      };
      this.finish('aborted');
    } catch {
      // ignore
    }
  }

  private finish(state: 'complete' | 'error' | 'aborted'): void {
    const r = this.record;
    r.state = state;
    r.endUs = this.elapsed();
    r.requestBody.compact();
    r.responseBody.compact();
    r.packHeaders();
    this.host.remeasure(r);
    this.sse = null;
    this.requestGrpc = null;
    this.responseGrpc = null;
    this.wsClient = null;
    this.wsServer = null;
    this.host.touch(r);
    this.host.finished(r);
  }

  private grpcTap(direction: MessageDirection, mode: GrpcMode): GrpcTap {
    return {
      parser: new GrpcFrameParser((f) => this.addGrpc(direction, f), this.messageCap),
      base64: mode === 'text' ? new Base64StreamDecoder() : null,
    };
  }

  private pushGrpc(tap: GrpcTap, chunk: Uint8Array): void {
    if (tap.base64 === null) {
      tap.parser.push(chunk);
      return;
    }
    const decoded = tap.base64.push(chunk);
    if (decoded !== null && decoded.length > 0) tap.parser.push(decoded);
  }

  private wsParser(direction: MessageDirection): WsFrameParser {
    const deflate = parseDeflateExtension(toHeaderList(this.record.responseHeaders));
    const noTakeover = direction === 'client' ? deflate?.clientNoContextTakeover : deflate?.serverNoContextTakeover;
    const inflater = deflate === null ? null : new MessageInflater(noTakeover !== true, this.host.maxInflateOutputBytes);
    return new WsFrameParser((m) => this.addWs(direction, m), {
      maxPayload: this.messageCap,
      inflater,
      maxCompressed: this.host.maxInflateInputBytes,
    });
  }

  private addWs(direction: MessageDirection, m: ParsedWsMessage): void {
    if (m.opcode === 8) this.wsCloseSeen = true;
    const stored: StoredWsMessage = {
      time: this.host.now(),
      direction,
      opcode: m.opcode,
      size: m.size,
      payload: m.payload,
      truncated: m.truncated,
      compressed: m.compressed,
      note: m.note,
    };
    this.record.websocketMessages = this.append(this.record.websocketMessages, stored, m.payload.length, (x) => x.payload.length);
  }

  private addSse(e: { id: string | null; event: string | null; data: string; retry: number | null; truncated: boolean }): void {
    const stored = { time: this.host.now(), id: e.id, event: e.event, data: e.data, retry: e.retry, truncated: e.truncated };
    this.record.sseEvents = this.append(this.record.sseEvents, stored, sseEventBytes(stored), sseEventBytes);
  }

  private addGrpc(direction: MessageDirection, f: ParsedGrpcFrame): void {
    const r = this.record;
    if (f.trailers && direction === 'server') {
      // gRPC-Web carries the status in a trailers frame inside the body.
      r.responseTrailers = parseGrpcWebTrailers(f.payload);
      return;
    }
    const stored = { time: this.host.now(), direction, compressed: f.compressed, size: f.size, payload: f.payload, truncated: f.truncated };
    r.grpcFrames = this.append(r.grpcFrames, stored, f.payload.length, (x) => x.payload.length);
  }

  /** Appends to a bounded list (the oldest tenth goes when it is full); returns the list to keep. */
  private append<T>(list: T[], item: T, payloadBytes: number, payloadOf: (x: T) => number): T[] {
    const r = this.record;
    r.messageCount++;
    let delta = payloadBytes + MESSAGE_OVERHEAD_BYTES;
    let out = list;
    if (out === NO_ITEMS) {
      out = [];
    } else if (out.length >= this.host.maxMessagesPerExchange) {
      const removed = out.splice(0, Math.max(1, Math.floor(this.host.maxMessagesPerExchange / 10)));
      for (const x of removed) delta -= payloadOf(x) + MESSAGE_OVERHEAD_BYTES;
    }
    out.push(item);
    r.messageBytes += delta;
    if (delta !== 0) this.host.account(r, delta);
    return out;
  }
}
