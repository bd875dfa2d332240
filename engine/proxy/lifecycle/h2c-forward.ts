// Forwards one HTTP/2 stream to a service over h2c (gRPC, or any traffic for a service with
// `protocol = "h2c"`). Trailers are relayed; a trailers-only response stays one HEADERS
// frame with END_STREAM; half-close travels with the body (END_STREAM), and a reset on
// either side resets the other.
import http2 from 'node:http2';
import type { ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { NOOP_RECORDER, type ExchangeRecorder } from '../../capture/index.js';
import { recordProblem, recordUpstreamReset } from './capture.js';
import { isH2cConnectError, type H2cSessionPool } from '../upstream/h2c-pool.js';
import { h2ErrorName, observeH2RequestBody, recordH2Close } from './h2-capture.js';
import { h2cRequestHeaders, h2HeadersToRaw, relayableH2Headers } from '../headers/http2-headers.js';
import type { H2StreamInfo } from './http2-forward.js';
import { resetStream, sendGrpcProblem, sendH2Problem } from '../problems/h2.js';
import { connectionRefusedProblem, upstreamErrorProblem, upstreamTimeoutProblem, type ProxyProblem } from '../problems/problems.js';
import type { ProxyContext, UpstreamTarget } from '../context.js';
import { ResponseDeadline } from '../upstream/deadline.js';

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

/** Mutable facts about one forwarded stream, shared by the request and response halves. */
interface H2cExchange {
  /** A proxy-made answer went out (or the exchange is otherwise over). */
  done: boolean;
  /** The response went out whole (END_STREAM after the body and trailers). */
  complete: boolean;
}

export function forwardH2ToH2c(
  ctx: ProxyContext,
  pool: H2cSessionPool,
  stream: ServerHttp2Stream,
  info: H2StreamInfo,
  target: UpstreamTarget,
  opts: H2cForwardOptions,
  recorder: ExchangeRecorder = NOOP_RECORDER,
): void {
  const headers = h2cRequestHeaders(info.head, target.path, { clientIp: info.clientIp, proto: info.proto, viaToken: ctx.viaToken });
  recorder.forwarded(target.path, h2HeadersToRaw(headers), 'h2c');
  let upstream: ClientHttp2Stream | null = null;
  const state: H2cExchange = { done: false, complete: false };

  const fail = (problem: ProxyProblem): void => {
    state.done = true;
    if (opts.grpc) {
      sendGrpcProblem(stream, problem);
      recordProblem(recorder, problem, ctx, target, null, 200);
    } else {
      recordProblem(recorder, problem, ctx, target, sendH2Problem(stream, problem, accept(info), info.head.method));
    }
  };

  stream.on('error', () => undefined);
  // The client cancelled (RST_STREAM) or its session went away: cancel the service's stream too.
  stream.on('close', () => {
    if (upstream !== null && !upstream.closed) upstream.close(stream.rstCode !== NGHTTP2_NO_ERROR ? stream.rstCode : NGHTTP2_CANCEL);
    state.done = true;
  });
  recordH2Close(recorder, stream, () => state.complete);

  pool.request(target.port, headers, { endStream: info.endStreamWithHeaders }).then(
    (up) => {
      if (stream.closed || stream.destroyed) {
        up.close(NGHTTP2_CANCEL);
        return;
      }
      upstream = up;
      recorder.upstreamConnected(upstreamAddress(up, target.port));
      if (info.endStreamWithHeaders) recorder.requestSent();
      relay(ctx, stream, up, info, target, opts, recorder, state, fail);
    },
    (err: unknown) => {
      if (!state.done) fail(h2cFailureProblem(target, err));
    },
  );
}

/** `127.0.0.1:4123` or `[::1]:4123`: where the pooled session is connected. */
export function upstreamAddress(up: ClientHttp2Stream, port: number): string {
  const address = up.session?.socket?.remoteAddress;
  if (address === undefined) return `127.0.0.1:${port}`;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function relay(
  ctx: ProxyContext,
  stream: ServerHttp2Stream,
  up: ClientHttp2Stream,
  info: H2StreamInfo,
  target: UpstreamTarget,
  opts: H2cForwardOptions,
  recorder: ExchangeRecorder,
  state: H2cExchange,
  fail: (problem: ProxyProblem) => void,
): void {
  let responded = false;
  let trailers: OutgoingHttpHeaders | undefined;
  const deadline = new ResponseDeadline(ctx.upstreamTimeoutMs);
  const brokeOff = (what: string): void => {
    state.done = true;
    recordUpstreamReset(recorder, ctx, target, what, 'the client\'s stream was reset');
    resetStream(stream);
  };

  if (!info.endStreamWithHeaders) {
    up.on('finish', () => recorder.requestSent());
    observeH2RequestBody(recorder, stream);
    stream.pipe(up);
  }
  if (!opts.grpc) {
    deadline.arm(() => {
      if (responded || state.done) return;
      fail(upstreamTimeoutProblem(target.project, target.service, target.port, ctx.upstreamTimeoutMs));
      up.close(NGHTTP2_CANCEL);
    });
  }

  up.on('response', (upHeaders: IncomingHttpHeaders, flags: number, rawHeaders?: string[]) => {
    responded = true;
    deadline.clear();
    if (stream.closed || stream.destroyed) {
      up.close(NGHTTP2_CANCEL);
      return;
    }
    const status = Number(upHeaders[':status'] ?? 502);
    const out = relayableH2Headers(upHeaders);
    out[':status'] = status;
    const endNow = (flags & NGHTTP2_FLAG_END_STREAM) !== 0 || info.head.method.toUpperCase() === 'HEAD' || status === 204 || status === 304;
    recorder.response(status, rawHeaders ?? h2HeadersToRaw(upHeaders), h2HeadersToRaw(out));
    try {
      // Trailers-only stays trailers-only: one HEADERS frame with END_STREAM.
      stream.respond(out, { endStream: endNow, waitForTrailers: !endNow });
    } catch (err) {
      up.close(NGHTTP2_CANCEL);
      fail(upstreamErrorProblem(target.project, target.service, target.port, err as Error));
      return;
    }
    if (endNow) {
      state.complete = true;
      up.resume();
      return;
    }
    stream.once('wantTrailers', () => {
      try {
        stream.sendTrailers(trailers ?? {});
        state.complete = true;
      } catch {
        resetStream(stream);
      }
    });
    // Observed in the same tick as pipe() attaches its own listener.
    up.on('data', (chunk: Buffer) => recorder.responseChunk(chunk));
    up.pipe(stream);
  });
  up.on('trailers', (t: IncomingHttpHeaders, _flags: number, raw?: string[]) => {
    trailers = relayableH2Headers(t);
    recorder.responseTrailers(raw ?? h2HeadersToRaw(t));
  });
  up.on('error', (err: Error) => {
    deadline.clear();
    if (state.done) return;
    if (!responded) fail(upstreamErrorProblem(target.project, target.service, target.port, err));
    else brokeOff(`failed (${err.message})`);
  });
  // The service reset its stream: pass the reset on (CANCEL stays CANCEL).
  up.on('close', () => {
    deadline.clear();
    if (stream.closed || stream.destroyed) return;
    if (up.rstCode !== undefined && up.rstCode !== NGHTTP2_NO_ERROR) {
      const what = `reset the stream (RST_STREAM ${h2ErrorName(up.rstCode)})`;
      if (!responded && !state.done) fail(upstreamErrorProblem(target.project, target.service, target.port, new Error(`the service ${what}`)));
      else if (!state.done) brokeOff(what);
      else resetStream(stream);
    } else if (!responded && !state.done) {
      fail(upstreamErrorProblem(target.project, target.service, target.port, new Error('the service closed the stream without a response')));
    }
  });
}
