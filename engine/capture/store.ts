// The traffic capture store: a bounded ring of exchanges fed by recorders on the proxy's
// data path, read by the engine API. Limits: `maxExchanges` (oldest unpinned evicted),
// `maxBodyBytes` per body (the rest counted, not kept), and `maxTotalBytes` across every kept
// byte: bodies and messages, and also header lists, URLs, error text and log lines. Over the
// total, the oldest unpinned exchanges lose their bodies and messages (and stay listed) for the
// bodies' share of the excess, and the oldest unpinned go whole for the rest (see
// enforceTotal). Pinned exchanges keep everything. Changes reach `onBatch` as summaries, about every `batchIntervalMs`,
// together with the ids of the exchanges evicted since the previous batch.
import { performance } from 'node:perf_hooks';
import type { BodyContent, CaptureLimits, CaptureStats, ExchangeDetail, ExchangeSummary } from '../../shared/traffic.js';
import { DEFAULT_CAPTURE_LIMITS } from '../../shared/traffic.js';
import type { Har, HarEntry, HarImportIssue } from '../../shared/har.js';
import { decodeBody } from './content-decoding.js';
import { EvictionQueue, type Evictable } from './eviction.js';
import { ExchangeRecord, MESSAGE_OVERHEAD_BYTES, sseEventBytes, toMicros } from './exchange-record.js';
import { fromHar, toHar, type HarBody, type HarInput, type ImportedEntry } from './har.js';
import { contentCodings, keepHeaderInput } from './headers.js';
import { intern, internOrNull } from './intern.js';
import { NOOP_RECORDER, Recorder, type ExchangeRecorder, type RecorderHost } from './recorder.js';
import type { BeginMeta, TrafficStoreOptions } from './types.js';

const KINDS = new Set(['http', 'websocket', 'sse', 'grpc', 'grpc-web']);
const CLIENT_PROTOCOLS = new Set(['http/1.1', 'h2', 'h2c']);

function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

function positive(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : fallback;
}

function optionalText(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Where finished, pinned and cleared exchanges go to outlive the engine (see persistence.ts). */
export interface PersistSink {
  finished(record: ExchangeRecord): void;
  pinChanged(record: ExchangeRecord): void;
  cleared(): void;
}

export class TrafficStore implements RecorderHost {
  private sink: PersistSink | null = null;
  private limits: CaptureLimits;
  private readonly records = new Map<number, ExchangeRecord>();
  /** Every record in arrival order: the ring's eviction order. */
  private readonly ring = new EvictionQueue<ExchangeRecord>();
  /** Records holding captured bytes, in the order they started holding them: the total cap's order. */
  private readonly holders = new EvictionQueue<ExchangeRecord>();
  /** Live records flagged `holding`: how many of the holders queue's entries are not dead. */
  private holderCount = 0;
  /** Records changed since the last batch (each flagged `dirty`, so it is listed once). */
  private dirty: ExchangeRecord[] = [];
  /** Ids evicted since the last batch, in eviction order; each is reported once, with the next batch. */
  private evictedIds: number[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private nextId = 1;
  /** Every retained byte of the kept exchanges (their retainedBytes), the total cap's measure. */
  private total = 0;
  /** The part of `total` that is not bodies and messages (headers, URLs, errors: metaBytes). */
  private metaTotal = 0;
  private enabled: boolean;
  /** What the limits made capture let go of, for the UI to say (see CaptureStats). */
  private evictedExchanges = 0;
  private evictedBytes = 0;
  private droppedBodies = 0;
  private droppedBodyBytes = 0;

  private readonly clock: () => number;
  private readonly onBatch: TrafficStoreOptions['onBatch'];
  private readonly batchIntervalMs: number;
  private readonly messageBytesOption: number;
  readonly maxMessagesPerExchange: number;
  readonly maxInflateInputBytes: number;
  readonly maxInflateOutputBytes: number;
  readonly maxLogLines: number;
  private readonly maxDecodedBytes: number;
  private readonly version: string;

  constructor(limits: CaptureLimits = DEFAULT_CAPTURE_LIMITS, options: TrafficStoreOptions = {}) {
    this.limits = TrafficStore.sane(limits);
    this.clock = options.now ?? preciseNow;
    this.onBatch = options.onBatch;
    this.batchIntervalMs = positive(options.batchIntervalMs, 100);
    this.enabled = options.enabled ?? true;
    this.messageBytesOption = positive(options.maxMessageBytes, 256 * 1024);
    this.maxMessagesPerExchange = Math.max(1, positive(options.maxMessagesPerExchange, 10_000));
    this.maxInflateInputBytes = positive(options.maxInflateInputBytes, 4 * 1024 * 1024);
    this.maxInflateOutputBytes = positive(options.maxInflateOutputBytes, 16 * 1024 * 1024);
    this.maxDecodedBytes = positive(options.maxDecodedBytes, 64 * 1024 * 1024);
    this.maxLogLines = positive(options.maxLogLines, 200);
    this.version = options.version ?? '0.0.0';
  }

  private static sane(limits: CaptureLimits): CaptureLimits {
    return {
      maxExchanges: Math.max(1, positive(limits.maxExchanges, DEFAULT_CAPTURE_LIMITS.maxExchanges)),
      maxBodyBytes: positive(limits.maxBodyBytes, DEFAULT_CAPTURE_LIMITS.maxBodyBytes),
      maxTotalBytes: positive(limits.maxTotalBytes, DEFAULT_CAPTURE_LIMITS.maxTotalBytes),
    };
  }

  // --- RecorderHost ---

  now(): number {
    return this.clock();
  }

  get maxMessageBytes(): number {
    return Math.min(this.messageBytesOption, this.limits.maxBodyBytes);
  }

  touch(record: ExchangeRecord): void {
    if (record.dirty || record.evicted || this.closed || this.onBatch === undefined) return;
    record.dirty = true;
    this.dirty.push(record);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => this.flush(), this.batchIntervalMs);
    this.timer.unref();
  }

  account(record: ExchangeRecord, delta: number): void {
    if (record.evicted) return;
    this.total += delta;
    if (delta > 0 && !record.holding) {
      record.holding = true;
      this.holderCount++;
      this.holders.push(record);
    }
    if (this.total > this.limits.maxTotalBytes) this.enforceTotal(record);
  }

  remeasure(record: ExchangeRecord): void {
    if (record.evicted) return;
    const bytes = record.measureMeta();
    const delta = bytes - record.metaBytes;
    if (delta === 0) return;
    record.metaBytes = bytes;
    this.total += delta;
    this.metaTotal += delta;
    if (this.total > this.limits.maxTotalBytes) this.enforceTotal(record);
  }

  finished(record: ExchangeRecord): void {
    if (record.evicted || this.sink === null) return;
    try {
      this.sink.finished(record);
    } catch {
      // Persistence failing must not stop capture (the sink reports its own failures).
    }
  }

  setPersistSink(sink: PersistSink | null): void {
    this.sink = sink;
  }

  /** One exchange as a HAR entry, bodies decoded as export decodes them: what persistence writes. */
  harEntry(record: ExchangeRecord): HarEntry {
    const har = toHar([{ detail: record.detail(), requestBody: this.harBody(record, 'request'), responseBody: this.harBody(record, 'response') }], this.version);
    return har.log.entries[0] as HarEntry;
  }

  // --- recording ---

  get isEnabled(): boolean {
    return this.enabled;
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
  }

  /** Starts recording one exchange. Never throws; returns a no-op recorder when capture is off. */
  begin(meta: BeginMeta): ExchangeRecorder {
    if (!this.enabled || this.closed) return NOOP_RECORDER;
    try {
      const record = new ExchangeRecord(this.nextId++, this.clock(), this.limits.maxBodyBytes);
      const m = (typeof meta === 'object' && meta !== null ? meta : {}) as Partial<BeginMeta>;
      if (typeof m.kind === 'string' && KINDS.has(m.kind)) record.kind = m.kind;
      if (typeof m.clientProtocol === 'string' && CLIENT_PROTOCOLS.has(m.clientProtocol)) record.clientProtocol = m.clientProtocol;
      record.method = intern(optionalText(m.method) ?? 'GET');
      record.host = intern(optionalText(m.host) ?? '');
      record.url = intern(optionalText(m.url) ?? '/');
      record.requestHeaders = keepHeaderInput(m.requestHeaders);
      record.clientAddress = internOrNull(optionalText(m.clientAddress));
      record.project = optionalText(m.project);
      record.service = optionalText(m.service);
      record.route = optionalText(m.route);
      record.replayOf = typeof m.replayOf === 'number' && Number.isInteger(m.replayOf) ? m.replayOf : null;
      this.add(record);
      return new Recorder(this, record);
    } catch {
      return NOOP_RECORDER;
    }
  }

  private add(record: ExchangeRecord): void {
    this.records.set(record.id, record);
    this.ring.push(record);
    this.touch(record);
    this.enforceRing(record);
    this.remeasure(record);
  }

  private static readonly isGone = (r: ExchangeRecord): boolean => r.evicted;

  // Side effect on purpose: a record that is passed over stops being queued as a holder.
  private readonly holdsNothing = (r: ExchangeRecord): boolean => {
    if (r.evicted || r.heldBytes <= 0) {
      this.stopHolding(r);
      return true;
    }
    return false;
  };

  private stopHolding(r: ExchangeRecord): void {
    if (!r.holding) return;
    r.holding = false;
    this.holderCount--;
  }

  /**
   * Lets go of evicted exchanges in the holders queue. Without this, while the total cap is
   * never reached (small bodies), every evicted exchange stayed referenced from the queue for
   * good: memory, and the collector's work, grew without bound. The queue is in nearly the
   * ring's order, so the dead are mostly at its front; a full prune catches the rest (behind
   * pinned ones) once they are a fifth of the queue: amortised O(1) per eviction.
   */
  private pruneHolders(): void {
    this.holders.dropDeadFront(this.holdsNothing);
    if (this.holders.length > this.holderCount + Math.max(1024, this.holderCount >> 2)) this.holders.prune(this.holdsNothing);
  }

  /** Evicts the oldest unpinned exchanges beyond maxExchanges; `keep` (the newest) stays. */
  private enforceRing(keep?: ExchangeRecord): void {
    const excess = this.records.size - this.limits.maxExchanges;
    if (excess <= 0) return;
    for (const victim of this.ring.takeOldestUnpinned(excess, TrafficStore.isGone, keep)) this.evict(victim);
    this.pruneHolders();
  }

  /** Removes an exchange to make room, counting what went and queueing its id for subscribers. */
  private evict(record: ExchangeRecord): void {
    if (record.evicted) return;
    this.evictedExchanges++;
    this.evictedBytes += record.retainedBytes;
    this.remove(record);
    // Every evicted id, also of exchanges no batch has named yet: a traffic.list snapshot may have.
    if (this.closed || this.onBatch === undefined) return;
    this.evictedIds.push(record.id);
    this.scheduleFlush();
  }

  private remove(record: ExchangeRecord): void {
    if (record.evicted) return;
    this.total -= record.retainedBytes;
    this.metaTotal -= record.metaBytes;
    record.evicted = true;
    this.stopHolding(record);
    this.records.delete(record.id);
  }

  private static readonly retainedBytesOf = (r: ExchangeRecord): number => r.retainedBytes;

  /**
   * Brings the total back under the cap. Bodies and messages give up their share of the
   * excess: the oldest unpinned exchanges lose theirs and stay listed. The rest comes from
   * evicting the oldest unpinned exchanges whole. (Dropping bodies alone, when headers and
   * URLs are most of the total, would strip every kept exchange of its small body to make
   * room for one new exchange's headers.) `keep` (the exchange being recorded) stays.
   */
  private enforceTotal(keep?: ExchangeRecord): void {
    const over = this.total - this.limits.maxTotalBytes;
    const fromBodies = Math.ceil((over * (this.total - this.metaTotal)) / this.total);
    for (const victim of this.holders.takeForBytes(fromBodies, this.holdsNothing)) {
      this.stopHolding(victim);
      const freed = victim.dropCaptured();
      this.total -= freed;
      this.droppedBodies++;
      this.droppedBodyBytes += freed;
      this.touch(victim);
    }
    const excess = this.total - this.limits.maxTotalBytes;
    if (excess <= 0) return;
    for (const victim of this.ring.takeForBytes(excess, TrafficStore.isGone, keep, TrafficStore.retainedBytesOf)) this.evict(victim);
    this.pruneHolders();
  }

  /** Applies new limits; existing exchanges are evicted or dropped to fit. */
  setLimits(limits: CaptureLimits): void {
    this.limits = TrafficStore.sane(limits);
    this.enforceRing();
    if (this.total > this.limits.maxTotalBytes) this.enforceTotal();
  }

  getLimits(): CaptureLimits {
    return { ...this.limits };
  }

  // --- batching ---

  /** Delivers pending changes now (the timer does this on its own). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const dirty = this.dirty;
    const evicted = this.evictedIds;
    if (dirty.length === 0 && evicted.length === 0) return;
    this.dirty = [];
    this.evictedIds = [];
    // O(changed): evicted records are skipped here rather than searched for on eviction.
    const changed: ExchangeSummary[] = [];
    for (const record of dirty) {
      record.dirty = false;
      if (!record.evicted) changed.push(record.summary());
    }
    const onBatch = this.onBatch;
    if ((changed.length === 0 && evicted.length === 0) || onBatch === undefined) return;
    try {
      onBatch(changed, evicted);
    } catch {
      // A failing listener must not stop capture.
    }
  }

  /** Stops the batch timer; later recording is ignored. */
  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const record of this.dirty) record.dirty = false;
    this.dirty = [];
    this.evictedIds = [];
  }

  // --- queries ---

  get size(): number {
    return this.records.size;
  }

  /** Every retained byte across all exchanges (bodies, messages, headers, URLs, errors): what maxTotalBytes bounds. */
  get totalBytes(): number {
    return this.total;
  }

  /** How full capture is and what its limits made it let go of. */
  stats(): CaptureStats {
    return {
      limits: this.getLimits(),
      exchanges: this.records.size,
      retainedBytes: this.total,
      evictedExchanges: this.evictedExchanges,
      evictedBytes: this.evictedBytes,
      droppedBodies: this.droppedBodies,
      droppedBodyBytes: this.droppedBodyBytes,
    };
  }

  /** The newest `limit` exchanges (all by default), oldest first. */
  list(limit?: number): ExchangeSummary[] {
    const all = [...this.records.values()];
    const from = typeof limit === 'number' && limit >= 0 && limit < all.length ? all.length - Math.floor(limit) : 0;
    const out: ExchangeSummary[] = [];
    for (let i = from; i < all.length; i++) out.push((all[i] as ExchangeRecord).summary());
    return out;
  }

  summary(id: number): ExchangeSummary | undefined {
    return this.records.get(id)?.summary();
  }

  get(id: number): ExchangeDetail | undefined {
    return this.records.get(id)?.detail();
  }

  /**
   * A captured body, undoing Content-Encoding when `decode` is true. If decoding fails the raw
   * bytes come back with `decodeError`. Undefined for an unknown id.
   */
  body(id: number, which: 'request' | 'response', decode = true, original = false): BodyContent | undefined {
    const record = this.records.get(id);
    if (record === undefined) return undefined;
    const kept = original ? record.originalBodies?.[which] : undefined;
    if (kept !== undefined) return { id, which, base64: kept.toString('base64'), contentType: record.contentTypeOf(which), decodedFrom: null, decodeError: null, size: kept.length, truncated: false };
    const body = which === 'request' ? record.requestBody : record.responseBody;
    const raw = body.bytes();
    let out = raw;
    let decodedFrom: string | null = null;
    let decodeError: string | null = null;
    if (decode && !record.bodiesDecoded && !body.dropped) {
      const result = decodeBody(raw, contentCodings(record.headersOf(which)), body.truncated, this.maxDecodedBytes);
      out = result.body;
      decodedFrom = result.decodedFrom;
      decodeError = result.error;
    }
    return {
      id,
      which,
      base64: out.toString('base64'),
      contentType: record.contentTypeOf(which),
      decodedFrom,
      decodeError,
      size: body.size,
      truncated: body.truncated,
    };
  }

  /** Pins or unpins; returns the updated summary, or undefined for an unknown id. */
  pin(id: number, pinned: boolean): ExchangeSummary | undefined {
    const record = this.records.get(id);
    if (record === undefined) return undefined;
    const changed = record.pinned !== (pinned === true);
    record.pinned = pinned === true;
    this.touch(record);
    if (changed && this.sink !== null) {
      try {
        this.sink.pinChanged(record);
      } catch {
        // as in finished()
      }
    }
    if (!record.pinned) {
      this.enforceRing();
      if (this.total > this.limits.maxTotalBytes) this.enforceTotal();
    }
    return this.records.get(id)?.summary() ?? { ...record.summary() };
  }

  /** Removes every unpinned exchange (pinned ones are what the user chose to keep); returns how many. */
  clear(): number {
    let cleared = 0;
    for (const record of [...this.records.values()]) {
      if (record.pinned) continue;
      this.remove(record);
      cleared++;
    }
    this.ring.prune(TrafficStore.isGone);
    this.holders.prune(this.holdsNothing);
    try {
      this.sink?.cleared();
    } catch {
      // as in finished()
    }
    return cleared;
  }

  // --- HAR ---

  /** HAR 1.2 of the given exchanges (all by default), in capture order. Unknown ids are skipped. */
  toHar(ids?: readonly number[]): Har {
    let records: ExchangeRecord[];
    if (ids === undefined) {
      records = [...this.records.values()];
    } else {
      const wanted = new Set(ids);
      records = [...this.records.values()].filter((r) => wanted.has(r.id));
    }
    const inputs: HarInput[] = records.map((r) => ({
      detail: r.detail(),
      requestBody: this.harBody(r, 'request'),
      responseBody: this.harBody(r, 'response'),
    }));
    return toHar(inputs, this.version);
  }

  private harBody(record: ExchangeRecord, which: 'request' | 'response'): HarBody | null {
    const body = which === 'request' ? record.requestBody : record.responseBody;
    if (body.size === 0 && body.captured === 0) return null;
    const raw = body.bytes();
    if (record.bodiesDecoded) return { bytes: raw, decoded: true, truncated: body.truncated };
    const codings = contentCodings(record.headersOf(which));
    if (codings.length === 0) return { bytes: raw, decoded: true, truncated: body.truncated };
    const result = decodeBody(raw, codings, body.truncated, this.maxDecodedBytes);
    return { bytes: result.body, decoded: result.error === null, truncated: body.truncated };
  }

  /**
   * Adds the entries of a HAR file as new exchanges (new ids; replay links inside the file are
   * kept). Bad entries are skipped and reported; this never throws.
   */
  importHar(har: unknown): { imported: ExchangeSummary[]; issues: HarImportIssue[] } {
    const { entries, issues } = fromHar(har);
    const imported = this.addImported(entries.map((entry) => ({ entry })));
    return { imported: imported.map((r) => r.summary()), issues };
  }

  /**
   * Adds exchanges read back from the persisted traffic of an earlier run: marked `earlier`,
   * keeping their pin and their key in the file. Replay links among them are kept.
   */
  restore(items: readonly { entry: ImportedEntry; pinned: boolean; persistKey: string }[]): ExchangeSummary[] {
    const imported = this.addImported(
      items.map(({ entry, pinned, persistKey }) => ({
        entry,
        prepare: (record: ExchangeRecord) => {
          record.pinned = pinned;
          record.earlier = true;
          record.persistKey = persistKey;
        },
      })),
    );
    return imported.map((r) => r.summary());
  }

  /** New records (new ids) for read-back entries; those the limits evicted at once are left out. */
  private addImported(items: readonly { entry: ImportedEntry; prepare?: (record: ExchangeRecord) => void }[]): ExchangeRecord[] {
    const imported: ExchangeRecord[] = [];
    const idMap = new Map<number, number>();
    for (const { entry, prepare } of items) {
      const d = entry.detail;
      const record = new ExchangeRecord(this.nextId++, d.start, this.limits.maxBodyBytes);
      if (entry.sourceId !== null) idMap.set(entry.sourceId, record.id);
      Object.assign(record, {
        replayOf: d.replayOf,
        project: d.project,
        service: d.service,
        route: d.route,
        kind: d.kind,
        clientProtocol: d.clientProtocol,
        upstreamProtocol: d.upstreamProtocol,
        method: d.method,
        host: d.host,
        url: d.url,
        forwardedUrl: d.forwardedUrl,
        status: d.status,
        state: d.state,
        error: d.error,
        contentType: d.contentType,
        requestHeaders: d.requestHeaders,
        forwardedRequestHeaders: d.forwardedRequestHeaders,
        responseHeaders: d.responseHeaders,
        forwardedResponseHeaders: d.forwardedResponseHeaders,
        requestTrailers: d.requestTrailers,
        responseTrailers: d.responseTrailers,
        upstreamConnectedUs: toMicros(d.timings.upstreamConnected),
        requestSentUs: toMicros(d.timings.requestSent),
        firstByteUs: toMicros(d.timings.firstByte),
        endUs: toMicros(d.timings.end),
        upstreamAddress: d.upstreamAddress,
        clientAddress: d.clientAddress,
        bodiesDecoded: true,
        logLines: d.logLines,
      });
      const cap = this.limits.maxBodyBytes;
      const load = (which: 'request' | 'response', bytes: Buffer | null, size: number, truncated: boolean): void => {
        if (bytes === null && size === 0) return;
        const kept = bytes === null ? Buffer.alloc(0) : bytes.length > cap ? bytes.subarray(0, cap) : bytes;
        record.writableBody(which).load(kept, size, truncated || (bytes !== null && bytes.length > cap));
      };
      load('request', entry.requestBody, d.requestBody.size, d.requestBody.truncated);
      load('response', entry.responseBody, d.responseBody.size, d.responseBody.truncated);
      record.clientBytes = Math.max(0, d.requestSize - d.requestBody.size);
      record.serverBytes = Math.max(0, d.responseSize - d.responseBody.size);
      const maxMessage = this.maxMessageBytes;
      const bounded = (base64: string): { payload: Buffer; cut: boolean } => {
        const payload = Buffer.from(base64, 'base64');
        return payload.length > maxMessage ? { payload: payload.subarray(0, maxMessage), cut: true } : { payload, cut: false };
      };
      const max = this.maxMessagesPerExchange;
      record.websocketMessages = d.websocketMessages.slice(-max).map((m) => {
        const { payload, cut } = bounded(m.payload);
        record.messageBytes += payload.length + MESSAGE_OVERHEAD_BYTES;
        return { ...m, payload, truncated: m.truncated || cut, compressed: false, note: null };
      });
      record.grpcFrames = d.grpcFrames.slice(-max).map((f) => {
        const { payload, cut } = bounded(f.payload);
        record.messageBytes += payload.length + MESSAGE_OVERHEAD_BYTES;
        return { ...f, payload, truncated: f.truncated || cut };
      });
      record.sseEvents = d.sseEvents.slice(-max).map((e) => {
        const data = e.data.length > maxMessage ? e.data.slice(0, maxMessage) : e.data;
        const kept = { ...e, data, truncated: data.length < e.data.length };
        record.messageBytes += sseEventBytes(kept) + MESSAGE_OVERHEAD_BYTES;
        return kept;
      });
      record.messageCount = d.messageCount;
      record.packHeaders();
      prepare?.(record);
      this.add(record);
      if (record.evicted) continue;
      this.account(record, record.heldBytes);
      imported.push(record);
    }
    for (const record of imported) {
      if (record.replayOf !== null) record.replayOf = idMap.get(record.replayOf) ?? null;
    }
    return imported.filter((r) => !r.evicted);
  }

  /** For tests and diagnostics: entries in the eviction queues (dead ones not yet passed over included). */
  queuedEntries(): { ring: number; holders: number; dirty: number } {
    return { ring: this.ring.length, holders: this.holders.length, dirty: this.dirty.length };
  }

  /** For tests and diagnostics: the eviction view of every exchange, oldest first. */
  evictables(): (Evictable & { retainedBytes: number })[] {
    return [...this.records.values()].map((r) => ({ id: r.id, pinned: r.pinned, heldBytes: r.heldBytes, retainedBytes: r.retainedBytes }));
  }
}
