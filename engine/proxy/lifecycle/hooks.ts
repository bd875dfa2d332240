// Where a rules layer (issue 14: mock, map, rewrite, delay, throttle, fail, breakpoints)
// plugs into the lifecycle. Nothing here acts on its own: without `ProxyContext.hooks` the
// lifecycle pays one `undefined` check per hook point. See README.md for what each point may do.
import type { Transform } from 'node:stream';
import type { ClientProtocol, ExchangeKind } from '../../../shared/traffic.js';
import type { ExchangeRecorder } from '../../capture/index.js';
import { stripHopByHop } from '../headers/headers.js';
import type { ProxyProblem } from '../problems/problems.js';
import type { UpstreamTarget } from '../target.js';
import type { ResponseHead } from '../upstream/side.js';

/** A response made by the proxy instead of the service (a mock). */
export interface LocalAnswer {
  status: number;
  /** Flat `[name, value, …]`. */
  headers: string[];
  body: Buffer;
}

const FRAMING = new Set(['content-length']);

/**
 * The head fields a local answer is sent with: the answer's own headers without framing or
 * hop-by-hop ones (a mock's `content-length = "999"` or `connection` would contradict the
 * body the proxy sends, and is illegal over HTTP/2), then the body's real length.
 */
export function localAnswerFields(answer: LocalAnswer, bodyLength: number): string[] {
  const fields = stripHopByHop(answer.headers, { drop: FRAMING });
  fields.push('Content-Length', String(bodyLength));
  return fields;
}

/** What happens to the request before it goes to the service. `undefined`: go on unchanged. */
export type RequestVerdict =
  | undefined
  | { kind: 'answer'; answer: LocalAnswer }
  | { kind: 'problem'; problem: ProxyProblem }
  | { kind: 'reset' }
  /** Wait, then apply `then` (undefined: go on). */
  | { kind: 'delay'; ms: number; then?: RequestVerdict }
  /** Decided later (a breakpoint, a mock read from a file): the exchange waits for it. */
  | { kind: 'later'; verdict: Promise<RequestVerdict> };

/** What happens at the service's response head. `undefined`: go on (the head may have been edited in place). */
export type ResponseVerdict =
  | undefined
  | { kind: 'answer'; answer: LocalAnswer }
  | { kind: 'problem'; problem: ProxyProblem }
  | { kind: 'reset' }
  /** Decided later (a response delay, a breakpoint): the service's body waits, paused. */
  | { kind: 'later'; verdict: Promise<ResponseVerdict> }
  /**
   * Read the whole response body first (up to `limit` bytes), then decide. `decide(null)`: the
   * body was larger; it is sent as it comes. After a whole body, `undefined` sends it unchanged.
   */
  | { kind: 'collect'; limit: number; decide: (body: Buffer | null) => ResponseVerdict }
  /** Send the (possibly edited) head with this body instead of the service's (Content-Length fixed). */
  | { kind: 'body'; body: Buffer };

/** The request as it arrived (capture's ArrivedRequest has these; declared here so hooks.ts imports no module that imports context.ts). */
export interface HookArrived {
  clientProtocol: ClientProtocol;
  method: string;
  host: string;
  url: string;
  rawHeaders: readonly string[];
}

/** The request as a hook sees it: the head may be edited in place, the target replaced. */
export interface HookRequest {
  readonly method: string;
  /** Headers about to be sent: a flat list for an HTTP/1.1 service, an object for h2c. Mutable. */
  readonly headers: string[] | Record<string, unknown>;
  /** Where the request goes; a hook may set another service or path (map). */
  target: UpstreamTarget;
  /** The capture id (0 without capture). */
  readonly exchangeId: number;
  readonly recorder: ExchangeRecorder;
  readonly kind: ExchangeKind;
  /** gRPC over HTTP/2 (no response deadline; a mock answers with grpc-status). */
  readonly streamingCall: boolean;
  /** The request as it arrived (built on each call: only for exchanges a rule looks at). */
  arrived(): HookArrived;
  /** The method sent upstream; a hook may change it (a breakpoint's edit). */
  setMethod(method: string): void;
  /** Aborts when the client goes away before the exchange ends (made on first use). */
  clientGoneSignal(): AbortSignal;
  /**
   * The request body, read whole (it is what goes upstream unless replaced; capture records
   * what goes upstream); null when it has none, is over `limit`, or has not ended within
   * `waitMs` (then it is sent as it comes).
   */
  readBody(limit: number, waitMs?: number): Promise<Buffer | null>;
  /** Send this body instead of the client's (the hook fixes Content-Length). */
  replaceBody(body: Buffer): void;
  /** Cut the client's connection or stream when the response body ends, after what was relayed (close after N bytes). */
  cutClient(): void;
  /** State a hook keeps for this exchange between its hook points. */
  hookState: unknown;
}

export interface ExchangeHooks {
  /** Before the upstream exchange starts. */
  beforeUpstream?(request: HookRequest): RequestVerdict;
  /** At the response head: `head.status` and `head.fields` may be edited in place. */
  atResponseHead?(request: HookRequest, head: ResponseHead): ResponseVerdict;
  /** Transforms the request body is piped through, in order (throttle); none: []. */
  requestBody?(request: HookRequest): readonly Transform[];
  /** Transforms the response body is piped through, in order (throttle, then close after N bytes). */
  responseBody?(request: HookRequest, head: ResponseHead): readonly Transform[];
  /** A routed upgrade (WebSocket over HTTP/1.1 or HTTP/2), before it goes to the service (tunnel/runTunnel): `answer` refuses it with exactly that answer. */
  beforeTunnel?(request: HookRequest): RequestVerdict;
}
