// gRPC-Web in, gRPC out: a browser's gRPC-Web call (HTTP/1.1 or HTTP/2) becomes a gRPC call
// to the service over h2c, translated as Envoy's grpc_web filter does. A translation layer
// over the one lifecycle: GrpcWebClient is a ClientSide that decodes the request body
// (base64 for -text), turns the response's trailers into a final 0x80 frame (base64 for
// -text) and every problem into a trailers-only gRPC status. Capture sees the client's
// request as it arrived and the service's response as it left the service.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { Transform, type Readable } from 'node:stream';
import { normalizeClientIp } from '../headers/headers.js';
import { fieldValue, h2HeadersToRaw, rawToH2Headers, relayableH2Headers, type H2RequestHead } from '../headers/http2-headers.js';
import { grpcWebToGrpcHeaders, http1AsH2Head, requestHasBody, requestProto } from '../headers/request-headers.js';
import { arrivedHttp1, type ArrivedRequest } from '../lifecycle/capture.js';
import type { ClientEvents, ClientSide } from '../lifecycle/client.js';
import { H2Client, type H2StreamInfo } from '../lifecycle/client-h2.js';
import { Http1Client } from '../lifecycle/client-http1.js';
import { invalidResponseHeadProblem, problemText, type ProxyProblem } from '../problems/problems.js';
import type { SentAnswer } from '../problems/render.js';
import { decide, decideH2 } from '../route/decide.js';
import { dispatch, handleRequest } from '../route/dispatch.js';
import type { ResponseHead } from '../upstream/side.js';
import type { ProxyContext } from '../context.js';
import type { UpstreamTarget } from '../target.js';
import { GRPC_STATUS, encodeGrpcMessage, grpcStatusForHttp } from './status.js';
import { Base64StreamDecoder, encodeTextChunk, encodeTrailerFrame, grpcWebMode, type GrpcWebMode } from './web-wire.js';

export function isGrpcWebContentType(contentType: string | undefined): boolean {
  return grpcWebMode(contentType) !== null;
}

/** Headers browsers' gRPC-Web clients read; exposing them costs nothing and helps cross-origin setups. */
const EXPOSE = 'grpc-status, grpc-message, grpc-status-details-bin';
// Connection-level or framing headers that must not be copied onto the client's response.
const NOT_RELAYED = new Set(['content-length', 'content-type', 'trailer']);
const NOTHING: ReadonlySet<string> = new Set();

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
  return trailersOnly(mode, grpcStatusForHttp(problem.status), `locald: ${problemText(problem)}`);
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

/** What a gRPC-Web call runs over: the plain client adapter of its transport. */
type Transport = Http1Client | H2Client;

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
    private readonly transport: Transport,
    private readonly head: H2RequestHead,
    private readonly info: Omit<H2StreamInfo, 'head'>,
    private readonly mode: GrpcWebMode,
    private readonly arrivedAs: ArrivedRequest,
    /** Over HTTP/1.1 the dashboard may answer; null: it has no gRPC-Web services. */
    private readonly dashboardFallback: (() => void) | null,
  ) {
    this.method = head.method;
    this.body = transport.body;
  }

  /** -text bodies are base64: the service gets them decoded, capture sees them as they arrived. */
  decodeBody(): Transform | undefined {
    return this.mode.text ? base64Decoding() : undefined;
  }

  arrived(): ArrivedRequest {
    return this.arrivedAs;
  }

  toDashboard(): void {
    if (this.dashboardFallback !== null) this.dashboardFallback();
    else this.send(trailersOnly(this.mode, GRPC_STATUS.UNIMPLEMENTED, 'locald: the dashboard has no gRPC-Web services'), true);
  }

  bind(exchange: ClientEvents): void {
    this.transport.bind(exchange);
  }

  requestTrailers(): readonly string[] {
    return [];
  }

  http1Headers(): string[] {
    throw new Error('gRPC-Web goes to the service over h2c only');
  }

  h2cHeaders(target: UpstreamTarget, viaToken: string): OutgoingHttpHeaders {
    const { info } = this;
    return grpcWebToGrpcHeaders(this.head, this.mode.upstreamContentType, target.path, { clientIp: info.clientIp, proto: info.proto, viaToken });
  }

  gone(): boolean {
    return this.transport.gone();
  }

  headersSent(): boolean {
    return this.transport.headersSent();
  }

  informational(): void {
    // gRPC-Web clients have no use for 1xx.
  }

  /** Always 200: a gRPC-Web call's outcome is in grpc-status. */
  private send(headers: Record<string, string | string[]>, endNow: boolean): readonly string[] {
    const fields = h2HeadersToRaw(headers);
    if (this.transport.gone() || this.transport.headersSent()) return fields;
    const head: ResponseHead = { status: 200, statusMessage: undefined, fields, received: [], endStream: endNow, mayHaveTrailers: false, streaming: true };
    try {
      return this.transport.respond(head, endNow);
    } catch {
      this.transport.breakOff();
      return fields;
    }
  }

  respond(head: ResponseHead, endNow: boolean): readonly string[] {
    // Trailers-only (endNow): grpc-status is already in these headers; gRPC-Web clients read it there.
    return this.send(grpcWebResponseHeaders(rawToH2Headers(head.fields), this.mode), endNow);
  }

  write(chunk: Buffer): boolean {
    return this.transport.write(this.mode.text ? Buffer.from(encodeTextChunk(chunk), 'latin1') : chunk);
  }

  once(event: 'drain', listener: () => void): unknown {
    return this.transport.once(event, listener);
  }

  end(trailers: readonly string[]): void {
    const frame = encodeTrailerFrame(rawToH2Headers(trailers));
    this.write(frame);
    this.transport.end([]);
  }

  problem(problem: ProxyProblem): { sent: SentAnswer | null; status: number } {
    if (this.transport.headersSent()) this.transport.breakOff();
    else this.send(problemTrailers(this.mode, problem), true);
    return { sent: null, status: 200 };
  }

  breakOff(): void {
    this.transport.breakOff();
  }

  invalidHead(err: Error): ProxyProblem {
    return invalidResponseHeadProblem(err);
  }
}

/** A gRPC-Web call that arrived over HTTP/2. */
export function handleGrpcWebH2(ctx: ProxyContext, stream: ServerHttp2Stream, info: H2StreamInfo, arrived: ArrivedRequest): void {
  const mode = grpcWebMode(fieldValue(info.head.fields, 'content-type')) as GrpcWebMode;
  const client = new GrpcWebClient(new H2Client(stream, info, arrived, false), info.head, info, mode, arrived, null);
  dispatch(ctx, client, decideH2(ctx, info.head), 'grpc-web');
}

/** A gRPC-Web call over HTTP/1.1 (or HTTP/1.1 over TLS). */
export function handleGrpcWebHttp1(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse): void {
  const mode = grpcWebMode(req.headers['content-type']);
  if (mode === null) {
    handleRequest(ctx, req, res);
    return;
  }
  const hasBody = requestHasBody(req);
  const info = { clientIp: normalizeClientIp(req.socket.remoteAddress), proto: requestProto(req), endStreamWithHeaders: !hasBody };
  const client = new GrpcWebClient(new Http1Client(req, res), http1AsH2Head(req, NOTHING), info, mode, arrivedHttp1(req), () => handleRequest(ctx, req, res));
  dispatch(ctx, client, decide(ctx, req), 'grpc-web');
}
