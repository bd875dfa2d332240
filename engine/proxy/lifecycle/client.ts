// The client's side of one plain HTTP exchange, whatever protocol it arrived over. The
// lifecycle (exchange.ts) talks only to this; client-http1.ts and client-h2.ts adapt an
// HTTP/1.1 ServerResponse and an HTTP/2 stream, and grpc/web-client.ts translates gRPC-Web.
import type { OutgoingHttpHeaders } from 'node:http2';
import type { Readable, Transform } from 'node:stream';
import type { SentAnswer } from '../problems/render.js';
import type { ProxyProblem } from '../problems/problems.js';
import type { BodySink } from '../upstream/relay.js';
import type { ResponseHead } from '../upstream/side.js';
import type { DashboardHooks } from '../context.js';
import type { UpstreamTarget } from '../target.js';
import type { ArrivedRequest } from './capture.js';

/** What a client adapter reports to the exchange it is bound to (lifecycle/exchange.ts). */
export interface ClientEvents {
  /** The whole response went to the client. */
  readonly complete: boolean;
  /** The client's side closed; `clean`: after the whole response. `code`: an HTTP/2 reset code to pass on. */
  clientClosed(clean: boolean, reason: string, code?: number): void;
  /** The request stream failed: stop the service's side. */
  requestFailed(): void;
}

export interface ClientSide extends BodySink {
  /** The request as it arrived, for capture (built only when capture is on). */
  arrived(): ArrivedRequest;
  /** Routed to the dashboard: hand over, or explain why not (not captured: the inspector does not record itself). */
  toDashboard(dashboard: DashboardHooks | undefined): void;
  /** Ties the client's lifetime to the exchange (close, reset, request errors). Called once. */
  bind(exchange: ClientEvents): void;
  readonly method: string;
  /** The request body as it arrived (what capture sees), or null when the request has none. */
  readonly body: Readable | null;
  /** A decoder the body goes through on its way to the service (gRPC-Web -text: base64). */
  decodeBody?(): Transform | undefined;
  /** The request body may end with trailers the service should get (HTTP/1.1 chunked). */
  readonly bodyMayHaveTrailers: boolean;
  /** The client waits for 100 Continue before it sends its body. */
  readonly expectsContinue: boolean;
  /** A replayed request: the answer names the exchange it became. */
  readonly isReplay: boolean;
  /** gRPC: no response-header deadline (a call answers when it is ready). */
  readonly streamingCall: boolean;
  /** Raw request trailers, once the body ended. */
  requestTrailers(): readonly string[];
  /** Request headers for an HTTP/1.1 service. */
  http1Headers(viaToken: string): string[];
  /** Request headers for an HTTP/2 (h2c) service. */
  h2cHeaders(target: UpstreamTarget, viaToken: string): OutgoingHttpHeaders;
  /** The client's side is closed or destroyed: nothing more can reach it. */
  gone(): boolean;
  headersSent(): boolean;
  /** Relays a 1xx (100, 102, 103); dropped when the client cannot take it. */
  informational(status: number, raw: readonly string[]): void;
  /** Sends the response head; returns the headers as sent (for capture). Throws on headers it cannot send. */
  respond(head: ResponseHead, endNow: boolean): readonly string[];
  /** Ends the response, with the service's trailers (raw) when it sent any. */
  end(trailers: readonly string[]): void;
  /** Answers with a problem; returns what was sent (null when nothing could be) and the status the client saw. */
  problem(problem: ProxyProblem): { sent: SentAnswer | null; status: number };
  /** The response broke off: make sure the client cannot take what it got for a whole response. */
  breakOff(): void;
  /** Cut the connection (HTTP/1.1) or reset the stream (HTTP/2) once what was written has gone out: a rule's close-after. */
  cutAfterWritten?(): void;
  /** How breakOff looks to the client, for capture ("the client connection was aborted"). */
  readonly breakOffWords: string;
  /** The problem for a response head the client's protocol cannot carry. */
  invalidHead(err: Error): ProxyProblem;
}
