// gRPC-Web in, gRPC out: a browser's gRPC-Web call (HTTP/1.1 or HTTP/2) becomes a gRPC call
// to the service over h2c, translated as Envoy's grpc_web filter does. The request body
// passes through (base64-decoded for -text); the response's frames pass through and its
// trailers become a final 0x80 frame (base64-encoded for -text).
import http2 from 'node:http2';
import type { IncomingMessage, OutgoingHttpHeaders as Http1Headers, ServerResponse } from 'node:http';
import type { ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { Transform, type Readable } from 'node:stream';
import type { ExchangeRecorder } from '../../capture/index.js';
import { REPLAY_HEADER, arrivedHttp1, beginCapture, recordProblem, recordUpstreamReset, type ArrivedRequest } from '../lifecycle/capture.js';
import { GRPC_STATUS, encodeGrpcMessage, grpcStatusForHttp } from './status.js';
import { Base64StreamDecoder, encodeTextChunk, encodeTrailerFrame, grpcWebMode, type GrpcWebMode } from './web-wire.js';
import { h2cFailureProblem, upstreamAddress } from '../lifecycle/h2c-forward.js';
import type { H2cSessionPool } from '../upstream/h2c-pool.js';
import { normalizeClientIp } from '../headers/headers.js';
import { decide, handleRequest } from '../route/dispatch.js';
import { h2ErrorName, h2AbortReason } from '../lifecycle/h2-capture.js';
import { h2HeadersToRaw, h2cRequestHeaders, parseH2Request, relayableH2Headers, type H2RequestHead } from '../headers/http2-headers.js';
import type { H2StreamInfo } from '../lifecycle/http2-forward.js';
import { resetStream } from '../problems/h2.js';
import { decideH2 } from '../route/http2-route.js';
import { requestProto } from '../upstream/forwarding.js';
import type { ProxyProblem } from '../problems/problems.js';
import type { ProxyContext, UpstreamTarget } from '../context.js';

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR, NGHTTP2_FLAG_END_STREAM } = http2.constants;

export function isGrpcWebContentType(contentType: string | undefined): boolean {
  return grpcWebMode(contentType) !== null;
}

/** Headers browsers' gRPC-Web clients read; exposing them costs nothing and helps cross-origin setups. */
const EXPOSE = 'grpc-status, grpc-message, grpc-status-details-bin';
// Connection-level or framing headers that must not be copied onto the client's response.
const NOT_RELAYED = new Set(['content-length', 'content-type', 'trailer']);

/** The client side of a gRPC-Web call, over HTTP/1.1 or HTTP/2. */
interface Inbound {
  head: H2RequestHead;
  info: Omit<H2StreamInfo, 'head'>;
  body: Readable | null;
  respond(headers: Record<string, string | string[]>, endNow: boolean): void;
  write(chunk: Buffer | string): void;
  end(): void;
  abort(): void;
  /** `clientGone`: the client reset or dropped the exchange; `reason` says how. */
  onClose(listener: (clientGone: boolean, reason: string) => void): void;
  headersSent(): boolean;
}

/** Response headers for the client: the service's, with gRPC-Web's content type. */
export function grpcWebResponseHeaders(upHeaders: IncomingHttpHeaders, mode: GrpcWebMode): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(relayableH2Headers(upHeaders))) {
    if (value === undefined || NOT_RELAYED.has(name)) continue;
    out[name] = Array.isArray(value) ? value : String(value);
  }
  out['content-type'] = mode.responseContentType;
  out['access-control-expose-headers'] = EXPOSE;
  return out;
}

function headerOf(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

function trailersOnly(mode: GrpcWebMode, status: number, message: string): Record<string, string> {
  return {
    'content-type': mode.responseContentType,
    'grpc-status': String(status),
    'grpc-message': encodeGrpcMessage(message),
    'access-control-expose-headers': EXPOSE,
  };
}

function problemTrailers(mode: GrpcWebMode, problem: ProxyProblem): Record<string, string> {
  const message = problem.hint !== undefined ? `${problem.detail} ${problem.hint}` : problem.detail;
  return trailersOnly(mode, grpcStatusForHttp(problem.status), `locald: ${message}`);
}

function base64Decoding(): Transform {
  const decoder = new Base64StreamDecoder();
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        cb(null, decoder.push(chunk.toString('latin1')));
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb) {
      try {
        decoder.end();
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
}

function upstreamHeaders(ctx: ProxyContext, inbound: Inbound, mode: GrpcWebMode, target: UpstreamTarget): OutgoingHttpHeaders {
  const fields: string[] = [];
  const f = inbound.head.fields;
  for (let i = 0; i + 1 < f.length; i += 2) {
    const name = (f[i] as string).toLowerCase();
    if (name === 'content-length' || name === 'content-type' || name === 'te' || name === 'host' || name === REPLAY_HEADER) continue;
    fields.push(name, f[i + 1] as string);
  }
  fields.push('content-type', mode.upstreamContentType, 'te', 'trailers');
  return h2cRequestHeaders({ ...inbound.head, method: 'POST', fields }, target.path, {
    clientIp: inbound.info.clientIp,
    proto: inbound.info.proto,
    viaToken: ctx.viaToken,
  });
}

/**
 * Capture sees the client's request as it arrived (base64 for -text; the store decodes it)
 * and the service's response as it left the service: gRPC frames and real trailers.
 */
function forwardGrpcWeb(ctx: ProxyContext, pool: H2cSessionPool, inbound: Inbound, mode: GrpcWebMode, target: UpstreamTarget, recorder: ExchangeRecorder): void {
  let upstream: ClientHttp2Stream | null = null;
  let done = false;
  /** The whole response went to the client (an HTTP/2 stream's writableFinished can lag its 'close'). */
  let completed = false;
  inbound.onClose((clientGone, reason) => {
    const aborted = clientGone || !completed;
    if (aborted && upstream !== null && !upstream.closed) upstream.close(NGHTTP2_CANCEL);
    done = true;
    if (aborted) recorder.abort(reason);
    else recorder.end();
  });
  const failBeforeResponse = (problem: ProxyProblem): void => {
    done = true;
    recordProblem(recorder, problem, ctx, target, null, 200);
    if (inbound.headersSent()) inbound.abort();
    else inbound.respond(problemTrailers(mode, problem), true);
  };
  const headers = upstreamHeaders(ctx, inbound, mode, target);
  recorder.forwarded(target.path, h2HeadersToRaw(headers), 'h2c');

  pool.request(target.port, headers, { endStream: inbound.body === null }).then(
    (up) => {
      if (done) {
        up.close(NGHTTP2_CANCEL);
        return;
      }
      upstream = up;
      recorder.upstreamConnected(upstreamAddress(up, target.port));
      if (inbound.body !== null) {
        // Observed in the same tick as pipe() attaches.
        inbound.body.on('data', (chunk: Buffer) => recorder.requestChunk(chunk));
        const body = mode.text ? inbound.body.pipe(base64Decoding()) : inbound.body;
        body.on('error', () => up.close(NGHTTP2_CANCEL));
        up.on('finish', () => recorder.requestSent());
        body.pipe(up);
      } else {
        recorder.requestSent();
      }
      let responded = false;
      let trailers: IncomingHttpHeaders = {};
      up.on('response', (headers: IncomingHttpHeaders, flags: number, rawHeaders?: string[]) => {
        responded = true;
        if (done) {
          up.close(NGHTTP2_CANCEL);
          return;
        }
        const out = grpcWebResponseHeaders(headers, mode);
        recorder.response(Number(headers[':status'] ?? 200), rawHeaders ?? h2HeadersToRaw(headers), h2HeadersToRaw({ ':status': 200, ...out }));
        if ((flags & NGHTTP2_FLAG_END_STREAM) !== 0) {
          // Trailers-only: grpc-status is already in these headers; gRPC-Web clients read it there.
          completed = true;
          inbound.respond(out, true);
          return;
        }
        inbound.respond(out, false);
        up.on('data', (chunk: Buffer) => {
          recorder.responseChunk(chunk);
          inbound.write(mode.text ? encodeTextChunk(chunk) : chunk);
        });
        up.on('end', () => {
          const frame = encodeTrailerFrame(relayableH2Headers(trailers));
          inbound.write(mode.text ? encodeTextChunk(frame) : frame);
          completed = true;
          inbound.end();
          done = true;
        });
      });
      up.on('trailers', (t: IncomingHttpHeaders, _flags: number, raw?: string[]) => {
        trailers = t;
        recorder.responseTrailers(raw ?? h2HeadersToRaw(t));
      });
      const brokeOff = (what: string): void => {
        done = true;
        recordUpstreamReset(recorder, ctx, target, what, 'the client\'s response was aborted');
        inbound.abort();
      };
      up.on('error', (err: Error) => {
        if (done) return;
        if (!responded) failBeforeResponse(h2cFailureProblem(target, err));
        else brokeOff(`failed (${err.message})`);
      });
      up.on('close', () => {
        if (done) return;
        if (up.rstCode !== undefined && up.rstCode !== NGHTTP2_NO_ERROR) {
          const what = `reset the call (RST_STREAM ${h2ErrorName(up.rstCode)})`;
          if (!responded) {
            done = true;
            recorder.fail(
              { code: 'upstream-reset', title: 'The service reset the call', detail: `Service '${target.service.name}' (port ${target.port}) ${what} before answering.` },
              undefined,
              200,
            );
            inbound.respond(trailersOnly(mode, up.rstCode === NGHTTP2_CANCEL ? GRPC_STATUS.CANCELLED : GRPC_STATUS.UNAVAILABLE, `locald: the service reset the call (HTTP/2 error ${up.rstCode})`), true);
          } else {
            brokeOff(what);
          }
        }
      });
    },
    (err: unknown) => {
      if (!done) failBeforeResponse(h2cFailureProblem(target, err));
    },
  );
}

/** A gRPC-Web call that arrived over HTTP/2. */
export function handleGrpcWebH2(ctx: ProxyContext, pool: H2cSessionPool, stream: ServerHttp2Stream, info: H2StreamInfo, arrived: ArrivedRequest): void {
  const mode = grpcWebMode(headerOf(info.head.fields, 'content-type')) as GrpcWebMode;
  const inbound: Inbound = {
    head: info.head,
    info,
    body: info.endStreamWithHeaders ? null : stream,
    respond(headers, endNow) {
      if (stream.closed || stream.destroyed) return;
      try {
        stream.respond({ ':status': 200, ...headers }, { endStream: endNow });
      } catch {
        resetStream(stream);
      }
    },
    write: (chunk) => stream.write(chunk),
    end: () => stream.end(),
    abort: () => {
      resetStream(stream);
    },
    onClose: (listener) =>
      stream.on('close', () => listener(stream.rstCode !== NGHTTP2_NO_ERROR, h2AbortReason(stream.rstCode))),
    headersSent: () => stream.headersSent,
  };
  routeGrpcWeb(ctx, pool, inbound, mode, arrived, () => decideH2(ctx, info.head));
}

/** A gRPC-Web call over HTTP/1.1 (or HTTP/1.1 over TLS). */
export function handleGrpcWebHttp1(ctx: ProxyContext, pool: H2cSessionPool, req: IncomingMessage, res: ServerResponse): void {
  const mode = grpcWebMode(req.headers['content-type']);
  if (mode === null) {
    handleRequest(ctx, req, res);
    return;
  }
  const rawLower: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) rawLower.push((req.rawHeaders[i] as string).toLowerCase(), req.rawHeaders[i + 1] as string);
  const head = parseH2Request([':method', req.method ?? 'POST', ':path', req.url ?? '/', ...rawLower]);
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  const inbound: Inbound = {
    head,
    info: { clientIp: normalizeClientIp(req.socket.remoteAddress), proto: requestProto(req), endStreamWithHeaders: !hasBody },
    body: hasBody ? req : null,
    respond(headers, endNow) {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(200, headers as Http1Headers);
      if (endNow) res.end();
      else res.flushHeaders();
    },
    write: (chunk) => res.write(chunk),
    end: () => res.end(),
    abort: () => res.destroy(),
    onClose: (listener) => res.on('close', () => listener(!res.writableFinished, 'The client closed the connection before the response completed.')),
    headersSent: () => res.headersSent,
  };
  if (!hasBody) req.resume();
  routeGrpcWeb(ctx, pool, inbound, mode, arrivedHttp1(req), () => decide(ctx, req), () => handleRequest(ctx, req, res));
}

function routeGrpcWeb(
  ctx: ProxyContext,
  pool: H2cSessionPool,
  inbound: Inbound,
  mode: GrpcWebMode,
  arrived: ArrivedRequest,
  decideIt: () => ReturnType<typeof decide>,
  toDashboard?: () => void,
): void {
  let decision: ReturnType<typeof decide>;
  try {
    decision = decideIt();
  } catch (err) {
    const detail = `locald failed to route this call: ${(err as Error).message}`;
    beginCapture(ctx, arrived, null, 'grpc-web').fail({ code: 'upstream-error', title: 'Internal error', detail }, undefined, 200);
    inbound.respond(trailersOnly(mode, GRPC_STATUS.INTERNAL, detail), true);
    return;
  }
  switch (decision.kind) {
    case 'dashboard':
      if (toDashboard !== undefined) toDashboard();
      else inbound.respond(trailersOnly(mode, GRPC_STATUS.UNIMPLEMENTED, 'locald: the dashboard has no gRPC-Web services'), true);
      return;
    case 'problem': {
      const target = decision.target ?? null;
      recordProblem(beginCapture(ctx, arrived, target, 'grpc-web'), decision.problem, ctx, target, null, 200);
      inbound.respond(problemTrailers(mode, decision.problem), true);
      return;
    }
    case 'forward':
      forwardGrpcWeb(ctx, pool, inbound, mode, decision.target, beginCapture(ctx, arrived, decision.target, 'grpc-web'));
      return;
  }
}
