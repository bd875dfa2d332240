// Forwards one HTTP/2 stream to a service over h2c (gRPC, or any traffic for a service with
// `protocol = "h2c"`). Trailers are relayed; a trailers-only response stays one HEADERS
// frame with END_STREAM; half-close travels with the body (END_STREAM), and a reset on
// either side resets the other.
import http2 from 'node:http2';
import type { ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { isH2cConnectError, type H2cSessionPool } from './h2c-pool.js';
import { h2cRequestHeaders, relayableH2Headers } from './http2-headers.js';
import type { H2StreamInfo } from './http2-forward.js';
import { resetStream, sendGrpcProblem, sendH2Problem } from './http2-problem.js';
import { connectionRefusedProblem, upstreamErrorProblem, upstreamTimeoutProblem, type ProxyProblem } from './problems.js';
import type { ProxyContext, UpstreamTarget } from './types.js';

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR, NGHTTP2_FLAG_END_STREAM } = http2.constants;

export interface H2cForwardOptions {
  /** gRPC: problems become trailers-only grpc-status answers, and no response-header deadline applies. */
  grpc: boolean;
}

function accept(info: H2StreamInfo): string | undefined {
  const f = info.head.fields;
  for (let i = 0; i + 1 < f.length; i += 2) if (f[i] === 'accept') return f[i + 1];
  return undefined;
}

/** The problem for a failed h2c connection or stream, naming the service and the port. */
export function h2cFailureProblem(target: UpstreamTarget, err: unknown): ProxyProblem {
  if (isH2cConnectError(err) && err.refused && err.tried.length > 0) {
    return connectionRefusedProblem(target.project, target.service, target.port, err.tried);
  }
  return upstreamErrorProblem(target.project, target.service, target.port, err instanceof Error ? err : new Error(String(err)));
}

export function forwardH2ToH2c(
  ctx: ProxyContext,
  pool: H2cSessionPool,
  stream: ServerHttp2Stream,
  info: H2StreamInfo,
  target: UpstreamTarget,
  opts: H2cForwardOptions,
): void {
  const headers = h2cRequestHeaders(info.head, target.path, { clientIp: info.clientIp, proto: info.proto, viaToken: ctx.viaToken });
  let upstream: ClientHttp2Stream | null = null;
  let done = false;

  const fail = (problem: ProxyProblem): void => {
    done = true;
    if (opts.grpc) sendGrpcProblem(stream, problem);
    else sendH2Problem(stream, problem, accept(info), info.head.method);
  };

  stream.on('error', () => undefined);
  // The client cancelled (RST_STREAM) or its session went away: cancel the service's stream too.
  stream.on('close', () => {
    if (upstream !== null && !upstream.closed) upstream.close(stream.rstCode !== NGHTTP2_NO_ERROR ? stream.rstCode : NGHTTP2_CANCEL);
    done = true;
  });

  pool.request(target.port, headers, { endStream: info.endStreamWithHeaders }).then(
    (up) => {
      if (stream.closed || stream.destroyed) {
        up.close(NGHTTP2_CANCEL);
        return;
      }
      upstream = up;
      relay(ctx, stream, up, info, target, opts, fail, () => done);
    },
    (err: unknown) => {
      if (!done) fail(h2cFailureProblem(target, err));
    },
  );
}

function relay(
  ctx: ProxyContext,
  stream: ServerHttp2Stream,
  up: ClientHttp2Stream,
  info: H2StreamInfo,
  target: UpstreamTarget,
  opts: H2cForwardOptions,
  fail: (problem: ProxyProblem) => void,
  isDone: () => boolean,
): void {
  let responded = false;
  let trailers: OutgoingHttpHeaders | undefined;
  let headerTimer: NodeJS.Timeout | undefined;

  if (!info.endStreamWithHeaders) stream.pipe(up);
  if (!opts.grpc) {
    headerTimer = setTimeout(() => {
      if (responded || isDone()) return;
      fail(upstreamTimeoutProblem(target.project, target.service, target.port, ctx.upstreamTimeoutMs));
      up.close(NGHTTP2_CANCEL);
    }, ctx.upstreamTimeoutMs);
    headerTimer.unref();
  }

  up.on('response', (upHeaders: IncomingHttpHeaders, flags: number) => {
    responded = true;
    if (headerTimer !== undefined) clearTimeout(headerTimer);
    if (stream.closed || stream.destroyed) {
      up.close(NGHTTP2_CANCEL);
      return;
    }
    const status = Number(upHeaders[':status'] ?? 502);
    const out = relayableH2Headers(upHeaders);
    out[':status'] = status;
    const endNow = (flags & NGHTTP2_FLAG_END_STREAM) !== 0 || info.head.method.toUpperCase() === 'HEAD' || status === 204 || status === 304;
    try {
      // Trailers-only stays trailers-only: one HEADERS frame with END_STREAM.
      stream.respond(out, { endStream: endNow, waitForTrailers: !endNow });
    } catch (err) {
      up.close(NGHTTP2_CANCEL);
      fail(upstreamErrorProblem(target.project, target.service, target.port, err as Error));
      return;
    }
    if (endNow) {
      up.resume();
      return;
    }
    stream.once('wantTrailers', () => {
      try {
        stream.sendTrailers(trailers ?? {});
      } catch {
        resetStream(stream);
      }
    });
    up.pipe(stream);
  });
  up.on('trailers', (t: IncomingHttpHeaders) => {
    trailers = relayableH2Headers(t);
  });
  up.on('error', (err: Error) => {
    if (headerTimer !== undefined) clearTimeout(headerTimer);
    if (isDone()) return;
    if (!responded) fail(upstreamErrorProblem(target.project, target.service, target.port, err));
    else resetStream(stream);
  });
  // The service reset its stream: pass the reset on (CANCEL stays CANCEL).
  up.on('close', () => {
    if (headerTimer !== undefined) clearTimeout(headerTimer);
    if (stream.closed || stream.destroyed) return;
    if (up.rstCode !== undefined && up.rstCode !== NGHTTP2_NO_ERROR) {
      if (!responded && !isDone()) fail(upstreamErrorProblem(target.project, target.service, target.port, new Error(`the service reset the stream (HTTP/2 error ${up.rstCode})`)));
      else resetStream(stream);
    } else if (!responded && !isDone()) {
      fail(upstreamErrorProblem(target.project, target.service, target.port, new Error('the service closed the stream without a response')));
    }
  });
}
