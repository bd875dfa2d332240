// The client side of an exchange that arrived as an HTTP/2 stream (h2 over TLS, or h2c
// with prior knowledge). A reset travels both ways: the client's RST_STREAM cancels the
// service's side (its code passed on), a service that breaks off resets the client's stream.
import http2 from 'node:http2';
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { headerValues } from '../headers/headers.js';
import { fieldValue, h2HeadersToRaw, h2ResponseHeaders, rawToH2Headers, type H2RequestHead } from '../headers/http2-headers.js';
import { h2cRequestHeaders, http1RequestHeaders } from '../headers/request-headers.js';
import { resetStream, sendGrpcProblem, sendH2Problem } from '../problems/h2.js';
import { dashboardOverH2Problem, invalidResponseHeadProblem, type ProxyProblem } from '../problems/problems.js';
import type { SentAnswer } from '../problems/render.js';
import type { UpstreamTarget } from '../target.js';
import type { ResponseHead } from '../upstream/side.js';
import type { ArrivedRequest } from './capture.js';
import type { ClientEvents, ClientSide } from './client.js';
import { h2AbortReason } from './h2-capture.js';

const { NGHTTP2_NO_ERROR } = http2.constants;

export interface H2StreamInfo {
  head: H2RequestHead;
  clientIp: string;
  proto: 'http' | 'https';
  /** The client sent END_STREAM with its headers: no body follows. */
  endStreamWithHeaders: boolean;
}

export class H2Client implements ClientSide {
  readonly method: string;
  readonly body: ServerHttp2Stream | null;
  readonly bodyMayHaveTrailers = false;
  readonly expectsContinue = false;
  readonly isReplay = false;
  readonly breakOffWords = "the client's stream was reset";
  private trailersIn: string[] = [];
  private trailersOut: readonly string[] = [];

  /** `streamingCall`: a gRPC call; problems become trailers-only grpc-status answers. */
  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly info: H2StreamInfo,
    private readonly arrivedAs: ArrivedRequest,
    readonly streamingCall: boolean,
  ) {
    this.method = info.head.method;
    this.body = info.endStreamWithHeaders ? null : stream;
  }

  arrived(): ArrivedRequest {
    return this.arrivedAs;
  }

  toDashboard(): void {
    sendH2Problem(this.stream, dashboardOverH2Problem(), fieldValue(this.info.head.fields, 'accept'), this.method);
  }

  bind(exchange: ClientEvents): void {
    const stream = this.stream;
    stream.on('close', () => {
      const code = stream.rstCode;
      const reset = code !== undefined && code !== NGHTTP2_NO_ERROR;
      exchange.clientClosed(!reset && exchange.complete, h2AbortReason(code), reset ? code : undefined);
    });
    if (this.body !== null) {
      stream.on('trailers', (trailers: IncomingHttpHeaders, _flags: number, raw?: string[]) => {
        this.trailersIn = raw ?? h2HeadersToRaw(trailers);
      });
    }
  }

  requestTrailers(): readonly string[] {
    return this.trailersIn;
  }

  http1Headers(viaToken: string): string[] {
    const { info } = this;
    return http1RequestHeaders(info.head, info.endStreamWithHeaders, { clientIp: info.clientIp, proto: info.proto, viaToken });
  }

  h2cHeaders(target: UpstreamTarget, viaToken: string): OutgoingHttpHeaders {
    const { info } = this;
    return h2cRequestHeaders(info.head, target.path, { clientIp: info.clientIp, proto: info.proto, viaToken });
  }

  gone(): boolean {
    return this.stream.closed || this.stream.destroyed;
  }

  headersSent(): boolean {
    return this.stream.headersSent;
  }

  informational(status: number, raw: readonly string[]): void {
    if (status === 100) this.stream.additionalHeaders({ ':status': 100 });
    else if (status === 103) {
      const link = headerValues(raw, 'link');
      if (link.length > 0) this.stream.additionalHeaders({ ':status': 103, link: link.length === 1 ? (link[0] as string) : link });
    }
  }

  respond(head: ResponseHead, endNow: boolean): readonly string[] {
    const { headers, sent } = h2ResponseHeaders(head.fields, head.status);
    const waitForTrailers = head.mayHaveTrailers && !endNow;
    this.stream.respond(headers, { endStream: endNow, waitForTrailers });
    if (waitForTrailers) this.stream.once('wantTrailers', () => this.sendTrailers());
    return sent;
  }

  private sendTrailers(): void {
    try {
      this.stream.sendTrailers(rawToH2Headers(this.trailersOut));
    } catch {
      resetStream(this.stream);
    }
  }

  write(chunk: Buffer): boolean {
    return this.stream.write(chunk);
  }

  once(event: 'drain', listener: () => void): unknown {
    return this.stream.once(event, listener);
  }

  end(trailers: readonly string[]): void {
    this.trailersOut = trailers;
    this.stream.end();
  }

  problem(problem: ProxyProblem): { sent: SentAnswer | null; status: number } {
    const fields = this.info.head.fields;
    if (this.streamingCall) {
      sendGrpcProblem(this.stream, problem, fieldValue(fields, 'content-type'));
      return { sent: null, status: 200 };
    }
    const sent = sendH2Problem(this.stream, problem, fieldValue(fields, 'accept'), this.method);
    return { sent, status: sent?.status ?? problem.status };
  }

  breakOff(): void {
    resetStream(this.stream);
  }

  cutAfterWritten(): void {
    // An empty write's callback runs once the DATA before it went out; then RST_STREAM.
    this.stream.write(Buffer.alloc(0), () => resetStream(this.stream));
  }

  invalidHead(err: Error): ProxyProblem {
    return invalidResponseHeadProblem(err, ' over HTTP/2');
  }
}
