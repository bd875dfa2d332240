// Where a rules layer (issue 14: mock, map, rewrite, delay, throttle, fail, breakpoints)
// plugs into the lifecycle. Nothing here acts on its own: without `ProxyContext.hooks` the
// lifecycle pays one `undefined` check per hook point. See README.md for what each point may do.
import type { Transform } from 'node:stream';
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

/** What happens to the request before it goes to the service. `undefined`: go on unchanged. */
export type RequestVerdict =
  | undefined
  | { kind: 'answer'; answer: LocalAnswer }
  | { kind: 'problem'; problem: ProxyProblem }
  | { kind: 'reset' }
  /** Wait, then apply `then` (undefined: go on). */
  | { kind: 'delay'; ms: number; then?: RequestVerdict };

/** What happens at the service's response head. `undefined`: go on (the head may have been edited in place). */
export type ResponseVerdict = undefined | { kind: 'answer'; answer: LocalAnswer } | { kind: 'problem'; problem: ProxyProblem } | { kind: 'reset' };

/** The request as a hook sees it: the head may be edited in place, the target replaced. */
export interface HookRequest {
  readonly method: string;
  /** Headers about to be sent: a flat list for an HTTP/1.1 service, an object for h2c. Mutable. */
  readonly headers: string[] | Record<string, unknown>;
  /** Where the request goes; a hook may set another service or path (map). */
  target: UpstreamTarget;
  /** The capture id (0 without capture). */
  readonly exchangeId: number;
}

export interface ExchangeHooks {
  /** Before the upstream exchange starts. */
  beforeUpstream?(request: HookRequest): RequestVerdict;
  /** At the response head: `head.status` and `head.fields` may be edited in place. */
  atResponseHead?(request: HookRequest, head: ResponseHead): ResponseVerdict;
  /** A transform the request body is piped through (throttle, close after N bytes). */
  requestBody?(request: HookRequest): Transform | undefined;
  /** A transform the response body is piped through. */
  responseBody?(request: HookRequest, head: ResponseHead): Transform | undefined;
}
