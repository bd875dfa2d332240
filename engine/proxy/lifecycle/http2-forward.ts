// Forwards one HTTP/2 stream to a service over HTTP/1.1, through the shared UpstreamPool.
// Bodies are piped both ways (backpressure); resets travel both ways: a client RST_STREAM
// aborts the upstream request, an upstream failure mid-response resets the client's stream.
import http from 'node:http';
import http2 from 'node:http2';
import type { ServerHttp2Stream } from 'node:http2';
import { NOOP_RECORDER, type ExchangeRecorder } from '../../capture/index.js';
import { recordProblem, recordUpstreamReset } from './capture.js';
import { responseHeadersForClient } from '../headers/headers.js';
import { observeH2RequestBody, recordH2Close } from './h2-capture.js';
import { h2HeadersToRaw, http1RequestHeaders, rawToH2Headers, type H2RequestHead } from '../headers/http2-headers.js';
import { resetStream, sendH2Problem } from '../problems/h2.js';
import { upstreamTimeoutProblem, type ProxyProblem } from '../problems/problems.js';
import type { ProxyContext, UpstreamTarget } from '../context.js';
import { UpstreamAttempts, whenConnected } from '../upstream/attempts.js';
import { describeUpstreamError } from '../upstream/pool.js';
import { ResponseDeadline } from '../upstream/deadline.js';

const { NGHTTP2_NO_ERROR } = http2.constants;

export interface H2StreamInfo {
  head: H2RequestHead;
  clientIp: string;
  proto: 'http' | 'https';
  /** The client sent END_STREAM with its headers: no body follows. */
  endStreamWithHeaders: boolean;
}

function accept(head: H2RequestHead): string | undefined {
  for (let i = 0; i + 1 < head.fields.length; i += 2) if (head.fields[i] === 'accept') return head.fields[i + 1];
  return undefined;
}

export function forwardH2ToHttp1(
  ctx: ProxyContext,
  stream: ServerHttp2Stream,
  info: H2StreamInfo,
  target: UpstreamTarget,
  recorder: ExchangeRecorder = NOOP_RECORDER,
): void {
  const { head } = info;
  const headers = http1RequestHeaders(head, info.endStreamWithHeaders, { clientIp: info.clientIp, proto: info.proto, viaToken: ctx.viaToken });
  recorder.forwarded(target.path, headers, 'http/1.1');
  const hasBody = !info.endStreamWithHeaders;
  const method = head.method;
  const port = target.port;
  const attempts = new UpstreamAttempts(ctx.pool, port);

  let current: http.ClientRequest | null = null;
  let bodyStarted = false;
  let responded = false;
  let finished = false;
  let responseComplete = false;
  const deadline = new ResponseDeadline(ctx.upstreamTimeoutMs);
  const fail = (problem: ProxyProblem): void => {
    finished = true;
    deadline.clear();
    recordProblem(recorder, problem, ctx, target, sendH2Problem(stream, problem, accept(head), method));
  };

  stream.on('error', () => current?.destroy());
  recordH2Close(recorder, stream, () => responseComplete);
  // The client reset the stream (or the session went away) before the exchange completed: cancel upstream.
  stream.on('close', () => {
    if (finished && stream.rstCode === NGHTTP2_NO_ERROR) return;
    finished = true;
    deadline.clear();
    current?.destroy();
  });

  const attempt = (): void => {
    const address = attempts.address();
    const upReq = http.request({ host: address, port, method, path: target.path, headers, agent: ctx.pool.agentFor(address, port) });
    current = upReq;

    const onConnected = (): void => {
      if (current !== upReq || finished) return;
      attempts.connected(address, recorder);
      if (hasBody && !bodyStarted) {
        bodyStarted = true;
        observeH2RequestBody(recorder, stream);
        stream.pipe(upReq);
      }
    };
    upReq.on('socket', (socket) => {
      whenConnected(socket, onConnected);
    });
    upReq.on('finish', () => {
      if (current === upReq) recorder.requestSent();
      if (responded || finished || current !== upReq) return;
      deadline.arm(() => {
        if (responded || finished) return;
        fail(upstreamTimeoutProblem(target.project, target.service, port, ctx.upstreamTimeoutMs));
        upReq.destroy();
      });
    });
    upReq.on('continue', () => {
      if (!stream.headersSent && !finished) stream.additionalHeaders({ ':status': 100 });
    });
    upReq.on('information', (infoRes) => {
      if (infoRes.statusCode !== 103 || finished || stream.headersSent) return;
      const link = infoRes.headers.link;
      if (link !== undefined) stream.additionalHeaders({ ':status': 103, link });
    });
    upReq.on('response', (upRes) => {
      if (current !== upReq) return;
      responded = true;
      deadline.clear();
      relayResponse(ctx, stream, head, upRes, recorder, target, () => {
        finished = true;
        responseComplete = true;
      });
    });
    upReq.on('error', (err) => {
      if (current !== upReq) return;
      deadline.clear();
      if (finished) return;
      if (responded) {
        finished = true;
        recordUpstreamReset(recorder, ctx, target, describeUpstreamError(err), 'the client\'s stream was reset');
        resetStream(stream);
        return;
      }
      if (!bodyStarted && attempts.nextAddress(err)) {
        attempt();
        return;
      }
      if (!bodyStarted && !hasBody && attempts.resendAfterReset(err, upReq.reusedSocket, method)) {
        attempt();
        return;
      }
      fail(attempts.failure(target, err));
    });
    if (!hasBody) upReq.end();
  };

  attempt();
}

function relayResponse(
  ctx: ProxyContext,
  stream: ServerHttp2Stream,
  head: H2RequestHead,
  upRes: http.IncomingMessage,
  recorder: ExchangeRecorder,
  target: UpstreamTarget,
  done: () => void,
): void {
  const brokeOff = (what: string): void => {
    recordUpstreamReset(recorder, ctx, target, what, 'the client\'s stream was reset');
    resetStream(stream);
  };
  upRes.on('error', (err) => brokeOff(describeUpstreamError(err)));
  // A service that dies mid-body: reset the stream so the client cannot take a truncated body for a whole one.
  upRes.on('close', () => {
    if (!upRes.complete && !stream.closed) brokeOff('closed the connection');
  });
  if (stream.destroyed || stream.closed) {
    upRes.destroy();
    return;
  }
  const status = upRes.statusCode ?? 502;
  const raw = responseHeadersForClient(upRes.rawHeaders, ctx.viaToken);
  const headers = rawToH2Headers(raw);
  headers[':status'] = status;
  const noBody = head.method.toUpperCase() === 'HEAD' || status === 204 || status === 304;
  const declaresTrailers = upRes.headers.trailer !== undefined;
  recorder.response(status, upRes.rawHeaders, h2HeadersToRaw(headers));
  try {
    stream.respond(headers, { endStream: noBody, waitForTrailers: declaresTrailers && !noBody });
  } catch (err) {
    upRes.destroy();
    const problem: ProxyProblem = {
      status: 502,
      code: 'upstream-error',
      title: 'Invalid response from service',
      detail: `The service answered with headers that cannot be forwarded over HTTP/2: ${(err as Error).message}.`,
    };
    recordProblem(recorder, problem, ctx, target, sendH2Problem(stream, problem, undefined, head.method));
    return;
  }
  if (noBody) {
    // The client's stream is already over (END_STREAM with the headers); it may close before upRes ends.
    done();
    upRes.resume();
    return;
  }
  upRes.on('end', () => {
    if (upRes.rawTrailers.length > 0) recorder.responseTrailers(upRes.rawTrailers);
  });
  if (declaresTrailers) {
    stream.once('wantTrailers', () => {
      const trailers = rawToH2Headers(upRes.rawTrailers);
      try {
        stream.sendTrailers(trailers);
      } catch {
        resetStream(stream);
      }
    });
  }
  upRes.on('end', done);
  // Observed in the same tick as pipe() attaches its own listener. No flush needed for SSE
  // or long polls: respond() already sent the HEADERS frame.
  upRes.on('data', (chunk: Buffer) => recorder.responseChunk(chunk));
  upRes.pipe(stream);
}
