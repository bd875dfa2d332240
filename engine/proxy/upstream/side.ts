// The contract between the lifecycle and the service's side of an exchange. The lifecycle's
// Exchange implements ExchangeEvents; http1-exchange.ts and h2c-exchange.ts implement
// UpstreamSide. Declared here so upstream/ never imports lifecycle/ (no import loop).
import type { Readable, Writable } from 'node:stream';
import type { UpstreamProtocolUsed } from '../../../shared/traffic.js';
import type { ExchangeRecorder } from '../../capture/index.js';
import type { ProxyProblem } from '../problems/problems.js';
import type { UpstreamTarget } from '../target.js';

/** A response head from the service, already free of hop-by-hop and pseudo-headers. */
export interface ResponseHead {
  status: number;
  /** HTTP/1.1 reason phrase, when the service sent one. */
  statusMessage: string | undefined;
  /** Flat `[name, value, …]` for the client. */
  fields: string[];
  /** As received from the service, for capture. */
  received: readonly string[];
  /** The service said no body follows (HTTP/2 END_STREAM with the headers). */
  endStream: boolean;
  /** Trailers may follow the body (HTTP/2 upstream, or a Trailer header). */
  mayHaveTrailers: boolean;
  /** No Content-Length, or an event stream: the head must go out now, not with the first chunk. */
  streaming: boolean;
}

/** What the service's side reports to the exchange, and reads of it. */
export interface ExchangeEvents {
  readonly method: string;
  readonly target: UpstreamTarget;
  /** Request headers for this upstream protocol: a flat list (HTTP/1.1) or an http2 object (h2c). */
  readonly headers: string[] | Record<string, unknown>;
  readonly recorder: ExchangeRecorder;
  /** The exchange is over (an answer is out, or the client is gone). */
  readonly done: boolean;
  /** The response head arrived. */
  readonly responded: boolean;
  /** The request has a body to relay. */
  readonly hasBody: boolean;
  /** The request body may end with trailers to pass on. */
  readonly bodyMayHaveTrailers: boolean;
  /** The client waits for 100 Continue before sending its body. */
  readonly expectsContinue: boolean;
  requestTrailers(): readonly string[];
  clientGone(): boolean;
  /** The service's side is ready for the request body. */
  sendBody(sink: Writable): void;
  requestSent(): void;
  informational(status: number, raw: readonly string[]): void;
  response(head: ResponseHead, body: Readable): void;
  /** Failure before the response head. */
  fail(problem: ProxyProblem): void;
  /** Failure after the response head (`what`: how the service broke off). */
  brokeOff(what: string): void;
}

/** The service's side of the exchange: one HTTP/1.1 request (with attempts) or one h2c stream. */
export interface UpstreamSide {
  readonly protocol: UpstreamProtocolUsed;
  start(exchange: ExchangeEvents): void;
  /** Stops the service's side (client gone, deadline, a local answer instead). */
  cancel(code?: number): void;
  /** The whole request has been handed to the service. */
  requestFinished(): boolean;
  /** The response's trailers, raw, once its body ended. */
  trailers(): readonly string[];
}
