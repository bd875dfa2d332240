// Forwards one HTTP/1.x request to a service and streams the response back.
// Both bodies are piped (backpressure), never buffered. Response headers get a deadline;
// a response already streaming never does (SSE, long downloads).
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NOOP_RECORDER, type ExchangeRecorder } from '../../capture/index.js';
import { EXCHANGE_ID_HEADER, recordProblem, recordUpstreamReset, replayOf } from './capture.js';
import { sendProblem } from '../problems/render.js';
import { newExchange, notify, requestHasBody, upstreamRequestHeaders } from '../upstream/forwarding.js';
import { responseHeadersForClient, stripHopByHop, trailerPairs } from '../headers/headers.js';
import { upstreamTimeoutProblem, type ProxyProblem } from '../problems/problems.js';
import type { ProxyContext, UpstreamTarget } from '../context.js';
import { UpstreamAttempts, whenConnected } from '../upstream/attempts.js';
import { describeUpstreamError } from '../upstream/pool.js';
import { relayBody } from '../upstream/relay.js';
import { ResponseDeadline } from '../upstream/deadline.js';

// Methods Node's client would otherwise send with an (empty) chunked body.
const BODYLESS_BY_DEFAULT = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

/** Message framing for the upstream request: Node's parser decoded the client's, so restate it. */
export function withBodyFraming(raw: string[], req: IncomingMessage): string[] {
  if (req.headers['transfer-encoding'] !== undefined) {
    raw.push('Transfer-Encoding', 'chunked');
  } else if (req.headers['content-length'] === undefined && !BODYLESS_BY_DEFAULT.has(req.method ?? 'GET')) {
    raw.push('Content-Length', '0');
  }
  return raw;
}

function isStreamingResponse(res: IncomingMessage): boolean {
  const type = res.headers['content-type'];
  return res.headers['content-length'] === undefined || (type !== undefined && type.toLowerCase().startsWith('text/event-stream'));
}

export function forwardHttp(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: UpstreamTarget,
  recorder: ExchangeRecorder = NOOP_RECORDER,
): void {
  const exchange = newExchange(ctx, req, target, false);
  notify(ctx.observer, 'onRequest', exchange);
  const headers = withBodyFraming(upstreamRequestHeaders(req, ctx.viaToken, false), req);
  recorder.forwarded(target.path, headers, 'http/1.1');
  const hasBody = requestHasBody(req);
  const method = req.method ?? 'GET';
  const port = target.port;
  const attempts = new UpstreamAttempts(ctx.pool, port);

  let current: http.ClientRequest | null = null;
  let bodyStarted = false;
  let responded = false;
  let finished = false;
  const deadline = new ResponseDeadline(ctx.upstreamTimeoutMs);

  const fail = (problem: ProxyProblem): void => {
    finished = true;
    deadline.clear();
    notify(ctx.observer, 'onError', exchange, { problem });
    recordProblem(recorder, problem, ctx, target, sendProblem(req, res, problem));
  };

  // The client went away (or we aborted): stop the upstream side too, so the service sees the cancel.
  res.on('close', () => {
    if (res.writableFinished) {
      recorder.end();
      // The service answered before it had the whole request (a 401 to Expect: 100-continue,
      // a 413): that upstream request can never complete, so release it instead of holding
      // the service's connection open for a body that will not come, and drain whatever
      // the client still sends so its connection's parser is not stalled behind it.
      if (current !== null && !current.writableFinished) {
        current.destroy();
        if (!req.complete) req.resume();
      }
      return;
    }
    if (!finished) recorder.abort('the client closed the connection before the response completed');
    finished = true;
    deadline.clear();
    current?.destroy();
  });
  req.on('error', () => current?.destroy());

  const attempt = (): void => {
    const address = attempts.address();
    const upReq = http.request({
      host: address,
      port,
      method,
      path: target.path,
      headers,
      agent: ctx.pool.agentFor(address, port),
    });
    current = upReq;

    const onConnected = (): void => {
      if (current !== upReq || finished) return;
      attempts.connected(address, recorder);
      if (hasBody && !bodyStarted) {
        bodyStarted = true;
        // Observed in the same tick as pipe() attaches, so no chunk can slip past either.
        req.on('data', (chunk: Buffer) => recorder.requestChunk(chunk));
        req.on('end', () => {
          if (req.rawTrailers.length > 0) recorder.requestTrailers(req.rawTrailers);
        });
        req.pipe(upReq);
      }
    };
    upReq.on('socket', (socket) => {
      whenConnected(socket, onConnected);
    });

    // The deadline starts once the whole request is sent: a slow upload is not a slow service.
    upReq.on('finish', () => {
      if (current === upReq) recorder.requestSent();
      if (responded || finished || current !== upReq) return;
      deadline.arm(() => {
        if (responded || finished) return;
        const problem = upstreamTimeoutProblem(target.project, target.service, port, ctx.upstreamTimeoutMs);
        fail(problem);
        upReq.destroy();
      });
    });

    upReq.on('continue', () => {
      if (!res.headersSent && !finished) res.writeContinue();
    });
    // Interim responses are relayed (RFC 9110 §15.2: a proxy forwards 1xx). Node can only
    // write 102 and 103 on a ServerResponse; 100 is the 'continue' event above, and 101 is
    // the upgrade path. Other (unassigned) 1xx are dropped.
    upReq.on('information', (info) => {
      if (finished || res.headersSent) return;
      if (info.statusCode === 102) res.writeProcessing();
      else if (info.statusCode === 103) {
        const hints = earlyHints(info.rawHeaders);
        if (hints !== undefined) res.writeEarlyHints(hints);
      }
    });

    upReq.on('response', (upRes) => {
      if (current !== upReq) return;
      responded = true;
      deadline.clear();
      // The service broke off mid-body (its connection closed, no error on upReq): that is its
      // failure, recorded before the client's side is torn down and would look like an abort.
      upRes.on('close', () => {
        if (upRes.complete || finished) return;
        finished = true;
        recordUpstreamReset(recorder, ctx, target, 'closed the connection', 'the client connection was aborted');
      });
      relayResponse(ctx, req, res, upRes, recorder, replayOf(req) !== null);
      notify(ctx.observer, 'onResponse', exchange, upRes);
    });

    upReq.on('error', (err) => {
      if (current !== upReq) return;
      deadline.clear();
      if (finished) return;
      if (responded) {
        // Mid-response: the client must see a broken message, never a clean end.
        finished = true;
        notify(ctx.observer, 'onError', exchange, { error: err });
        recorder.fail(
          {
            code: 'upstream-reset',
            title: 'The service broke off its response',
            detail: `Service '${target.service.name}' (port ${port}) ${describeUpstreamError(err)} while sending the response; the client connection was aborted so the truncated body cannot pass for a whole one.`,
          },
          ctx.backend.recentLogs(target.project.name, target.service.name, 40),
        );
        res.destroy(err);
        return;
      }
      if (!bodyStarted && attempts.nextAddress(err)) {
        attempt();
        return;
      }
      // The service closed an idle pooled connection just as we reused it; nothing was processed.
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

function relayResponse(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  upRes: IncomingMessage,
  recorder: ExchangeRecorder,
  isReplay: boolean,
): void {
  upRes.on('error', () => res.destroy());
  // A reset mid-body: abort the client's response, so it cannot mistake a truncated body for a whole one.
  upRes.on('close', () => {
    if (!upRes.complete) res.destroy();
  });
  if (res.destroyed) {
    upRes.destroy();
    return;
  }
  const headers = responseHeadersForClient(upRes.rawHeaders, ctx.viaToken);
  if (isReplay && recorder.id !== 0) headers.push(EXCHANGE_ID_HEADER, String(recorder.id));
  recorder.response(upRes.statusCode ?? 502, upRes.rawHeaders, headers);
  try {
    res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage || undefined, headers);
  } catch (err) {
    upRes.destroy();
    const problem: ProxyProblem = {
      status: 502,
      code: 'upstream-error',
      title: 'Invalid response from service',
      detail: `The service answered with headers that cannot be forwarded: ${(err as Error).message}.`,
    };
    recordProblem(recorder, problem, ctx, null, sendProblem(req, res, problem));
    return;
  }
  // Streams (SSE, long polling, chunked) must show their headers now, not with the first chunk.
  if (isStreamingResponse(upRes)) res.flushHeaders();
  relayBody(
    upRes,
    res,
    (chunk) => recorder.responseChunk(chunk),
    () => {
      if (upRes.rawTrailers.length > 0) {
        recorder.responseTrailers(upRes.rawTrailers);
        res.addTrailers(trailerPairs(upRes.rawTrailers));
      }
      res.end();
    },
  );
}
