// The proxy's side of traffic capture: starting a recorder for each request, and turning
// the proxy's own explanations into the exchange's error. Capture only observes.
import type { IncomingMessage } from 'node:http';
import type { ClientProtocol, ExchangeError, ExchangeKind } from '../../../shared/traffic.js';
import { NOOP_RECORDER, type ExchangeRecorder } from '../../capture/index.js';
import type { SentAnswer } from '../problems/render.js';
import { problemText, type ProxyProblem } from '../problems/problems.js';
import type { ProxyContext } from '../context.js';
import type { UpstreamTarget } from '../target.js';
import { replayOf } from '../headers/markers.js';

/** A request as it arrived, described for capture: HTTP/1.1 messages and HTTP/2 streams alike. */
export interface ArrivedRequest {
  clientProtocol: ClientProtocol;
  method: string;
  /** Host, or :authority for HTTP/2. */
  host: string;
  /** Path and query as received. */
  url: string;
  /** Flat raw list as received; for HTTP/2 the pseudo-headers included. Never mutated afterwards. */
  rawHeaders: readonly string[];
  clientAddress: string | null;
  replayOf?: number | null;
}

/** An HTTP/1.x request (over TLS or not) described for capture. */
export function arrivedHttp1(req: IncomingMessage): ArrivedRequest {
  return {
    clientProtocol: 'http/1.1',
    method: req.method ?? 'GET',
    host: req.headers.host ?? '',
    url: req.url ?? '/',
    rawHeaders: req.rawHeaders,
    clientAddress: req.socket.remoteAddress ?? null,
    replayOf: replayOf(req),
  };
}

/** beginCapture for an HTTP/1.x request; describes the request only when capture is on. */
export function beginHttp1Capture(
  ctx: ProxyContext,
  req: IncomingMessage,
  target: UpstreamTarget | null,
  kind: ExchangeKind = 'http',
): ExchangeRecorder {
  return ctx.capture === undefined ? NOOP_RECORDER : beginCapture(ctx, arrivedHttp1(req), target, kind);
}

export function beginCapture(
  ctx: ProxyContext,
  arrived: ArrivedRequest,
  target: UpstreamTarget | null,
  kind: ExchangeKind = 'http',
): ExchangeRecorder {
  if (ctx.capture === undefined) return NOOP_RECORDER;
  try {
    return ctx.capture.begin({
      kind,
      clientProtocol: arrived.clientProtocol,
      method: arrived.method,
      host: arrived.host,
      url: arrived.url,
      requestHeaders: arrived.rawHeaders,
      clientAddress: arrived.clientAddress,
      project: target?.project.name ?? null,
      service: target?.service.name ?? null,
      route: target?.route ?? null,
      replayOf: arrived.replayOf ?? null,
    });
  } catch {
    return NOOP_RECORDER;
  }
}

/** The error page's explanation, kept with the exchange (same words as the page). */
export function problemToError(problem: ProxyProblem): ExchangeError {
  return { code: problem.code, title: problem.title, detail: problemText(problem) };
}

/**
 * Records a proxy-made answer (an error page) as the exchange's outcome. `sent` is the answer
 * as it went out (the send function's result: null when nothing could be sent), kept as the
 * exchange's response with its body, so the inspector and HAR show the page the client got.
 * `status` is what the client got: the answer's, or 200 for gRPC's trailers-only answers.
 */
export function recordProblem(
  recorder: ExchangeRecorder,
  problem: ProxyProblem,
  ctx: ProxyContext,
  target: UpstreamTarget | null,
  sent: SentAnswer | null,
  status: number = sent?.status ?? problem.status,
): void {
  if (sent !== null) recorder.answeredByProxy(sent.status, sent.headers, sent.body);
  const logLines =
    target !== null ? safeLogs(() => ctx.backend.recentLogs(target.project.name, target.service.name, 40)) : [];
  recorder.fail(problemToError(problem), logLines, status);
}

function safeLogs<T>(read: () => T[]): T[] {
  try {
    return read();
  } catch {
    return [];
  }
}

/** The service broke off a response already under way; the client's side was reset or aborted. */
export function recordUpstreamReset(recorder: ExchangeRecorder, ctx: ProxyContext, target: UpstreamTarget, what: string, clientSide: string): void {
  recorder.fail(
    {
      code: 'upstream-reset',
      title: 'The service broke off its response',
      detail: `Service '${target.service.name}' (port ${target.port}) ${what} while sending the response; ${clientSide} so the truncated body cannot pass for a whole one.`,
    },
    safeLogs(() => ctx.backend.recentLogs(target.project.name, target.service.name, 40)),
  );
}
