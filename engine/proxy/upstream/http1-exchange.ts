// The service's side of an exchange over HTTP/1.1: one request from the keep-alive pool,
// walking the loopback addresses (attempts.ts) until one answers. Everything else (deadline,
// relay, problems, capture) is the lifecycle's: this file only turns a pooled connection's
// events (h1-connection.ts) into ExchangeEvents calls.
import { Readable } from 'node:stream';
import type { ExchangeEvents, ResponseHead, UpstreamSide } from './side.js';
import { headerValues, stripHopByHop, type BodyNotes } from '../headers/headers.js';
import { UpstreamAttempts } from './attempts.js';
import { HangUp, type ResponseListener, type UpstreamConnection } from './h1-connection.js';
import { hostFor, requestHead } from './h1-request-head.js';
import type { ParsedHead } from './h1-response-parser.js';
import { describeUpstreamError, type LoopbackAddress, type PoolWaiter, type UpstreamPool } from './pool.js';

export function http1ResponseHead(parsed: ParsedHead): ResponseHead {
  const notes: BodyNotes = { contentLength: false, contentType: undefined, trailer: false };
  const fields = stripHopByHop(parsed.rawHeaders, undefined, notes);
  const type = notes.contentType;
  return {
    status: parsed.status,
    statusMessage: parsed.statusMessage || undefined,
    fields,
    received: parsed.rawHeaders,
    endStream: false,
    mayHaveTrailers: notes.trailer,
    streaming: !notes.contentLength || (type !== undefined && type.toLowerCase().startsWith('text/event-stream')),
  };
}

/** The response body as the lifecycle reads it; the connection pauses while the client is full. */
class ResponseBody extends Readable {
  constructor(
    private readonly conn: UpstreamConnection,
    private readonly owner: ResponseListener,
  ) {
    super();
  }

  override _read(): void {
    this.conn.resume(this.owner);
  }
}

export class Http1Upstream implements UpstreamSide, ResponseListener, PoolWaiter {
  readonly protocol = 'http/1.1';
  private exchange!: ExchangeEvents;
  private attempts!: UpstreamAttempts;
  private address: LoopbackAddress = '127.0.0.1';
  private conn: UpstreamConnection | null = null;
  private res: ResponseBody | null = null;
  private responseTrailers: readonly string[] = [];
  private bodyStarted = false;
  private requestWritten = false;
  private cancelled = false;

  constructor(private readonly pool: UpstreamPool) {}

  start(exchange: ExchangeEvents): void {
    this.exchange = exchange;
    this.attempts = new UpstreamAttempts(this.pool, exchange.target.port);
    this.attempt();
  }

  private attempt(): void {
    this.address = this.attempts.address();
    this.pool.poolFor(this.address, this.exchange.target.port).acquire(this);
  }

  // --- PoolWaiter ---

  stillWaiting(): boolean {
    return !this.cancelled && !this.exchange.done;
  }

  go(conn: UpstreamConnection): void {
    const ex = this.exchange;
    let head: string;
    try {
      head = requestHead(ex.method, ex.target.path, ex.headers as string[], hostFor(this.address, ex.target.port));
    } catch (err) {
      conn.close();
      ex.fail(this.attempts.failure(ex.target, err as Error));
      return;
    }
    this.conn = conn;
    this.requestWritten = false;
    conn.send(this, ex.method, head, ex.hasBody);
  }

  // --- ResponseListener ---

  connected(): void {
    const ex = this.exchange;
    if (ex.done) return;
    this.attempts.connected(this.address, ex.recorder);
    if (ex.hasBody && !this.bodyStarted && this.conn !== null) {
      this.bodyStarted = true;
      ex.sendBody(this.conn.bodySink(headerValues(ex.headers as string[], 'transfer-encoding').length > 0));
    }
  }

  requestSent(): void {
    this.requestWritten = true;
    this.exchange.requestSent();
  }

  informational(status: number, rawHeaders: string[]): void {
    if (status === 100) this.exchange.informational(100, []);
    else if (status === 102 || status === 103) this.exchange.informational(status, rawHeaders);
  }

  head(parsed: ParsedHead): void {
    const conn = this.conn as UpstreamConnection;
    this.res = new ResponseBody(conn, this);
    this.exchange.response(http1ResponseHead(parsed), this.res);
  }

  body(chunk: Buffer): void {
    if (this.res !== null && !this.res.push(chunk)) this.conn?.pause(this);
  }

  complete(trailers: string[]): void {
    this.responseTrailers = trailers;
    this.res?.push(null);
  }

  failed(err: Error): void {
    const ex = this.exchange;
    const conn = this.conn;
    this.conn = null;
    if (this.cancelled) return;
    // Mid-response: the client must see a broken message, never a clean end.
    if (this.res !== null) return ex.brokeOff(err instanceof HangUp ? 'closed the connection' : describeUpstreamError(err));
    if (ex.done) return;
    const attempts = this.attempts;
    if (!this.bodyStarted && attempts.nextAddress(err)) return this.attempt();
    // The service closed an idle pooled connection just as we reused it; nothing was processed.
    if (!this.bodyStarted && !ex.hasBody && attempts.resendAfterReset(err, conn?.reused ?? false, ex.method)) return this.attempt();
    ex.fail(attempts.failure(ex.target, err));
  }

  // --- UpstreamSide ---

  cancel(): void {
    this.cancelled = true;
    const conn = this.conn;
    this.conn = null;
    conn?.abandon(this);
  }

  requestFinished(): boolean {
    return this.conn === null || this.requestWritten;
  }

  trailers(): readonly string[] {
    return this.responseTrailers;
  }
}
