// Between the editor's form (RuleDraft) and the engine's rule shape (shared/rules.ts).
import { parseDuration, parseSize } from '../../../shared/filter/units.js';
import type { DelaySpec, Rule, RuleActions, RuleInput } from '../../../shared/rules.js';
import { headersToText, textToHeaders } from '../export/headers-text.js';
import { formatBytes } from '../format/format.js';
import { emptyDraft, namesFromText, type ActionKind, type RuleDraft } from './rule-draft.js';

/** A problem with one field of the form or of the engine's answer, e.g. `mock.status`. */
export interface FieldError {
  field: string;
  message: string;
}

/** What a row of the rules list shows. */
export interface RuleRow {
  id: string;
  match: string;
  enabled: boolean;
  fromProject: boolean;
  summary: string;
}

function recordText(record: Record<string, string> | undefined): string {
  return headersToText(Object.entries(record ?? {}));
}

function delayText(d: DelaySpec): string {
  return 'ms' in d ? `${d.ms}ms` : `${d.minMs}–${d.maxMs}ms`;
}

/** The action of a rule in a few words, for the list. */
export function actionSummary(rule: RuleActions): string {
  const parts: string[] = [];
  if (rule.breakpoint !== undefined) parts.push(`breakpoint on ${rule.breakpoint === 'both' ? 'request and response' : rule.breakpoint}`);
  if (rule.mock !== undefined) parts.push(`mock ${rule.mock.status}${rule.mock.bodyFile !== undefined ? ` from ${rule.mock.bodyFile}` : ''}${rule.mock.times !== undefined ? `, first ${rule.mock.times}×` : ''}`);
  if (rule.map !== undefined) parts.push(`map to ${[rule.map.service, rule.map.path, rule.map.url].filter((x) => x !== undefined && x !== '').join(' ')}`);
  const set = Object.keys({ ...rule.setRequestHeaders, ...rule.addRequestHeaders, ...rule.setResponseHeaders, ...rule.addResponseHeaders });
  const removed = [...(rule.removeRequestHeaders ?? []), ...(rule.removeResponseHeaders ?? [])];
  if (set.length > 0) parts.push(`set ${set.join(', ')}`);
  if (removed.length > 0) parts.push(`remove ${removed.join(', ')}`);
  const replaced = (rule.replaceUrl?.length ?? 0) + (rule.replaceRequestBody?.length ?? 0) + (rule.replaceResponseBody?.length ?? 0);
  if (replaced > 0) parts.push(`${replaced} replacement${replaced === 1 ? '' : 's'}`);
  if (rule.delay !== undefined) parts.push(`delay ${delayText(rule.delay)}`);
  if (rule.responseDelay !== undefined) parts.push(`response delay ${delayText(rule.responseDelay)}`);
  if (rule.throttle !== undefined) parts.push(`throttle ${formatBytes(rule.throttle)}/s`);
  if (rule.fail !== undefined) parts.push(rule.fail.kind === 'status' ? `fail with ${rule.fail.status}` : rule.fail.kind === 'reset' ? 'fail: reset' : `fail: close after ${formatBytes(rule.fail.bytes)}`);
  if (rule.continue === true) parts.push('then continue');
  return parts.length === 0 ? 'nothing' : parts.join('; ');
}

export function ruleRow(rule: Rule): RuleRow {
  return { id: rule.id, match: rule.match, enabled: rule.enabled, fromProject: rule.source === 'project', summary: actionSummary(rule) };
}

/** Collects a form's problems while building a rule from it. */
class Checker {
  errors: FieldError[] = [];
  headers(field: string, text: string): Record<string, string> | undefined {
    const parsed = textToHeaders(text);
    for (const e of parsed.errors) this.errors.push({ field, message: e.message });
    return parsed.headers.length === 0 ? undefined : Object.fromEntries(parsed.headers);
  }
  int(field: string, text: string, min: number, max: number): number {
    const n = Number(text.trim());
    if (!Number.isInteger(n) || n < min || n > max) this.errors.push({ field, message: `“${text}” is not a whole number from ${min} to ${max}` });
    return n;
  }
  duration(field: string, text: string): number {
    const ms = parseDuration(text);
    if (ms === null) this.errors.push({ field, message: `“${text}” is not a duration (e.g. 300ms, 1.5s)` });
    return ms ?? 0;
  }
  size(field: string, text: string): number {
    const bytes = parseSize(text);
    if (bytes === null || bytes <= 0) this.errors.push({ field, message: `“${text}” is not a size (e.g. 64kb, 1mb)` });
    return bytes ?? 0;
  }
}

/** The rule the form describes, or the form's own problems (the engine checks the matcher and the rest). */
/** The rule fields each action of the form writes. */
const FORM_FIELDS: Record<ActionKind, readonly (keyof RuleActions)[]> = {
  breakpoint: ['breakpoint'],
  mock: ['mock'],
  map: ['map'],
  headers: ['setRequestHeaders', 'setResponseHeaders', 'removeRequestHeaders', 'removeResponseHeaders'],
  delay: ['delay'],
  throttle: ['throttle'],
  fail: ['fail'],
};

/** A rule answers or sends the request in at most one way (the engine refuses two). */
const EXCLUSIVE: readonly (keyof RuleActions)[] = ['mock', 'map', 'fail'];

/** What of the edited rule survives the save: everything the chosen action does not replace. */
function keptFields(d: RuleDraft): RuleActions & { name?: string } {
  const kept: RuleActions & { name?: string } = { ...d.kept };
  const replaced = FORM_FIELDS[d.action];
  for (const key of replaced) delete kept[key];
  if (replaced.some((k) => EXCLUSIVE.includes(k))) for (const key of EXCLUSIVE) delete kept[key];
  return kept;
}

export function draftToInput(d: RuleDraft): { rule: RuleInput; errors: [] } | { rule: null; errors: FieldError[] } {
  const check = new Checker();
  const rule: RuleInput = { ...keptFields(d), match: d.match.trim(), enabled: d.enabled };
  switch (d.action) {
    case 'breakpoint':
      rule.breakpoint = d.breakpoint;
      break;
    case 'mock': {
      rule.mock = { status: check.int('mock.status', d.mock.status, 100, 999) };
      const headers = check.headers('mock.headers', d.mock.headers);
      if (headers !== undefined) rule.mock.headers = headers;
      if (d.mock.bodyFile.trim() !== '') rule.mock.bodyFile = d.mock.bodyFile.trim();
      else if (d.mock.body !== '') rule.mock.body = d.mock.body;
      if (d.mock.times.trim() !== '') rule.mock.times = check.int('mock.times', d.mock.times, 1, Number.MAX_SAFE_INTEGER);
      break;
    }
    case 'map': {
      const map = Object.fromEntries(Object.entries(d.map).map(([k, v]) => [k, v.trim()]).filter(([, v]) => v !== ''));
      if (Object.keys(map).filter((k) => k !== 'host').length === 0) check.errors.push({ field: 'map', message: 'say where to send it: a service, a path or a URL' });
      rule.map = map;
      break;
    }
    case 'headers': {
      rule.setRequestHeaders = check.headers('setRequestHeaders', d.headers.setRequest);
      rule.setResponseHeaders = check.headers('setResponseHeaders', d.headers.setResponse);
      const removeRequest = namesFromText(d.headers.removeRequest);
      const removeResponse = namesFromText(d.headers.removeResponse);
      if (removeRequest.length > 0) rule.removeRequestHeaders = removeRequest;
      if (removeResponse.length > 0) rule.removeResponseHeaders = removeResponse;
      for (const key of ['setRequestHeaders', 'setResponseHeaders'] as const) if (rule[key] === undefined) delete rule[key];
      if (FORM_FIELDS.headers.every((key) => rule[key] === undefined)) check.errors.push({ field: 'headers', message: 'set or remove at least one header' });
      break;
    }
    case 'delay':
      rule.delay = d.delay.mode === 'fixed' ? { ms: check.duration('delay', d.delay.fixed) } : { minMs: check.duration('delay.min', d.delay.min), maxMs: check.duration('delay.max', d.delay.max) };
      break;
    case 'throttle':
      rule.throttle = check.size('throttle', d.throttle.replace(/\/s$/i, ''));
      break;
    case 'fail':
      rule.fail = d.fail === 'reset' ? { kind: 'reset' } : d.fail === 'close-after' ? { kind: 'close-after', bytes: check.size('fail.bytes', d.closeAfter) } : { kind: 'status', status: Number(d.fail) as 502 | 503 | 504 };
      break;
  }
  return check.errors.length === 0 ? { rule, errors: [] } : { rule: null, errors: check.errors };
}

function msText(ms: number): string {
  return ms % 1000 === 0 && ms > 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function bytesText(n: number): string {
  return n % 1024 === 0 && n > 0 ? `${n / 1024}kb` : String(n);
}

/** The form for an existing rule; a rule with several actions opens on the one that decides. */
export function ruleToDraft(rule: Rule): RuleDraft {
  const d = emptyDraft();
  d.match = rule.match;
  d.enabled = rule.enabled;
  const { id: _id, match: _match, enabled: _enabled, source: _source, ...kept } = rule;
  d.kept = kept;
  if (rule.throttle !== undefined) {
    d.action = 'throttle';
    d.throttle = `${bytesText(rule.throttle)}/s`;
  }
  if (rule.delay !== undefined) {
    d.action = 'delay';
    d.delay = 'ms' in rule.delay ? { ...d.delay, mode: 'fixed', fixed: msText(rule.delay.ms) } : { ...d.delay, mode: 'range', min: msText(rule.delay.minMs), max: msText(rule.delay.maxMs) };
  }
  if (rule.setRequestHeaders !== undefined || rule.setResponseHeaders !== undefined || rule.removeRequestHeaders !== undefined || rule.removeResponseHeaders !== undefined) {
    d.action = 'headers';
    d.headers = {
      setRequest: recordText(rule.setRequestHeaders),
      setResponse: recordText(rule.setResponseHeaders),
      removeRequest: (rule.removeRequestHeaders ?? []).join('\n'),
      removeResponse: (rule.removeResponseHeaders ?? []).join('\n'),
    };
  }
  if (rule.fail !== undefined) {
    d.action = 'fail';
    if (rule.fail.kind === 'status') d.fail = String(rule.fail.status) as RuleDraft['fail'];
    else if (rule.fail.kind === 'close-after') {
      d.fail = 'close-after';
      d.closeAfter = bytesText(rule.fail.bytes);
    } else d.fail = 'reset';
  }
  if (rule.map !== undefined) {
    d.action = 'map';
    d.map = { service: rule.map.service ?? '', path: rule.map.path ?? '', url: rule.map.url ?? '', host: rule.map.host ?? '' };
  }
  if (rule.mock !== undefined) {
    d.action = 'mock';
    d.mock = { status: String(rule.mock.status), headers: recordText(rule.mock.headers), body: rule.mock.body ?? '', bodyFile: rule.mock.bodyFile ?? '', times: rule.mock.times === undefined ? '' : String(rule.mock.times) };
  }
  if (rule.breakpoint !== undefined) {
    d.action = 'breakpoint';
    d.breakpoint = rule.breakpoint;
  }
  return d;
}
