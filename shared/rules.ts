// Rules and breakpoints: what the engine does to an exchange on its way through the proxy.
// A rule is a matcher (the inspector's filter language, shared/filter) and actions. Rules are
// kept per project, in order; the first enabled rule that matches decides, unless it says
// `continue`, in which case its rewrites, delays and throttle are collected and the next
// matching rule is looked at too.
import type { ConfigIssue } from './config.js';
import type { HeaderList, ReplayEdits } from './traffic.js';

/** Where a rule comes from: edited in locald (state directory) or `locald.rules.toml` in the project folder (read-only from the API). */
export type RuleSource = 'user' | 'project';

/** Which phase pauses: before the request is forwarded, before the response is sent to the client, or both. */
export type BreakpointPhase = 'request' | 'response' | 'both';

/** Answer without the service. Exactly one of body / bodyFile (or neither: an empty body). */
export interface MockAction {
  status: number;
  headers?: Record<string, string>;
  /** Inline text body. */
  body?: string;
  /** A file inside the project folder, relative to it. */
  bodyFile?: string;
  /** Only the first N matching exchanges are mocked (counted per engine run); after that the rule no longer matches. */
  times?: number;
}

/** Send elsewhere: another service of the project, another path, or another local URL. */
export interface MapAction {
  service?: string;
  /** Replaces the path (the query is kept). */
  path?: string;
  /** `http://127.0.0.1:9000` (loopback only); its path, if any, is prefixed. */
  url?: string;
  /** The Host sent upstream; default: the original Host for service/path maps, the URL's host for url maps. */
  host?: string;
}

/** Replace text: every occurrence of `find` (plain text, or a regular expression when `regex`). */
export interface Replacement {
  find: string;
  replace: string;
  regex?: boolean;
}

/** Fixed latency, or a random one in [minMs, maxMs]. */
export type DelaySpec = { ms: number } | { minMs: number; maxMs: number };

/** Make it fail: reset the connection, close it after N response bytes, or answer an explained 502/503/504. */
export type FailAction = { kind: 'reset' } | { kind: 'close-after'; bytes: number } | { kind: 'status'; status: 502 | 503 | 504 };

/** Everything a rule can do. At least one action; at most one of mock, map and fail. */
export interface RuleActions {
  breakpoint?: BreakpointPhase;
  mock?: MockAction;
  map?: MapAction;
  setRequestHeaders?: Record<string, string>;
  addRequestHeaders?: Record<string, string>;
  removeRequestHeaders?: string[];
  setResponseHeaders?: Record<string, string>;
  addResponseHeaders?: Record<string, string>;
  removeResponseHeaders?: string[];
  /** Applied to the path and query before forwarding. */
  replaceUrl?: Replacement[];
  /** Applied to text bodies up to a bounded size; larger or binary bodies pass unchanged. */
  replaceRequestBody?: Replacement[];
  replaceResponseBody?: Replacement[];
  /** Latency before the request is forwarded. */
  delay?: DelaySpec;
  /** Latency before the response head is sent to the client. */
  responseDelay?: DelaySpec;
  /** Response bandwidth limit for this exchange, bytes per second. */
  throttle?: number;
  fail?: FailAction;
  /** Keep looking at later rules after this one (rewrites, delays and throttle add up). */
  continue?: boolean;
}

/** A rule as the API takes it from a client. */
export interface RuleInput extends RuleActions {
  /** Filter language, e.g. `method:POST path:/api/orders`; empty matches everything. */
  match: string;
  /** Default true. */
  enabled?: boolean;
  /** A label for people; not used for matching. */
  name?: string;
}

export interface Rule extends RuleActions {
  /** Stable across restarts. Project-file rules get `project:<index>`. */
  id: string;
  match: string;
  enabled: boolean;
  source: RuleSource;
  name?: string;
}

/** A project's rules in evaluation order: the user's rules first, then the project file's. */
export interface RuleSet {
  project: string;
  rules: Rule[];
  /** `locald.rules.toml` in the project folder, when there is one. */
  projectFile: string | null;
  /**
   * Problems with the project file, located (file, line, column). When the file is invalid
   * its previous valid rules stay in `rules` and keep working.
   */
  projectFileIssues: ConfigIssue[];
  /**
   * Rules that load and apply but name something the project lacks today (a map to a service
   * it does not define), from the project file (located) or the user's rules (by rule id).
   */
  warnings: ConfigIssue[];
}

/** Which action of a rule acted on an exchange, as recorded in capture. */
export type { RuleActionKind } from './traffic.js';

// ---- breakpoints ------------------------------------------------------------

export type PausedPhase = 'request' | 'response';

export interface PausedRequest {
  method: string;
  /** Path and query as it would be forwarded. */
  url: string;
  headers: HeaderList;
  /** Base64 of the (bounded) body received so far, or null when the body is not held. */
  body: string | null;
}

export interface PausedResponse {
  status: number;
  headers: HeaderList;
  body: string | null;
}

/** An exchange paused by a breakpoint rule, waiting for resume, abort or answer. */
export interface PausedExchange {
  /** The breakpoint's id (not the exchange's). */
  id: string;
  /** The captured exchange, when capture has one. */
  exchangeId: number | null;
  project: string;
  ruleId: string;
  phase: PausedPhase;
  /** Epoch ms. */
  pausedAt: number;
  /** Epoch ms at which it continues unchanged. */
  timeoutAt: number;
  /** The client's own deadline when it sent one (grpc-timeout, …), in ms from pausedAt; null when unknown. */
  clientTimeoutMs: number | null;
  request: PausedRequest;
  /** Set in the response phase. */
  response: PausedResponse | null;
}

/** Request edits when resuming: the same shape as a replay's edits (body base64). */
export type BreakpointRequestEdits = ReplayEdits;

export interface BreakpointResponseEdits {
  status?: number;
  headers?: HeaderList;
  /** Base64. */
  body?: string;
}

/** A fixed response to answer a paused exchange with. */
export interface BreakpointAnswer {
  status: number;
  headers?: HeaderList;
  /** Base64. */
  body?: string;
}

export type BreakpointOutcome = 'resumed' | 'aborted' | 'answered' | 'timeout' | 'client-gone';

export interface BreakpointResumed {
  id: string;
  project: string;
  outcome: BreakpointOutcome;
}

export const DEFAULT_BREAKPOINT_TIMEOUT_MS = 5 * 60_000;
