// The engine protocol: one typed request/event contract, independent of transport.
// In `locald up` it travels over a WebSocket; in the desktop app over a MessagePort.
import type { HarImportIssue } from './har.js';
import type { LogLine, ProjectState, ServiceState } from './state.js';
import type { BreakpointAnswer, BreakpointRequestEdits, BreakpointResponseEdits, BreakpointResumed, PausedExchange, Rule, RuleInput, RuleSet } from './rules.js';
import type { BodyContent, CaptureStats, ExchangeDetail, ExchangeSummary, ReplayEdits, TrafficEvicted } from './traffic.js';

export interface EngineInfo {
  version: string;
  httpPort: number;
  /** Where the dashboard is served, e.g. http://locald.localhost:7700/ */
  dashboardUrl: string;
  home: string;
  pid: number;
}

/**
 * What `projects.request` answers. Under `locald up` the engine has no dialog of its own:
 * the caller asks on its terminal and adds the project itself. Under the desktop app the
 * app's approval dialog was shown, and on approval the app added and started the project.
 */
export type ProjectRequestResult =
  | { outcome: 'ask_terminal' }
  | { outcome: 'approved'; project: ProjectState }
  | { outcome: 'declined'; message: string };

/** Every method: its params and its result. */
export interface EngineMethods {
  'engine.info': { params: Record<string, never>; result: EngineInfo };
  'projects.list': { params: Record<string, never>; result: ProjectState[] };
  'projects.add': { params: { dir: string }; result: ProjectState };
  /** Asks the engine's host to approve and run a folder's project (a joining `locald up`). */
  'projects.request': { params: { dir: string }; result: ProjectRequestResult };
  'projects.remove': { params: { project: string }; result: { removed: boolean } };
  'projects.start': { params: { project: string }; result: ProjectState };
  'projects.stop': { params: { project: string }; result: ProjectState };
  /** Applies a config change that is waiting for approval (see ProjectState.pendingApproval). */
  /** `hash` (from pendingApproval, or the shell's own preview) guards against a file that changed again meanwhile. */
  'projects.approve': { params: { project: string; hash?: string }; result: ProjectState };
  /** Keeps (or stops keeping) the project's captured traffic on disk, overriding `[capture] persist` until the engine stops. */
  'projects.persistTraffic': { params: { project: string; persist: boolean }; result: ProjectState };
  'services.restart': { params: { project: string; service: string }; result: ServiceState };
  'logs.read': {
    params: { project: string; service?: string; limit?: number; afterSeq?: number };
    result: LogLine[];
  };
  /** A snapshot of captured exchanges, oldest first (newest `limit`). */
  'traffic.list': { params: { limit?: number }; result: ExchangeSummary[] };
  'traffic.get': { params: { id: number }; result: ExchangeDetail };
  /** `original`: the body before a rule rewrote it (ExchangeDetail.rewrite). */
  'traffic.body': { params: { id: number; which: 'request' | 'response'; decode?: boolean; original?: boolean }; result: BodyContent };
  'traffic.pin': { params: { id: number; pinned: boolean }; result: ExchangeSummary };
  'traffic.clear': { params: Record<string, never>; result: { cleared: number } };
  /** HAR 1.2 as a JSON object, for all exchanges or the given ids. */
  'traffic.har': { params: { ids?: number[] }; result: unknown };
  /** Sends an exchange's request again through the proxy pipeline, with edits. Resolves when the replay completes. */
  'traffic.replay': { params: { id: number; edits?: ReplayEdits }; result: ExchangeSummary };
  /**
   * Adds a HAR file's entries to the captured traffic (new ids), so they can be inspected and
   * replayed like captured ones. Unreadable entries are skipped and reported in `issues`.
   */
  'traffic.importHar': { params: { har: unknown }; result: { imported: ExchangeSummary[]; issues: HarImportIssue[] } };
  /** How full capture is, and how many exchanges and bytes its limits made it let go of. */
  'traffic.stats': { params: Record<string, never>; result: CaptureStats };
  /** The project's rules in evaluation order (user rules, then locald.rules.toml), with the project file's issues. */
  'rules.list': { params: { project: string }; result: RuleSet };
  /** Adds a user rule at `index` (default: the end of the user rules). */
  'rules.add': { params: { project: string; rule: RuleInput; index?: number }; result: Rule };
  /** Replaces a user rule, keeping its id and place. Project-file rules are read-only. */
  'rules.update': { params: { project: string; id: string; rule: RuleInput }; result: Rule };
  'rules.remove': { params: { project: string; id: string }; result: { removed: boolean } };
  /** The user rules in a new order: `ids` must name every user rule once. */
  'rules.reorder': { params: { project: string; ids: string[] }; result: RuleSet };
  /** Adds the rules of a `locald.rules.toml` text as user rules (after them, or instead of them with `replace`). Invalid text → `config_invalid` with located issues. */
  'rules.import': { params: { project: string; toml: string; replace?: boolean }; result: RuleSet };
  /** The rules as `locald.rules.toml` text: the given ids, or every user rule. */
  'rules.export': { params: { project: string; ids?: string[] }; result: { toml: string } };
  /** Exchanges paused by breakpoint rules, oldest first. */
  'breakpoints.list': { params: { project?: string }; result: PausedExchange[] };
  /** Lets a paused exchange go on, with edits to the request (request phase) or the response (response phase). */
  'breakpoints.resume': { params: { id: string; request?: BreakpointRequestEdits; response?: BreakpointResponseEdits }; result: { resumed: boolean } };
  /** Resets the paused exchange's client connection (or stream). */
  'breakpoints.abort': { params: { id: string }; result: { aborted: boolean } };
  /** Answers the paused exchange with a fixed response instead of forwarding it. */
  'breakpoints.answer': { params: { id: string; response: BreakpointAnswer }; result: { answered: boolean } };
}

/** Every event the engine pushes, and its payload. */
export interface EngineEvents {
  'project.state': ProjectState;
  'project.removed': { project: string };
  'service.log': LogLine[];
  /** New and updated exchanges, batched (about 10 batches a second). */
  'traffic.batch': ExchangeSummary[];
  /**
   * Exchanges capture removed to stay within its limits (oldest first), so lists drop their
   * rows. Sent just before the traffic.batch of the same flush, on the same ordered channel,
   * so a client that applies events in arrival order never re-adds an evicted exchange; an id
   * is sent once and never appears in a batch again. A separate event rather than a field of
   * traffic.batch: that payload is a bare array every client already reads, and evictions can
   * come without any changed exchange (a lowered limit, an unpin).
   */
  'traffic.evicted': TrafficEvicted;
  'traffic.cleared': { cleared: number };
  /** Capture's fill and eviction counters, sent after each traffic.batch or traffic.evicted. */
  'traffic.stats': CaptureStats;
  /** A project's rules changed (API edit, import, locald.rules.toml reloaded or found invalid). */
  'rules.changed': RuleSet;
  'breakpoint.paused': PausedExchange;
  /** A paused exchange went on: resumed, aborted, answered, timed out, or its client went away. */
  'breakpoint.resumed': BreakpointResumed;
}

export type EngineMethod = keyof EngineMethods;
export type EngineEvent = keyof EngineEvents;
export type ParamsOf<M extends EngineMethod> = EngineMethods[M]['params'];
export type ResultOf<M extends EngineMethod> = EngineMethods[M]['result'];

/** Stable error codes so clients can react without parsing messages. */
export type EngineErrorCode =
  | 'not_found'
  | 'invalid_params'
  | 'config_invalid'
  | 'port_in_use'
  | 'unknown_method'
  | 'internal';

export interface EngineErrorShape {
  code: EngineErrorCode;
  message: string;
  details?: unknown;
}

/**
 * `details` of an `invalid_params` error that names one field of the request, e.g.
 * `edits.headers[3].value`, `edits.url`, `host`. The message starts with the same name.
 */
export interface InvalidFieldDetails {
  field: string;
}

/** The transport-independent API every client codes against. */
export interface EngineApi {
  call<M extends EngineMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  subscribe<E extends EngineEvent>(event: E, handler: (data: EngineEvents[E]) => void): () => void;
}

// Wire messages, shared by every transport.
export interface RequestMessage<M extends EngineMethod = EngineMethod> {
  type: 'request';
  id: number;
  method: M;
  params: ParamsOf<M>;
}
export type ResponseMessage =
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: EngineErrorShape };
export interface EventMessage<E extends EngineEvent = EngineEvent> {
  type: 'event';
  event: E;
  data: EngineEvents[E];
}
export type WireMessage = RequestMessage | ResponseMessage | EventMessage;

export const ENGINE_METHODS: readonly EngineMethod[] = [
  'engine.info',
  'projects.list',
  'projects.add',
  'projects.request',
  'projects.remove',
  'projects.start',
  'projects.stop',
  'projects.approve',
  'projects.persistTraffic',
  'services.restart',
  'logs.read',
  'traffic.list',
  'traffic.get',
  'traffic.body',
  'traffic.pin',
  'traffic.clear',
  'traffic.har',
  'traffic.replay',
  'traffic.stats',
  'traffic.importHar',
  'rules.list',
  'rules.add',
  'rules.update',
  'rules.remove',
  'rules.reorder',
  'rules.import',
  'rules.export',
  'breakpoints.list',
  'breakpoints.resume',
  'breakpoints.abort',
  'breakpoints.answer',
] as const;

export const ENGINE_EVENTS: readonly EngineEvent[] = [
  'project.state',
  'project.removed',
  'service.log',
  'traffic.batch',
  'traffic.evicted',
  'traffic.cleared',
  'traffic.stats',
  'rules.changed',
  'breakpoint.paused',
  'breakpoint.resumed',
] as const;
