// What the rules decide for one exchange. Pure apart from the mock-use counters it is given.
// First match wins; a matching rule with `continue` adds its rewrites, delays and throttle and
// lets later rules match too. The first mock, map or fail decides; later ones are ignored.
import type { BreakpointPhase, DelaySpec, FailAction, MapAction, MockAction, Replacement, Rule, RuleActionKind } from '../../shared/rules.js';
import type { RuleApplication } from '../../shared/traffic.js';
import type { ExchangePredicate } from '../../shared/filter/match.js';
import { compileFilterText, matchSubject, type RequestView, type ResponseView } from './rule-filter.js';

export interface CompiledRule {
  rule: Rule;
  /** 'response' when the matcher needs the response (status:, larger:, …). */
  phase: 'request' | 'response';
  predicate: ExchangePredicate;
}

/** A project's enabled rules, compiled once per change. */
export interface CompiledRules {
  request: CompiledRule[];
  response: CompiledRule[];
}

export const NO_RULES: CompiledRules = { request: [], response: [] };

export function compileRules(rules: readonly Rule[]): CompiledRules {
  const out: CompiledRules = { request: [], response: [] };
  for (const rule of rules) {
    if (!rule.enabled) continue;
    const filter = compileFilterText(rule.match);
    if (filter.errors.length > 0) continue; // validated on the way in; a rule that no longer parses never matches
    const phase = filter.responseKeys.length > 0 ? 'response' : 'request';
    out[phase].push({ rule, phase, predicate: filter.predicate });
  }
  return out.request.length === 0 && out.response.length === 0 ? NO_RULES : out;
}

export interface HeaderEdits {
  set: Record<string, string>;
  add: [string, string][];
  remove: string[];
}

/** Everything that applies to the response side of an exchange. */
export interface ResponseEffects {
  headers: HeaderEdits;
  replaceBody: Replacement[];
  /** ms to wait before sending the response head. */
  delayMs: number;
  /** bytes/s; null when unthrottled. The smallest of the matching rules' limits. */
  throttle: number | null;
  /** Pause before the response head goes to the client: the rule that asked. */
  breakpoint: string | null;
}

export interface RequestDecision extends ResponseEffects {
  /** True when no rule matched: the data path goes on unchanged. */
  none: boolean;
  applied: RuleApplication[];
  /** The first rule that acted and what it did, for the capture summary. */
  ruleId: string | null;
  ruleAction: RuleActionKind | null;
  /** Pause before forwarding: the rule that asked. */
  requestBreakpoint: string | null;
  mock: { ruleId: string; mock: MockAction } | null;
  map: { ruleId: string; map: MapAction } | null;
  fail: { ruleId: string; fail: FailAction } | null;
  requestHeaders: HeaderEdits;
  replaceUrl: Replacement[];
  replaceRequestBody: Replacement[];
  /** ms to wait before forwarding (or before answering with a mock). */
  requestDelayMs: number;
}

export interface ResponseDecision extends ResponseEffects {
  none: boolean;
  applied: RuleApplication[];
  ruleId: string | null;
  ruleAction: RuleActionKind | null;
  /** Replace the service's response with this one. */
  mock: { ruleId: string; mock: MockAction } | null;
  fail: { ruleId: string; fail: FailAction } | null;
}

/** Picks a delay; `random` is Math.random's contract. */
export function delayMs(spec: DelaySpec | undefined, random: () => number = Math.random): number {
  if (spec === undefined) return 0;
  if ('ms' in spec) return spec.ms;
  return Math.round(spec.minMs + (spec.maxMs - spec.minMs) * random());
}

function emptyEffects(): ResponseEffects {
  return { headers: { set: {}, add: [], remove: [] }, replaceBody: [], delayMs: 0, throttle: null, breakpoint: null };
}

export const NO_REQUEST_DECISION: Readonly<RequestDecision> = Object.freeze({
  ...emptyEffects(),
  none: true,
  applied: [],
  ruleId: null,
  ruleAction: null,
  requestBreakpoint: null,
  mock: null,
  map: null,
  fail: null,
  requestHeaders: { set: {}, add: [], remove: [] },
  replaceUrl: [],
  replaceRequestBody: [],
  requestDelayMs: 0,
});

export const NO_RESPONSE_DECISION: Readonly<ResponseDecision> = Object.freeze({ ...emptyEffects(), none: true, applied: [], ruleId: null, ruleAction: null, mock: null, fail: null });

function mergeHeaders(into: HeaderEdits, set?: Record<string, string>, add?: Record<string, string>, remove?: string[]): boolean {
  if (set !== undefined) Object.assign(into.set, set);
  if (add !== undefined) into.add.push(...Object.entries(add));
  if (remove !== undefined) into.remove.push(...remove);
  return set !== undefined || add !== undefined || remove !== undefined;
}

function breakpointPauses(phase: BreakpointPhase | undefined, at: 'request' | 'response'): boolean {
  return phase === at || phase === 'both';
}

/** Adds a rule's response-side actions; returns what it did. */
function addResponseEffects(effects: ResponseEffects, rule: Rule, random: () => number): RuleActionKind[] {
  const did: RuleActionKind[] = [];
  if (mergeHeaders(effects.headers, rule.setResponseHeaders, rule.addResponseHeaders, rule.removeResponseHeaders) || rule.replaceResponseBody !== undefined) did.push('rewrite');
  if (rule.replaceResponseBody !== undefined) effects.replaceBody.push(...rule.replaceResponseBody);
  if (rule.responseDelay !== undefined) {
    effects.delayMs += delayMs(rule.responseDelay, random);
    did.push('delay');
  }
  if (rule.throttle !== undefined) {
    effects.throttle = effects.throttle === null ? rule.throttle : Math.min(effects.throttle, rule.throttle);
    did.push('throttle');
  }
  if (breakpointPauses(rule.breakpoint, 'response') && effects.breakpoint === null) {
    effects.breakpoint = rule.id;
    did.push('breakpoint');
  }
  return did;
}

/** A mock with `times` that has been used up no longer matches. */
function mockUsedUp(rule: Rule, mockUses: ReadonlyMap<string, number>): boolean {
  return rule.mock?.times !== undefined && (mockUses.get(rule.id) ?? 0) >= rule.mock.times;
}

/** Before forwarding: which request-phase rules match, and what they do. */
export function evaluateRequest(rules: CompiledRules, view: RequestView, mockUses: Map<string, number>, random: () => number = Math.random): RequestDecision {
  if (rules.request.length === 0 && rules.response.length === 0) return NO_REQUEST_DECISION;
  let decision: RequestDecision | null = null;
  const subject = matchSubject(view);
  for (const { rule, predicate } of rules.request) {
    if (mockUsedUp(rule, mockUses) || !predicate(subject)) continue;
    const d: RequestDecision = decision ?? { ...NO_REQUEST_DECISION, ...emptyEffects(), none: false, applied: [], requestHeaders: { set: {}, add: [], remove: [] }, replaceUrl: [], replaceRequestBody: [] };
    decision = d;
    const did: RuleActionKind[] = [];
    const terminal = d.mock !== null || d.map !== null || d.fail !== null;
    if (rule.mock !== undefined && !terminal) {
      d.mock = { ruleId: rule.id, mock: rule.mock };
      mockUses.set(rule.id, (mockUses.get(rule.id) ?? 0) + 1);
      did.push('mock');
    } else if (rule.map !== undefined && !terminal) {
      d.map = { ruleId: rule.id, map: rule.map };
      did.push('map');
    } else if (rule.fail !== undefined && !terminal) {
      d.fail = { ruleId: rule.id, fail: rule.fail };
      did.push('fail');
    }
    if (mergeHeaders(d.requestHeaders, rule.setRequestHeaders, rule.addRequestHeaders, rule.removeRequestHeaders) || rule.replaceUrl !== undefined || rule.replaceRequestBody !== undefined) did.push('rewrite');
    if (rule.replaceUrl !== undefined) d.replaceUrl.push(...rule.replaceUrl);
    if (rule.replaceRequestBody !== undefined) d.replaceRequestBody.push(...rule.replaceRequestBody);
    if (rule.delay !== undefined) {
      d.requestDelayMs += delayMs(rule.delay, random);
      did.push('delay');
    }
    if (breakpointPauses(rule.breakpoint, 'request') && d.requestBreakpoint === null) {
      d.requestBreakpoint = rule.id;
      did.push('breakpoint');
    }
    recordApplied(d, rule, [...did, ...addResponseEffects(d, rule, random)]);
    if (rule.continue !== true) break;
  }
  return decision ?? NO_REQUEST_DECISION;
}

/** Notes what a matching rule did; the first rule that did anything names the exchange's rule. */
function recordApplied(d: RequestDecision | ResponseDecision, rule: CompiledRule['rule'], kinds: readonly RuleActionKind[]): void {
  const did = [...new Set(kinds)];
  d.applied.push({ ruleId: rule.id, actions: did });
  if (d.ruleId === null) {
    d.ruleId = rule.id;
    d.ruleAction = did[0] ?? null;
  }
}

/**
 * When the response head arrives: the response-phase rules (matchers on status:, larger:, …).
 * The request decision's response effects are the data path's to combine with these.
 */
export function evaluateResponse(rules: CompiledRules, view: ResponseView, mockUses: Map<string, number>, random: () => number = Math.random): ResponseDecision {
  if (rules.response.length === 0) return NO_RESPONSE_DECISION;
  let decision: ResponseDecision | null = null;
  const subject = matchSubject(view);
  for (const { rule, predicate } of rules.response) {
    if (mockUsedUp(rule, mockUses) || !predicate(subject)) continue;
    const d: ResponseDecision = decision ?? { ...NO_RESPONSE_DECISION, ...emptyEffects(), none: false, applied: [] };
    decision = d;
    const did: RuleActionKind[] = [];
    if (rule.mock !== undefined && d.mock === null && d.fail === null) {
      d.mock = { ruleId: rule.id, mock: rule.mock };
      mockUses.set(rule.id, (mockUses.get(rule.id) ?? 0) + 1);
      did.push('mock');
    } else if (rule.fail !== undefined && d.mock === null && d.fail === null) {
      d.fail = { ruleId: rule.id, fail: rule.fail };
      did.push('fail');
    }
    recordApplied(d, rule, [...did, ...addResponseEffects(d, rule, random)]);
    if (rule.continue !== true) break;
  }
  return decision ?? NO_RESPONSE_DECISION;
}
