// gRPC-Web in, gRPC out: a browser's gRPC-Web call (HTTP/1.1 or HTTP/2) becomes a gRPC call
// to the service over h2c, translated as Envoy's grpc_web filter does. A translation layer
// over the one lifecycle: GrpcWebClient is a ClientSide that decodes the request body
// (base64 for -text), turns the response's trailers into a final 0x80 frame (base64 for
// -text) and every problem into a trailers-only gRPC status. Capture sees the client's
// request as it arrived and the service's response as it left the service.
import http2 from 'node:http2';
import type { IncomingMessage, OutgoingHttpHeaders as Http1Headers, ServerResponse } from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { Transform, type Readable } from 'node:stream';
import { normalizeClientIp } from '../headers/headers.js';
import { fieldValue, h2HeadersToRaw, rawToH2Headers, relayableH2Headers, type H2RequestHead } from '../headers/http2-headers.js';
import { grpcWebToGrpcHeaders, http1AsH2Head, requestHasBody, requestProto } from '../headers/request-headers.js';
import { arrivedHttp1, type ArrivedRequest } from '../lifecycle/capture.js';
import type { ClientEvents, ClientSide } from '../lifecycle/client.js';
import type { H2StreamInfo } from '../lifecycle/client-h2.js';
import { h2AbortReason } from '../lifecycle/h2-capture.js';
import { resetStream } from '../problems/h2.js';
import { invalidResponseHeadProblem, type ProxyProblem } from '../problems/problems.js';
import type { SentAnswer } from '../problems/render.js';
import { decide, decideH2 } from '../route/decide.js';
import { dispatch, handleRequest } from '../route/dispatch.js';
import type { ResponseHead } from '../upstream/side.js';
import type { ProxyContext } from '../context.js';
import type { UpstreamTarget } from '../target.js';
import { GRPC_STATUS, encodeGrpcMessage, grpcStatusForHttp } from './status.js';
import { Base64StreamDecoder, encodeTextChunk, encodeTrailerFrame, grpcWebMode, type GrpcWebMode } from './web-wire.js';

const { NGHTTP2_NO_ERROR } = http2.constants;

export function isGrpcWebContentType(contentType: string | undefined): boolean {
  return grpcWebMode(contentType) !== null;
}

/** Headers browsers' gRPC-Web clients read; exposing them costs nothing and helps cross-origin setups. */
const EXPOSE = 'grpc-status, grpc-message, grpc-status-details-bin';
// Connection-level or framing headers that must not be copied onto the client's response.
const NOT_RELAYED = new Set(['content-length', 'content-type', 'trailer']);
const NOTHING: ReadonlySet<string> = new Set();

/** The transport under a gRPC-Web call: an HTTP/1.1 response or an HTTP/2 stream. */
interface Inbound {
  head: H2RequestHead;
  info: Omit<H2StreamInfo, 'head'>;
  body: Readable | null;
  respond(headers: Record<string, string | string[]>, endNow: boolean): void;
  write(chunk: Buffer | string): boolean;
  drain(listener: () => void): void;
  end(): void;
  abort(): void;
  /** `clientGone`: the client reset or dropped the exchange; `reason` says how. */
  onClose(listener: (clientGone: boolean, reason: string) => void): void;
  headersSent(): boolean;
  gone(): boolean;
}

/** Response headers for the client: the service's, with gRPC-Web's content type. */
export function grpcWebResponseHeaders(upHeaders: IncomingHttpHeaders | OutgoingHttpHeaders, mode: GrpcWebMode): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(relayableH2Headers(upHeaders))) {
    if (value === undefined || NOT_RELAYED.has(name)) continue;
    out[name] = Array.isArray(value) ? value : String(value);
  }
  out['content-type'] = mode.responseContentType;
  out['access-control-expose-headers'] = EXPOSE;
  return out;
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

class GrpcWebClient implements ClientSide {
  readonly method: string;
  readonly body: Readable | null;
  readonly bodyMayHaveTrailers = false;
  readonly expectsContinue = false;
  readonly isReplay = false;
  /** A gRPC call: no response-header deadline, always over h2c. */
  readonly streamingCall = true;
  readonly breakOffWords = "the client's response was aborted";

  constructor(
    private readonly inbound: Inbound,
    private readonly mode: GrpcWebMode,
    private readonly arrivedAs: ArrivedRequest,
    private readonly dashboardFallback: () => void,
  ) {
    this.method = inbound.head.method;
    this.body = inbound.body;
  }

  /** -text bodies are base64: the service gets them decoded, capture sees them as they arrived. */
  decodeBody(): Transform | undefined {
    return this.mode.text ? base64Decoding() : undefined;
  }

  arrived(): ArrivedRequest {
    return this.arrivedAs;
  }

  toDashboard(): void {
    this.dashboardFallback();
  }

  bind(exchange: ClientEvents): void {
    this.inbound.onClose((clientGone, reason) => exchange.clientClosed(!clientGone && exchange.complete, reason));
  }

  requestTrailers(): readonly string[] {
    return [];
  }

  http1Headers(): string[] {
    throw new Error('gRPC-Web goes to the service over h2c only');
  }

  h2cHeaders(target: UpstreamTarget, viaToken: string): OutgoingHttpHeaders {
    const { head, info } = this.inbound;
    return grpcWebToGrpcHeaders(head, this.mode.upstreamContentType, target.path, { clientIp: info.clientIp, proto: info.proto, viaToken });
  }

  gone(): boolean {
    return this.inbound.gone();
  }

  headersSent(): boolean {
    return this.inbound.headersSent();
  }

  informational(): void {
    // gRPC-Web clients have no use for 1xx.
  }

  respond(head: ResponseHead, endNow: boolean): readonly string[] {
    const out = grpcWebResponseHeaders(rawToH2Headers(head.fields), this.mode);
    // Trailers-only: grpc-status is already in these headers; gRPC-Web clients read it there.
    this.inbound.respond(out, endNow);
    return h2HeadersToRaw({ ':status': 200, ...out });
  }

  write(chunk: Buffer): boolean {
    return this.inbound.write(this.mode.text ? encodeTextChunk(chunk) : chunk);
  }

  once(_event: 'drain', listener: () => void): unknown {
    this.inbound.drain(listener);
    return this;
  }

  end(trailers: readonly string[]): void {
    const frame = encodeTrailerFrame(rawToH2Headers(trailers));
    this.inbound.write(this.mode.text ? encodeTextChunk(frame) : frame);
    this.inbound.end();
  }

  problem(problem: ProxyProblem): { sent: SentAnswer | null; status: number } {
    if (this.inbound.headersSent()) this.inbound.abort();
    else this.inbound.respond(problemTrailers(this.mode, problem), true);
    return { sent: null, status: 200 };
  }

  breakOff(): void {
    this.inbound.abort();
  }

  invalidHead(err: Error): ProxyProblem {
    return invalidResponseHeadProblem(err);
  }
}

/** A gRPC-Web call that arrived over HTTP/2. */
export function handleGrpcWebH2(ctx: ProxyContext, stream: ServerHttp2Stream, info: H2StreamInfo, arrived: ArrivedRequest): void {
  const mode = grpcWebMode(fieldValue(info.head.fields, 'content-type')) as GrpcWebMode;
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
    drain: (listener) => stream.once('drain', listener),
    end: () => stream.end(),
    abort: () => {
      resetStream(stream);
    },
    onClose: (listener) => stream.on('close', () => listener(stream.rstCode !== NGHTTP2_NO_ERROR, h2AbortReason(stream.rstCode))),
    headersSent: () => stream.headersSent,
    gone: () => stream.closed || stream.destroyed,
  };
  const noDashboard = (): void => inbound.respond(trailersOnly(mode, GRPC_STATUS.UNIMPLEMENTED, 'locald: the dashboard has no gRPC-Web services'), true);
  dispatch(ctx, new GrpcWebClient(inbound, mode, arrived, noDashboard), decideH2(ctx, info.head), 'grpc-web');
}

/** A gRPC-Web call over HTTP/1.1 (or HTTP/1.1 over TLS). */
export function handleGrpcWebHttp1(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse): void {
  const mode = grpcWebMode(req.headers['content-type']);
  if (mode === null) {
    handleRequest(ctx, req, res);
    return;
  }
  const head = http1AsH2Head(req, NOTHING);
  const hasBody = requestHasBody(req);
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
    drain: (listener) => res.once('drain', listener),
    end: () => res.end(),
    abort: () => res.destroy(),
    onClose: (listener) => res.on('close', () => listener(!res.writableFinished, 'The client closed the connection before the response completed.')),
    headersSent: () => res.headersSent,
    gone: () => res.destroyed,
  };
  if (!hasBody) req.resume();
  dispatch(ctx, new GrpcWebClient(inbound, mode, arrivedHttp1(req), () => handleRequest(ctx, req, res)), decide(ctx, req), 'grpc-web');
}
