// The service's side of an exchange over h2c: one stream on the pooled session (gRPC, and
// services with `protocol = "h2c"`). Turns ClientHttp2Stream events into ExchangeEvents calls.
import http2 from 'node:http2';
import type { ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type { ExchangeEvents, UpstreamSide } from './side.js';
import { h2ErrorName } from '../problems/h2.js';
import { h2HeadersToRaw, rawToH2Headers, relayableH2Headers } from '../headers/http2-headers.js';
import { connectionRefusedProblem, upstreamErrorProblem, type ProxyProblem } from '../problems/problems.js';
import type { UpstreamTarget } from '../target.js';
import { isH2cConnectError, type H2cSessionPool } from './h2c-pool.js';

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR, NGHTTP2_FLAG_END_STREAM } = http2.constants;

/** The problem for a failed h2c connection or stream, naming the service and the port. */
export function h2cFailureProblem(target: UpstreamTarget, err: unknown): ProxyProblem {
  if (isH2cConnectError(err) && err.refused && err.tried.length > 0) {
    return connectionRefusedProblem(target.project, target.service, target.port, err.tried);
  }
  return upstreamErrorProblem(target.project, target.service, target.port, err instanceof Error ? err : new Error(String(err)));
}

/** `127.0.0.1:4123` or `[::1]:4123`: where the pooled session is connected. */
export function upstreamAddress(up: ClientHttp2Stream, port: number): string {
  const address = up.session?.socket?.remoteAddress;
  if (address === undefined) return `127.0.0.1:${port}`;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export class H2cUpstream implements UpstreamSide {
  readonly protocol = 'h2c';
  private exchange!: ExchangeEvents;
  private up: ClientHttp2Stream | null = null;
  private received: string[] = [];

  constructor(private readonly pool: H2cSessionPool) {}

  start(exchange: ExchangeEvents): void {
    this.exchange = exchange;
    const hasBody = exchange.hasBody;
    const waitForTrailers = hasBody && exchange.bodyMayHaveTrailers;
    this.pool.request(exchange.target.port, exchange.headers as OutgoingHttpHeaders, { endStream: !hasBody, waitForTrailers }).then(
      (up) => this.opened(up),
      (err: unknown) => {
        if (!exchange.done) exchange.fail(h2cFailureProblem(exchange.target, err));
      },
    );
  }

  private opened(up: ClientHttp2Stream): void {
    const ex = this.exchange;
    if (ex.done || ex.clientGone()) {
      up.close(NGHTTP2_CANCEL);
      return;
    }
    this.up = up;
    up.on('error', (err: Error) => this.failed(err));
    ex.recorder.upstreamConnected(upstreamAddress(up, ex.target.port));
    // node:http2 servers (core API) never send 100 Continue, so the proxy says it once the
    // service's stream is open: a client waiting for it would otherwise hang.
    if (ex.expectsContinue) ex.informational(100, []);
    if (ex.hasBody) {
      if (ex.bodyMayHaveTrailers) up.once('wantTrailers', () => this.sendRequestTrailers());
      up.on('finish', () => ex.requestSent());
      ex.sendBody(up);
    } else {
      ex.requestSent();
    }
    // Informational responses other than 100: 102 and 103 Early Hints.
    up.on('headers', (info: IncomingHttpHeaders) => {
      const status = Number(info[':status']);
      if (status === 102 || status === 103) ex.informational(status, h2HeadersToRaw(relayableH2Headers(info)));
    });
    up.on('response', (headers: IncomingHttpHeaders, flags: number, raw?: string[]) => {
      ex.response(
        {
          status: Number(headers[':status'] ?? 502),
          statusMessage: undefined,
          fields: h2HeadersToRaw(relayableH2Headers(headers)),
          received: raw ?? h2HeadersToRaw(headers),
          // Trailers-only stays trailers-only: one HEADERS frame with END_STREAM.
          endStream: (flags & NGHTTP2_FLAG_END_STREAM) !== 0,
          mayHaveTrailers: true,
          streaming: headers['content-length'] === undefined,
        },
        up,
      );
    });
    up.on('trailers', (trailers: IncomingHttpHeaders, _flags: number, raw?: string[]) => {
      this.received = raw ?? h2HeadersToRaw(trailers);
    });
    up.on('close', () => this.closed(up));
  }

  private sendRequestTrailers(): void {
    const up = this.up as ClientHttp2Stream;
    try {
      up.sendTrailers(rawToH2Headers(this.exchange.requestTrailers()));
    } catch {
      up.close(NGHTTP2_CANCEL);
    }
  }

  private failed(err: Error): void {
    const ex = this.exchange;
    if (ex.done) return;
    if (!ex.responded) ex.fail(upstreamErrorProblem(ex.target.project, ex.target.service, ex.target.port, err));
    else ex.brokeOff(`failed (${err.message})`);
  }

  // The service reset or closed its stream: pass it on (a reset mid-body resets the client's side).
  private closed(up: ClientHttp2Stream): void {
    const ex = this.exchange;
    if (ex.done) return;
    const reset = up.rstCode !== undefined && up.rstCode !== NGHTTP2_NO_ERROR;
    const name = reset ? h2ErrorName(up.rstCode as number) : '';
    if (!ex.responded) {
      const why = reset ? `the service reset the stream (RST_STREAM ${name})` : 'the service closed the stream without a response';
      ex.fail(upstreamErrorProblem(ex.target.project, ex.target.service, ex.target.port, new Error(why)));
    } else if (reset || !up.readableEnded) {
      ex.brokeOff(reset ? `reset the stream (RST_STREAM ${name})` : 'closed the stream');
    }
  }

  cancel(code?: number): void {
    if (this.up !== null && !this.up.closed) this.up.close(code ?? NGHTTP2_CANCEL);
  }

  requestFinished(): boolean {
    return this.up === null || this.up.writableFinished;
  }

  trailers(): readonly string[] {
    return this.received;
  }
}
