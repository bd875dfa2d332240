// The service's side of an exchange over HTTP/1.1: one request from the keep-alive pool,
// walking the loopback addresses (attempts.ts) until one answers. Everything else (deadline,
// relay, problems, capture) is the lifecycle's: this file only turns ClientRequest and
// IncomingMessage events into ExchangeEvents calls.
import http from 'node:http';
import type { ExchangeEvents, ResponseHead, UpstreamSide } from './side.js';
import { stripHopByHop, type BodyNotes } from '../headers/headers.js';
import { UpstreamAttempts, whenConnected } from './attempts.js';
import { describeUpstreamError, type AddressPool, type LoopbackAddress, type UpstreamPool } from './pool.js';

function ignore(): void {}

/** Tells `pool` once that the connection a request was opening is up or failed. */
function openedOnce(pool: AddressPool): () => void {
  let opening = true;
  return () => {
    if (!opening) return;
    opening = false;
    pool.opened();
  };
}

export function http1ResponseHead(res: http.IncomingMessage): ResponseHead {
  // Read off the raw list on the stripping pass: res.headers would build Node's header object.
  const notes: BodyNotes = { contentLength: false, contentType: undefined, trailer: false };
  const fields = stripHopByHop(res.rawHeaders, undefined, notes);
  const type = notes.contentType;
  return {
    status: res.statusCode ?? 502,
    statusMessage: res.statusMessage || undefined,
    fields,
    received: res.rawHeaders,
    endStream: false,
    mayHaveTrailers: notes.trailer,
    streaming: !notes.contentLength || (type !== undefined && type.toLowerCase().startsWith('text/event-stream')),
  };
}

export class Http1Upstream implements UpstreamSide {
  readonly protocol = 'http/1.1';
  private exchange!: ExchangeEvents;
  private attempts!: UpstreamAttempts;
  private current: http.ClientRequest | null = null;
  private res: http.IncomingMessage | null = null;
  private bodyStarted = false;
  private cancelled = false;

  constructor(private readonly pool: UpstreamPool) {}

  start(exchange: ExchangeEvents): void {
    this.exchange = exchange;
    this.attempts = new UpstreamAttempts(this.pool, exchange.target.port);
    this.attempt();
  }

  private attempt(): void {
    const address = this.attempts.address();
    const pool = this.pool.poolFor(address, this.exchange.target.port);
    const opens = pool.claim();
    if (opens !== null) this.send(pool, address, opens);
    else pool.whenReady((later) => this.send(pool, address, later));
  }

  /** `opens`: this request opens a new connection, counted by `pool` until it is up or failed. */
  private send(pool: AddressPool, address: LoopbackAddress, opens: boolean): void {
    const ex = this.exchange;
    // The exchange ended while the request waited for a connection.
    if (ex.done || this.cancelled) {
      if (opens) pool.opened();
      return;
    }
    const attempts = this.attempts;
    const upReq = http.request({
      host: address,
      port: ex.target.port,
      method: ex.method,
      path: ex.target.path,
      headers: ex.headers as string[],
      agent: pool.agent,
    });
    this.current = upReq;
    const hasBody = ex.hasBody;
    const settle = opens ? openedOnce(pool) : ignore;
    if (opens) upReq.once('close', settle);

    const onConnected = (): void => {
      settle();
      if (this.current !== upReq || ex.done) return;
      attempts.connected(address, ex.recorder);
      if (hasBody && !this.bodyStarted) {
        this.bodyStarted = true;
        ex.sendBody(upReq);
      }
    };
    upReq.on('socket', (socket) => whenConnected(socket, onConnected));
    upReq.on('finish', () => {
      if (this.current === upReq) ex.requestSent();
    });
    upReq.on('continue', () => ex.informational(100, []));
    upReq.on('information', (info) => {
      if (info.statusCode === 102 || info.statusCode === 103) ex.informational(info.statusCode, info.rawHeaders);
    });
    upReq.on('response', (upRes) => {
      if (this.current !== upReq) return;
      this.res = upRes;
      // Node's own 'aborted' error when the connection closes mid-body; the 'close' after it says what happened.
      upRes.on('error', ignore);
      // The service broke off mid-body (its connection closed, no error on upReq): recorded
      // before the client's side is torn down and would look like an abort.
      upRes.on('close', () => {
        if (!upRes.complete) ex.brokeOff('closed the connection');
      });
      ex.response(http1ResponseHead(upRes), upRes);
    });
    upReq.on('error', (err) => {
      settle();
      if (this.current !== upReq) return;
      // Mid-response: the client must see a broken message, never a clean end.
      if (ex.responded) return ex.brokeOff(describeUpstreamError(err));
      if (ex.done) return;
      if (!this.bodyStarted && attempts.nextAddress(err)) return this.attempt();
      // The service closed an idle pooled connection just as we reused it; nothing was processed.
      if (!this.bodyStarted && !hasBody && attempts.resendAfterReset(err, upReq.reusedSocket, ex.method)) return this.attempt();
      ex.fail(attempts.failure(ex.target, err));
    });
    if (!hasBody) upReq.end();
  }

  cancel(): void {
    this.cancelled = true;
    this.current?.destroy();
  }

  requestFinished(): boolean {
    return this.current === null || this.current.writableFinished;
  }

  trailers(): readonly string[] {
    return this.res?.rawTrailers ?? [];
  }
}
