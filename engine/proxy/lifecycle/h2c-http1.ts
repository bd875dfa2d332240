// HTTP/1.1 clients to a `protocol = "h2c"` service: each request becomes a stream on the
// pooled h2c session. Bodies are piped both ways (backpressure); the service's trailers
// become chunked trailers; a reset mid-response aborts the client's connection, so a
// truncated body cannot pass for a whole one. WebSocket upgrades are refused (see
// h2cUpgradeRefusedProblem): an h2c service cannot take an HTTP/1.1 Upgrade.
import http2 from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type { ProjectState, ServiceState } from '../../../shared/state.js';
import { NOOP_RECORDER, type ExchangeRecorder } from '../../capture/index.js';
import { EXCHANGE_ID_HEADER, REPLAY_HEADER, recordProblem, recordUpstreamReset, replayOf } from './capture.js';
import { sendProblem } from '../problems/render.js';
import { newExchange, notify, requestHasBody, requestProto } from '../upstream/forwarding.js';
import { isGrpcContentType } from '../grpc/status.js';
import { h2cFailureProblem, upstreamAddress } from './h2c-forward.js';
import type { H2cSessionPool } from '../upstream/h2c-pool.js';
import { appendToList, normalizeClientIp } from '../headers/headers.js';
import { h2ErrorName } from './h2-capture.js';
import { h2HeadersToRaw, h2cRequestHeaders, parseH2Request, relayableH2Headers } from '../headers/http2-headers.js';
import { upstreamErrorProblem, upstreamTimeoutProblem, type ProxyProblem } from '../problems/problems.js';
import type { ProxyContext, UpstreamTarget } from '../context.js';
import { ResponseDeadline } from '../upstream/deadline.js';

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR } = http2.constants;

/** Why an HTTP/1.1 Upgrade (WebSocket) to an h2c service gets a 502 instead of being forwarded. */
export function h2cUpgradeRefusedProblem(project: ProjectState, service: ServiceState, port: number, protocol: string): ProxyProblem {
  return {
    status: 502,
    code: 'upstream-error',
    title: 'Upgrade not possible to an h2c service',
    detail: `Service '${service.name}' (port ${port}) is configured with protocol = "h2c", so locald speaks only HTTP/2 to it; an HTTP/1.1 Upgrade to ${protocol} cannot be carried over HTTP/2.`,
    hint: `If '${service.name}' also speaks HTTP/1.1, remove protocol = "h2c" from its section in locald.toml (gRPC calls still go over h2c), or serve the WebSocket from a service without it.`,
    extensions: { project: project.name, service: service.name, port },
  };
}

function expectsContinue(req: IncomingMessage): boolean {
  return /^\s*100-continue\s*$/i.test(req.headers.expect ?? '');
}

/** The HTTP/2 request headers for the service: Host becomes :authority, hop-by-hop and framing headers go. */
export function http1ToH2cHeaders(req: IncomingMessage, target: UpstreamTarget, viaToken: string): OutgoingHttpHeaders {
  const lower: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] as string).toLowerCase();
    // Expect is answered by the proxy (see forwardHttp1ToH2c); HTTP/2 services rarely send 100.
    if (name === REPLAY_HEADER || name === 'expect') continue;
    lower.push(name, req.rawHeaders[i + 1] as string);
  }
  const head = parseH2Request([':method', req.method ?? 'GET', ':path', req.url ?? '/', ...lower]);
  return h2cRequestHeaders(head, target.path, { clientIp: normalizeClientIp(req.socket.remoteAddress), proto: requestProto(req), viaToken });
}

/** The service's response headers for an HTTP/1.1 client: pseudo-headers and connection headers removed, Via added. */
export function h2cToHttp1ResponseHeaders(headers: IncomingHttpHeaders, viaToken: string): string[] {
  const raw = h2HeadersToRaw(relayableH2Headers(headers));
  return appendToList(raw, 'Via', `1.1 ${viaToken}`);
}

function toPairs(raw: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i] as string, raw[i + 1] as string]);
  return out;
}

export function forwardHttp1ToH2c(
  ctx: ProxyContext,
  pool: H2cSessionPool,
  req: IncomingMessage,
  res: ServerResponse,
  target: UpstreamTarget,
  recorder: ExchangeRecorder = NOOP_RECORDER,
): void {
  const exchange = newExchange(ctx, req, target, false);
  notify(ctx.observer, 'onRequest', exchange);
  const headers = http1ToH2cHeaders(req, target, ctx.viaToken);
  recorder.forwarded(target.path, h2HeadersToRaw(headers), 'h2c');
  const hasBody = requestHasBody(req);
  // Only a chunked body can carry trailers; the stream then waits for them before END_STREAM.
  const chunked = req.headers['transfer-encoding'] !== undefined;
  const isReplay = replayOf(req) !== null;
  // gRPC (e.g. a replayed call) answers when it is ready; other services get a header deadline.
  const hasDeadline = !isGrpcContentType(req.headers['content-type']);
  let upstream: ClientHttp2Stream | null = null;
  let responded = false;
  let finished = false;
  const deadline = new ResponseDeadline(ctx.upstreamTimeoutMs);
  const fail = (problem: ProxyProblem): void => {
    finished = true;
    deadline.clear();
    notify(ctx.observer, 'onError', exchange, { problem });
    recordProblem(recorder, problem, ctx, target, sendProblem(req, res, problem));
  };
  const brokeOff = (what: string): void => {
    finished = true;
    notify(ctx.observer, 'onError', exchange, { error: new Error(`the service ${what}`) });
    recordUpstreamReset(recorder, ctx, target, what, 'the client connection was aborted');
    res.destroy();
  };

  // The client went away (or we aborted): cancel the service's stream too.
  res.on('close', () => {
    deadline.clear();
    if (res.writableFinished) {
      recorder.end();
    } else {
      if (!finished) recorder.abort('the client closed the connection before the response completed');
      if (upstream !== null && !upstream.closed) upstream.close(NGHTTP2_CANCEL);
    }
    finished = true;
  });
  req.on('error', () => {
    if (upstream !== null && !upstream.closed) upstream.close(NGHTTP2_CANCEL);
  });
  if (!hasBody) req.resume();

  const startDeadline = (): void => {
    if (!hasDeadline || responded || finished) return;
    deadline.arm(() => {
      if (responded || finished) return;
      fail(upstreamTimeoutProblem(target.project, target.service, target.port, ctx.upstreamTimeoutMs));
      upstream?.close(NGHTTP2_CANCEL);
    });
  };

  pool.request(target.port, headers, { endStream: !hasBody, waitForTrailers: hasBody && chunked }).then(
    (up) => {
      if (finished || res.destroyed) {
        up.close(NGHTTP2_CANCEL);
        return;
      }
      upstream = up;
      up.on('error', () => undefined);
      recorder.upstreamConnected(upstreamAddress(up, target.port));
      // node:http2 servers (core API) never send 100 Continue, so the proxy says it once the
      // service's stream is open: a client waiting for it would otherwise hang.
      if (expectsContinue(req)) res.writeContinue();
      if (hasBody) {
        if (chunked) {
          up.once('wantTrailers', () => {
            const trailers: OutgoingHttpHeaders = {};
            for (const [name, value] of toPairs(req.rawTrailers)) {
              const lower = name.toLowerCase();
              const prior = trailers[lower];
              trailers[lower] = prior === undefined ? value : ([] as string[]).concat(prior as string | string[], value);
            }
            try {
              up.sendTrailers(relayableH2Headers(trailers));
            } catch {
              up.close(NGHTTP2_CANCEL);
            }
          });
        }
        up.on('finish', () => {
          recorder.requestSent();
          startDeadline();
        });
        // Observed in the same tick as pipe() attaches.
        req.on('data', (chunk: Buffer) => recorder.requestChunk(chunk));
        req.on('end', () => {
          if (req.rawTrailers.length > 0) recorder.requestTrailers(req.rawTrailers);
        });
        req.pipe(up);
      } else {
        recorder.requestSent();
        startDeadline();
      }
      relayResponse(ctx, res, up, recorder, target, isReplay, {
        responded: () => {
          responded = true;
          deadline.clear();
        },
        fail,
        brokeOff,
        isFinished: () => finished,
      });
    },
    (err: unknown) => {
      if (!finished) fail(h2cFailureProblem(target, err));
    },
  );
}

interface RelayHooks {
  responded(): void;
  fail(problem: ProxyProblem): void;
  brokeOff(what: string): void;
  isFinished(): boolean;
}

function relayResponse(
  ctx: ProxyContext,
  res: ServerResponse,
  up: ClientHttp2Stream,
  recorder: ExchangeRecorder,
  target: UpstreamTarget,
  isReplay: boolean,
  hooks: RelayHooks,
): void {
  let responded = false;
  let trailers: string[] = [];

  // Informational responses other than 100: only 103 Early Hints is useful to a browser.
  up.on('headers', (info: IncomingHttpHeaders) => {
    if (Number(info[':status']) !== 103 || res.headersSent || hooks.isFinished()) return;
    const link = info.link;
    if (link !== undefined) res.writeEarlyHints({ link });
  });
  up.on('response', (upHeaders: IncomingHttpHeaders, _flags: number, rawHeaders?: string[]) => {
    responded = true;
    hooks.responded();
    if (hooks.isFinished() || res.destroyed) {
      up.close(NGHTTP2_CANCEL);
      return;
    }
    const status = Number(upHeaders[':status'] ?? 502);
    const out = h2cToHttp1ResponseHeaders(upHeaders, ctx.viaToken);
    if (isReplay && recorder.id !== 0) out.push(EXCHANGE_ID_HEADER, String(recorder.id));
    recorder.response(status, rawHeaders ?? h2HeadersToRaw(upHeaders), out);
    try {
      res.writeHead(status, out);
    } catch (err) {
      up.close(NGHTTP2_CANCEL);
      hooks.fail({
        status: 502,
        code: 'upstream-error',
        title: 'Invalid response from service',
        detail: `The service answered with headers that cannot be forwarded: ${(err as Error).message}.`,
      });
      return;
    }
    // Streams (SSE, gRPC, long polls) must show their headers now, not with the first chunk.
    if (upHeaders['content-length'] === undefined) res.flushHeaders();
    // Registered before pipe() so the trailers are in place when pipe ends the response.
    up.on('end', () => {
      if (trailers.length === 0) return;
      recorder.responseTrailers(trailers);
      // Node sends them only on a chunked response; an HTTP/1.0 client cannot receive them.
      res.addTrailers(toPairs(trailers));
    });
    // Observed in the same tick as pipe() attaches its own listener.
    up.on('data', (chunk: Buffer) => recorder.responseChunk(chunk));
    up.pipe(res);
  });
  up.on('trailers', (t: IncomingHttpHeaders, _flags: number, raw?: string[]) => {
    trailers = raw ?? h2HeadersToRaw(t);
  });
  up.on('close', () => {
    if (hooks.isFinished()) return;
    const reset = up.rstCode !== undefined && up.rstCode !== NGHTTP2_NO_ERROR;
    if (!responded) {
      const why = reset ? `the service reset the stream (RST_STREAM ${h2ErrorName(up.rstCode as number)})` : 'the service closed the stream without a response';
      hooks.fail(upstreamErrorProblem(target.project, target.service, target.port, new Error(why)));
    } else if (reset || !up.readableEnded) {
      hooks.brokeOff(reset ? `reset the stream (RST_STREAM ${h2ErrorName(up.rstCode as number)})` : 'closed the stream');
    }
  });
}
