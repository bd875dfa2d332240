// One captured exchange as the store keeps it: cheap to update on the data path, turned
// into the shared summary/detail shapes only when someone reads it.
import type { LogLine } from '../../shared/state.js';
import type {
  BodyInfo,
  ClientProtocol,
  ExchangeDetail,
  ExchangeError,
  ExchangeKind,
  ExchangeState,
  ExchangeSummary,
  HeaderList,
  MessageDirection,
  UpstreamProtocolUsed,
} from '../../shared/traffic.js';
import { CappedBody } from './body-buffer.js';
import type { Evictable } from './eviction.js';
import { headerValue, toHeaderList, type HeaderInput } from './headers.js';
import type { CapturedGrpcFrame, CapturedSseEvent, CapturedWebSocketMessage } from './types.js';

export interface StoredWsMessage {
  time: number;
  direction: MessageDirection;
  opcode: number;
  size: number;
  payload: Buffer;
  truncated: boolean;
  compressed: boolean;
  note: string | null;
}

export interface StoredSseEvent {
  time: number;
  id: string | null;
  event: string | null;
  data: string;
  retry: number | null;
  truncated: boolean;
}

export interface StoredGrpcFrame {
  time: number;
  direction: MessageDirection;
  compressed: boolean;
  size: number;
  payload: Buffer;
  truncated: boolean;
}

const EMPTY_HEADERS: HeaderInput = [];
const EMPTY_BUFFER = Buffer.alloc(0);

function ms(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1000) / 1000;
}

function bodyInfo(body: CappedBody): BodyInfo {
  return { size: body.size, captured: body.captured, truncated: body.truncated, dropped: body.dropped };
}

export class ExchangeRecord implements Evictable {
  replayOf: number | null = null;
  project: string | null = null;
  service: string | null = null;
  route: string | null = null;
  kind: ExchangeKind = 'http';
  clientProtocol: ClientProtocol = 'http/1.1';
  upstreamProtocol: UpstreamProtocolUsed | null = null;
  method = 'GET';
  host = '';
  url = '/';
  forwardedUrl: string | null = null;
  status: number | null = null;
  state: ExchangeState = 'pending';
  error: ExchangeError | null = null;
  pinned = false;
  contentType: string | null = null;

  requestHeaders: HeaderInput = EMPTY_HEADERS;
  forwardedRequestHeaders: HeaderInput = EMPTY_HEADERS;
  responseHeaders: HeaderInput = EMPTY_HEADERS;
  forwardedResponseHeaders: HeaderInput = EMPTY_HEADERS;
  requestTrailers: HeaderInput = EMPTY_HEADERS;
  responseTrailers: HeaderInput = EMPTY_HEADERS;

  /** ms after `start`. */
  upstreamConnectedAt: number | null = null;
  requestSentAt: number | null = null;
  firstByteAt: number | null = null;
  endAt: number | null = null;

  readonly requestBody: CappedBody;
  readonly responseBody: CappedBody;
  /** WebSocket bytes per direction (they are not bodies, but they are the exchange's size). */
  clientBytes = 0;
  serverBytes = 0;

  websocketMessages: StoredWsMessage[] = [];
  sseEvents: StoredSseEvent[] = [];
  grpcFrames: StoredGrpcFrame[] = [];
  messageCount = 0;
  /** Payload bytes held by the three message lists. */
  messageBytes = 0;
  /** The total cap took this exchange's bytes: later messages keep metadata only. */
  payloadsDropped = false;

  logLines: LogLine[] = [];
  upstreamAddress: string | null = null;
  clientAddress: string | null = null;
  /** Imported from HAR, where content is already decoded. */
  bodiesDecoded = false;
  /** Removed from the store; its recorder must stop touching it. */
  evicted = false;

  constructor(
    readonly id: number,
    /** Epoch ms. */
    readonly start: number,
    maxBodyBytes: number,
  ) {
    this.requestBody = new CappedBody(maxBodyBytes);
    this.responseBody = new CappedBody(maxBodyBytes);
  }

  get heldBytes(): number {
    return this.requestBody.captured + this.responseBody.captured + this.messageBytes;
  }

  get finished(): boolean {
    return this.state === 'complete' || this.state === 'error' || this.state === 'aborted';
  }

  /** Frees body and message payload bytes; returns how many. */
  dropCaptured(): number {
    let freed = this.requestBody.drop() + this.responseBody.drop();
    for (const m of this.websocketMessages) {
      if (m.payload.length > 0) {
        m.payload = EMPTY_BUFFER;
        m.truncated = true;
      }
    }
    for (const f of this.grpcFrames) {
      if (f.payload.length > 0) {
        f.payload = EMPTY_BUFFER;
        f.truncated = true;
      }
    }
    for (const e of this.sseEvents) {
      if (e.data.length > 0) {
        e.data = '';
        e.truncated = true;
      }
    }
    freed += this.messageBytes;
    this.messageBytes = 0;
    this.payloadsDropped = true;
    return freed;
  }

  summary(): ExchangeSummary {
    return {
      id: this.id,
      replayOf: this.replayOf,
      project: this.project,
      service: this.service,
      route: this.route,
      kind: this.kind,
      clientProtocol: this.clientProtocol,
      upstreamProtocol: this.upstreamProtocol,
      method: this.method,
      host: this.host,
      url: this.url,
      forwardedUrl: this.forwardedUrl,
      status: this.status,
      state: this.state,
      start: this.start,
      duration: this.finished ? ms(this.endAt) : null,
      requestSize: this.requestBody.size + this.clientBytes,
      responseSize: this.responseBody.size + this.serverBytes,
      messageCount: this.messageCount,
      error: this.error,
      pinned: this.pinned,
      contentType: this.contentType,
    };
  }

  detail(): ExchangeDetail {
    return {
      ...this.summary(),
      requestHeaders: toHeaderList(this.requestHeaders),
      forwardedRequestHeaders: toHeaderList(this.forwardedRequestHeaders),
      responseHeaders: toHeaderList(this.responseHeaders),
      forwardedResponseHeaders: toHeaderList(this.forwardedResponseHeaders),
      requestTrailers: toHeaderList(this.requestTrailers),
      responseTrailers: toHeaderList(this.responseTrailers),
      timings: {
        start: this.start,
        upstreamConnected: ms(this.upstreamConnectedAt),
        requestSent: ms(this.requestSentAt),
        firstByte: ms(this.firstByteAt),
        end: ms(this.endAt),
      },
      requestBody: bodyInfo(this.requestBody),
      responseBody: bodyInfo(this.responseBody),
      websocketMessages: this.websocketMessages.map((m): CapturedWebSocketMessage => {
        const out: CapturedWebSocketMessage = {
          time: m.time,
          direction: m.direction,
          opcode: m.opcode,
          size: m.size,
          payload: m.payload.toString('base64'),
          truncated: m.truncated,
        };
        if (m.compressed) out.compressed = true;
        if (m.note !== null) out.note = m.note;
        return out;
      }),
      sseEvents: this.sseEvents.map((e): CapturedSseEvent => {
        const out: CapturedSseEvent = { time: e.time, id: e.id, event: e.event, data: e.data, retry: e.retry };
        if (e.truncated) out.truncated = true;
        return out;
      }),
      grpcFrames: this.grpcFrames.map(
        (f): CapturedGrpcFrame => ({
          time: f.time,
          direction: f.direction,
          compressed: f.compressed,
          size: f.size,
          payload: f.payload.toString('base64'),
          truncated: f.truncated,
        }),
      ),
      logLines: this.logLines.map((l) => ({ ...l })),
      upstreamAddress: this.upstreamAddress,
      clientAddress: this.clientAddress,
    };
  }

  /** Content-Type of the request or response as captured. */
  contentTypeOf(which: 'request' | 'response'): string | null {
    return headerValue(which === 'request' ? this.requestHeaders : this.responseHeaders, 'content-type');
  }

  headersOf(which: 'request' | 'response'): HeaderList {
    return toHeaderList(which === 'request' ? this.requestHeaders : this.responseHeaders);
  }
}
