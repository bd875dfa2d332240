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
  ExchangeRewrite,
  ExchangeSummary,
  RuleActionKind,
  HeaderList,
  MessageDirection,
  UpstreamProtocolUsed,
} from '../../shared/traffic.js';
import { CappedBody } from './body-buffer.js';
import type { Evictable } from './eviction.js';
import { headerValue, packHeaderLists, toHeaderList, unpackHeaderLists, type HeaderInput } from './headers.js';
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

const EMPTY_HEADERS: HeaderInput = Object.freeze([]) as HeaderInput;
const REQUEST = 0;
const FORWARDED_REQUEST = 1;
const RESPONSE = 2;
const FORWARDED_RESPONSE = 3;
const REQUEST_TRAILERS = 4;
const RESPONSE_TRAILERS = 5;
const NO_HEADER_LISTS: readonly HeaderInput[] = Object.freeze([EMPTY_HEADERS, EMPTY_HEADERS, EMPTY_HEADERS, EMPTY_HEADERS, EMPTY_HEADERS, EMPTY_HEADERS]);
/** Shared by every exchange without a body; never written to. */
const NO_BODY = Object.freeze(new CappedBody(0)) as CappedBody;
/** Shared by every exchange without messages; replaced on the first push. */
export const NO_ITEMS: never[] = Object.freeze([]) as unknown as never[];
const NO_LOG_LINES: LogLine[] = NO_ITEMS;

/**
 * What one kept message costs beyond its payload (the object, its strings, the list slot),
 * counted towards the total cap so that a flood of tiny messages is bounded too.
 */
export const MESSAGE_OVERHEAD_BYTES = 128;

/**
 * What one kept exchange costs beyond its strings (the record, its summary fields, the ring's
 * slot), counted towards the total cap with its headers, URLs and error text.
 */
export const RECORD_OVERHEAD_BYTES = 512;
/** What a kept string costs beyond its characters: V8's string header and the slot that refers to it. */
const STRING_OVERHEAD_BYTES = 24;
/** What a kept log line costs beyond its text (the object and its small fields). */
const LOG_LINE_OVERHEAD_BYTES = 96;

/** What one kept SSE event's text costs: its data, and its event type and id (a service may make those long too). */
export function sseEventBytes(e: { data: string; event: string | null; id: string | null }): number {
  return e.data.length + (e.event?.length ?? 0) + (e.id?.length ?? 0);
}

function textBytes(s: string | null): number {
  return s === null ? 0 : s.length + STRING_OVERHEAD_BYTES;
}

/** Characters of a header list as kept (flat raw headers or pairs), with each string's overhead. */
function headerListBytes(list: HeaderInput): number {
  let n = 0;
  for (const item of list as readonly unknown[]) {
    if (typeof item === 'string') n += textBytes(item);
    else if (Array.isArray(item)) for (const part of item as unknown[]) n += typeof part === 'string' ? textBytes(part) : STRING_OVERHEAD_BYTES;
  }
  return n;
}

/** µs (integer) → ms. */
function ms(us: number | null): number | null {
  return us === null ? null : us / 1000;
}

/** ms → µs as kept on a record. */
export function toMicros(ms: number | null): number | null {
  return ms === null || !Number.isFinite(ms) ? null : Math.round(ms * 1000);
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
  /** Set when a rule acted on the exchange (issue 14); null for the rest, at one field each. */
  ruleId: string | null = null;
  ruleAction: RuleActionKind | null = null;
  pausedBy: string | null = null;
  rewrite: ExchangeRewrite | null = null;
  /** Bodies before a rule rewrote them, capped like captured bodies. */
  originalBodies: { request?: Buffer; response?: Buffer } | null = null;

  // The six header lists: the arrays as handed over while the exchange is live, then (once it
  // has finished) one packed string; see packHeaderLists for why.
  private heads: HeaderInput[] | null = null;
  private packedHeads: string | null = null;

  // µs after `start`, as integers: a fractional ms would be a boxed number, one more object
  // per field for the collector to keep track of, for as long as the exchange is kept.
  upstreamConnectedUs: number | null = null;
  requestSentUs: number | null = null;
  firstByteUs: number | null = null;
  endUs: number | null = null;

  // Created on the first byte: most exchanges have no request body, and every retained object
  // costs the garbage collector.
  private requestBodyStore: CappedBody | null = null;
  private responseBodyStore: CappedBody | null = null;
  /** WebSocket bytes per direction (they are not bodies, but they are the exchange's size). */
  clientBytes = 0;
  serverBytes = 0;

  websocketMessages: StoredWsMessage[] = NO_ITEMS;
  sseEvents: StoredSseEvent[] = NO_ITEMS;
  grpcFrames: StoredGrpcFrame[] = NO_ITEMS;
  /** Messages seen, kept or not. */
  messageCount = 0;
  /** Bytes the three message lists hold (payloads plus MESSAGE_OVERHEAD_BYTES each). */
  messageBytes = 0;
  /** Bytes of everything else kept (headers, URLs, error, log lines) as last measured by the store. */
  metaBytes = 0;

  logLines: LogLine[] = NO_LOG_LINES;
  upstreamAddress: string | null = null;
  clientAddress: string | null = null;
  /** Read back from the persisted traffic of an earlier run. */
  earlier = false;
  /** Its key in the project's persisted traffic file, once written there (or read from it). */
  persistKey: string | null = null;
  /** Imported from HAR, where content is already decoded. */
  bodiesDecoded = false;
  /** Removed from the store; its recorder must stop touching it. */
  evicted = false;
  /** Queued as a holder of captured bytes (the total cap's eviction order). */
  holding = false;
  /** Listed as changed for the next batch. */
  dirty = false;

  constructor(
    readonly id: number,
    /** Epoch ms. */
    readonly start: number,
    private readonly maxBodyBytes: number,
  ) {}

  private headerLists(): readonly HeaderInput[] {
    if (this.heads !== null) return this.heads;
    if (this.packedHeads !== null) return unpackHeaderLists(this.packedHeads);
    return NO_HEADER_LISTS;
  }

  private setHeaders(index: number, list: HeaderInput): void {
    if (this.heads === null) {
      this.heads = this.packedHeads !== null ? unpackHeaderLists(this.packedHeads) : [...NO_HEADER_LISTS];
      this.packedHeads = null;
    }
    this.heads[index] = list;
  }

  get requestHeaders(): HeaderInput {
    return this.headerLists()[REQUEST] as HeaderInput;
  }
  set requestHeaders(list: HeaderInput) {
    this.setHeaders(REQUEST, list);
  }
  get forwardedRequestHeaders(): HeaderInput {
    return this.headerLists()[FORWARDED_REQUEST] as HeaderInput;
  }
  set forwardedRequestHeaders(list: HeaderInput) {
    this.setHeaders(FORWARDED_REQUEST, list);
  }
  get responseHeaders(): HeaderInput {
    return this.headerLists()[RESPONSE] as HeaderInput;
  }
  set responseHeaders(list: HeaderInput) {
    this.setHeaders(RESPONSE, list);
  }
  get forwardedResponseHeaders(): HeaderInput {
    return this.headerLists()[FORWARDED_RESPONSE] as HeaderInput;
  }
  set forwardedResponseHeaders(list: HeaderInput) {
    this.setHeaders(FORWARDED_RESPONSE, list);
  }
  get requestTrailers(): HeaderInput {
    return this.headerLists()[REQUEST_TRAILERS] as HeaderInput;
  }
  set requestTrailers(list: HeaderInput) {
    this.setHeaders(REQUEST_TRAILERS, list);
  }
  get responseTrailers(): HeaderInput {
    return this.headerLists()[RESPONSE_TRAILERS] as HeaderInput;
  }
  set responseTrailers(list: HeaderInput) {
    this.setHeaders(RESPONSE_TRAILERS, list);
  }

  /**
   * Packs the header lists into one string, for an exchange that will not change any more
   * (finished, or imported): what the ring retains for it is then a handful of objects.
   */
  packHeaders(): void {
    if (this.heads === null) return;
    const packed = packHeaderLists(this.heads);
    if (packed === null) return;
    this.packedHeads = packed;
    this.heads = null;
  }

  get requestBody(): CappedBody {
    return this.requestBodyStore ?? NO_BODY;
  }

  get responseBody(): CappedBody {
    return this.responseBodyStore ?? NO_BODY;
  }

  /** The body to write to, created on first use. */
  writableBody(which: 'request' | 'response'): CappedBody {
    if (which === 'request') return (this.requestBodyStore ??= new CappedBody(this.maxBodyBytes));
    return (this.responseBodyStore ??= new CappedBody(this.maxBodyBytes));
  }

  /** Captured body and message bytes: what dropCaptured() can free. */
  get heldBytes(): number {
    return this.requestBody.captured + this.responseBody.captured + this.messageBytes;
  }

  /** Everything this exchange keeps, as counted against the total cap. */
  get retainedBytes(): number {
    return this.heldBytes + this.metaBytes;
  }

  /**
   * The bytes of what the exchange keeps besides bodies and messages: header lists as received
   * and as forwarded (once each when they are the same list), URLs, host, error text and log
   * lines. An estimate of memory, not of wire bytes; cheap enough to redo on each change.
   */
  measureMeta(): number {
    let n = RECORD_OVERHEAD_BYTES + textBytes(this.url) + textBytes(this.host) + textBytes(this.method);
    if (this.forwardedUrl !== this.url) n += textBytes(this.forwardedUrl);
    if (this.packedHeads !== null) {
      n += textBytes(this.packedHeads);
    } else if (this.heads !== null) {
      const heads = this.heads;
      for (let i = 0; i < heads.length; i++) {
        const list = heads[i] as HeaderInput;
        if (heads.indexOf(list) === i) n += headerListBytes(list);
      }
    }
    const error = this.error;
    if (error !== null) n += textBytes(error.code) + textBytes(error.title) + textBytes(error.detail);
    for (const line of this.logLines) n += LOG_LINE_OVERHEAD_BYTES + (typeof line.text === 'string' ? line.text.length : 0);
    return n;
  }

  get finished(): boolean {
    return this.state === 'complete' || this.state === 'error' || this.state === 'aborted';
  }

  /**
   * Frees the bodies and the kept messages (the total cap); returns the bytes freed. A body
   * stays dropped; messages that arrive later are kept again, so a long-lived stream shows
   * its recent traffic.
   */
  dropCaptured(): number {
    const freed = (this.requestBodyStore?.drop() ?? 0) + (this.responseBodyStore?.drop() ?? 0) + this.messageBytes;
    this.websocketMessages = NO_ITEMS;
    this.sseEvents = NO_ITEMS;
    this.grpcFrames = NO_ITEMS;
    this.messageBytes = 0;
    return freed;
  }

  summary(): ExchangeSummary {
    const out: ExchangeSummary = {
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
      duration: this.finished ? ms(this.endUs) : null,
      requestSize: this.requestBody.size + this.clientBytes,
      responseSize: this.responseBody.size + this.serverBytes,
      messageCount: this.messageCount,
      error: this.error,
      pinned: this.pinned,
      contentType: this.contentType,
    };
    if (this.earlier) out.earlier = true;
    if (this.ruleId !== null) out.ruleId = this.ruleId;
    if (this.ruleAction !== null) out.ruleAction = this.ruleAction;
    if (this.pausedBy !== null) out.pausedBy = this.pausedBy;
    return out;
  }

  detail(): ExchangeDetail {
    const heads = this.headerLists();
    return {
      ...this.summary(),
      requestHeaders: toHeaderList(heads[REQUEST]),
      forwardedRequestHeaders: toHeaderList(heads[FORWARDED_REQUEST]),
      responseHeaders: toHeaderList(heads[RESPONSE]),
      forwardedResponseHeaders: toHeaderList(heads[FORWARDED_RESPONSE]),
      requestTrailers: toHeaderList(heads[REQUEST_TRAILERS]),
      responseTrailers: toHeaderList(heads[RESPONSE_TRAILERS]),
      timings: {
        start: this.start,
        upstreamConnected: ms(this.upstreamConnectedUs),
        requestSent: ms(this.requestSentUs),
        firstByte: ms(this.firstByteUs),
        end: ms(this.endUs),
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
      ...(this.rewrite !== null ? { rewrite: this.rewrite } : {}),
    };
  }

  keepOriginalBody(which: 'request' | 'response', body: Uint8Array): BodyInfo {
    const kept = Buffer.from(body.subarray(0, this.maxBodyBytes));
    this.originalBodies = { ...this.originalBodies, [which]: kept };
    return { size: body.length, captured: kept.length, truncated: kept.length < body.length, dropped: false };
  }

  /** Content-Type of the request or response as captured. */
  contentTypeOf(which: 'request' | 'response'): string | null {
    return headerValue(which === 'request' ? this.requestHeaders : this.responseHeaders, 'content-type');
  }

  headersOf(which: 'request' | 'response'): HeaderList {
    return toHeaderList(which === 'request' ? this.requestHeaders : this.responseHeaders);
  }
}
