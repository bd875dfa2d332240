// The client side of an exchange that arrived over HTTP/1.x (clear or TLS): an
// IncomingMessage and its ServerResponse.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http2';
import { isGrpcContentType } from '../grpc/status.js';
import { stripHopByHop, trailerPairs } from '../headers/headers.js';
import { replayOf } from '../headers/markers.js';
import { expectsContinue, http1ToH2cHeaders, requestHasBody, upstreamRequestHeaders, withBodyFraming } from '../headers/request-headers.js';
import { dashboardUnavailableProblem, invalidResponseHeadProblem, type ProxyProblem } from '../problems/problems.js';
import { sendProblem, type SentAnswer } from '../problems/render.js';
import type { DashboardHooks } from '../context.js';
import type { UpstreamTarget } from '../target.js';
import { arrivedHttp1, type ArrivedRequest } from './capture.js';
import type { ResponseHead } from '../upstream/side.js';
import type { ClientEvents, ClientSide } from './client.js';

/** 103 headers for `writeEarlyHints`, hop-by-hop removed; undefined without a Link (Node requires one). */
export function earlyHints(rawHeaders: readonly string[]): Record<string, string | string[]> | undefined {
  const hints: Record<string, string | string[]> = {};
  const raw = stripHopByHop(rawHeaders);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    const prior = hints[name];
    hints[name] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
  }
  return hints.link === undefined ? undefined : hints;
}

const CLIENT_GONE = 'the client closed the connection before the response completed';

export class Http1Client implements ClientSide {
  readonly method: string;
  readonly body: IncomingMessage | null;
  readonly bodyMayHaveTrailers: boolean;
  readonly expectsContinue: boolean;
  readonly isReplay: boolean;
  readonly streamingCall: boolean;
  readonly breakOffWords = 'the client connection was aborted';

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    this.method = req.method ?? 'GET';
    this.body = requestHasBody(req) ? req : null;
    // Only a chunked body can carry trailers.
    this.bodyMayHaveTrailers = req.headers['transfer-encoding'] !== undefined;
    this.expectsContinue = req.headers.expect !== undefined && expectsContinue(req);
    this.isReplay = replayOf(req) !== null;
    this.streamingCall = isGrpcContentType(req.headers['content-type']);
  }

  arrived(): ArrivedRequest {
    return arrivedHttp1(this.req);
  }

  toDashboard(dashboard: DashboardHooks | undefined): void {
    if (dashboard === undefined) {
      sendProblem(this.req, this.res, dashboardUnavailableProblem());
      return;
    }
    // We took over 100-continue for the services; the dashboard expects Node's default.
    if (/^100-continue$/i.test(this.req.headers.expect ?? '')) this.res.writeContinue();
    dashboard.handleRequest(this.req, this.res);
  }

  /** Ties the client's lifetime to `exchange`: its close ends or aborts the exchange. */
  bind(exchange: ClientEvents): void {
    const { req, res } = this;
    res.on('close', () => {
      const clean = res.writableFinished;
      exchange.clientClosed(clean, CLIENT_GONE);
      // Drain whatever the client still sends so its connection's parser is not stalled.
      if (clean && !req.complete) req.resume();
    });
    req.on('error', () => exchange.requestFailed());
  }

  requestTrailers(): readonly string[] {
    return this.req.rawTrailers;
  }

  http1Headers(viaToken: string): string[] {
    return withBodyFraming(upstreamRequestHeaders(this.req, viaToken, false), this.req);
  }

  h2cHeaders(target: UpstreamTarget, viaToken: string): OutgoingHttpHeaders {
    return http1ToH2cHeaders(this.req, target.path, viaToken);
  }

  gone(): boolean {
    return this.res.destroyed;
  }

  headersSent(): boolean {
    return this.res.headersSent;
  }

  // Interim responses are relayed (RFC 9110 §15.2). Node writes only 100, 102 and 103 on a
  // ServerResponse; 101 is the upgrade path, other (unassigned) 1xx are dropped.
  informational(status: number, raw: readonly string[]): void {
    if (status === 100) this.res.writeContinue();
    else if (status === 102) this.res.writeProcessing();
    else if (status === 103) {
      const hints = earlyHints(raw);
      if (hints !== undefined) this.res.writeEarlyHints(hints);
    }
  }

  respond(head: ResponseHead, endNow: boolean): readonly string[] {
    this.res.writeHead(head.status, head.statusMessage, head.fields);
    if (endNow) this.res.end();
    // Streams (SSE, long polling, chunked) must show their headers now, not with the first chunk.
    else if (head.streaming) this.res.flushHeaders();
    return head.fields;
  }

  write(chunk: Buffer): boolean {
    return this.res.write(chunk);
  }

  once(event: 'drain', listener: () => void): unknown {
    return this.res.once(event, listener);
  }

  end(trailers: readonly string[]): void {
    // Node sends trailers only on a chunked response; an HTTP/1.0 client cannot receive them.
    if (trailers.length > 0) this.res.addTrailers(trailerPairs(trailers));
    this.res.end();
  }

  problem(problem: ProxyProblem): { sent: SentAnswer | null; status: number } {
    const sent = sendProblem(this.req, this.res, problem);
    return { sent, status: sent?.status ?? problem.status };
  }

  breakOff(): void {
    this.res.destroy();
  }

  cutAfterWritten(): void {
    // Fewer bytes than Content-Length: end() sends them, then the socket closes under the client.
    // Taken now: once the response has finished, Node detaches it (res.socket is null) and the
    // connection would wait for the keep-alive timeout instead, about 5 s.
    const socket = this.res.socket;
    this.res.end(() => socket?.destroy());
  }

  invalidHead(err: Error): ProxyProblem {
    return invalidResponseHeadProblem(err);
  }
}
