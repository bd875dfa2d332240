// The rule editor's form state: every field as the user types it (strings), so a half-typed
// value never throws away what is on screen. Turned into the engine's rule shape only on save.
import type { RuleActions } from '../../../shared/rules.js';
import type { HeaderList } from '../../../shared/traffic.js';
import { headersToText } from '../export/headers-text.js';

export const ACTION_KINDS = ['mock', 'breakpoint', 'map', 'headers', 'delay', 'throttle', 'fail'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export const ACTION_LABELS: Record<ActionKind, string> = {
  mock: 'Mock (answer without the service)',
  breakpoint: 'Breakpoint (pause to edit)',
  map: 'Map (send elsewhere)',
  headers: 'Set / remove headers',
  delay: 'Delay',
  throttle: 'Throttle',
  fail: 'Fail',
};

export type BreakpointOn = 'request' | 'response' | 'both';
export const FAIL_KINDS = ['reset', 'close-after', '502', '503', '504'] as const;
export type FailKind = (typeof FAIL_KINDS)[number];

export interface RuleDraft {
  match: string;
  enabled: boolean;
  action: ActionKind;
  breakpoint: BreakpointOn;
  /** `bodyFile`, when set, is a file in the project folder and wins over `body`. */
  mock: { status: string; headers: string; body: string; bodyFile: string; times: string };
  /** Any of the three may be set: another service, another path, or another local URL. */
  map: { service: string; path: string; url: string; host: string };
  /** Header lists as "Name: value" lines; remove lists as one name per line. */
  headers: { setRequest: string; setResponse: string; removeRequest: string; removeResponse: string };
  delay: { mode: 'fixed' | 'range'; fixed: string; min: string; max: string };
  throttle: string;
  fail: FailKind;
  /** For close-after: how many bytes, e.g. "1kb". */
  closeAfter: string;
  /**
   * The edited rule's actions as the engine has them, and its name. The form edits one action
   * at a time, and some (continue, add-headers, URL/body replacements, response delay) not at
   * all: saving keeps every action the form did not change instead of dropping it.
   */
  kept: RuleActions & { name?: string };
}

export function emptyDraft(): RuleDraft {
  return {
    match: '',
    enabled: true,
    action: 'mock',
    breakpoint: 'request',
    mock: { status: '200', headers: 'content-type: application/json', body: '', bodyFile: '', times: '' },
    map: { service: '', path: '', url: '', host: '' },
    headers: { setRequest: '', setResponse: '', removeRequest: '', removeResponse: '' },
    delay: { mode: 'fixed', fixed: '300ms', min: '100ms', max: '900ms' },
    throttle: '64kb/s',
    fail: 'reset',
    closeAfter: '1kb',
    kept: {},
  };
}

/** The parts of a captured exchange a rule can be made from. */
export interface ExchangeForRule {
  method: string;
  host: string;
  /** Path and query as received. */
  url: string;
  service: string | null;
  status: number | null;
}

/** A filter term's value, quoted when it holds a space or a quote, so the matcher parses back to it. */
function termValue(value: string): string {
  return /[\s"]/.test(value) ? `"${value.replace(/"/g, '\\"')}"` : value;
}

/**
 * `method:GET path:/api/flags host:shop.localhost:7700 service:api`: what matches this
 * exchange and its like. The query is left out: a rule for a path usually means every query.
 */
export function matcherForExchange(e: ExchangeForRule): string {
  const path = e.url.split('?')[0] ?? e.url;
  const terms = [`method:${e.method}`, `path:${termValue(path)}`, `host:${termValue(e.host)}`];
  if (e.service !== null) terms.push(`service:${termValue(e.service)}`);
  return terms.join(' ');
}

/** Response headers a mock should not copy: the proxy frames the body itself. */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);

/** A mock draft answering as this exchange was answered (status, headers, body text). */
export function draftFromExchange(e: ExchangeForRule, response?: { headers: HeaderList; body: string | null }): RuleDraft {
  const draft = emptyDraft();
  draft.match = matcherForExchange(e);
  if (e.status !== null) draft.mock.status = String(e.status);
  if (response !== undefined) {
    draft.mock.headers = headersToText(response.headers.filter(([n]) => !n.startsWith(':') && !FRAMING_HEADERS.has(n.toLowerCase())));
    draft.mock.body = response.body ?? '';
  }
  return draft;
}

/** One name per line, blanks dropped. */
export function namesFromText(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}
