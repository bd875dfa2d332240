// One rule from untyped data, checked, with every problem located by key path. The same reader
// serves locald.rules.toml (snake_case keys, "300ms", "64kb/s", "close-after:1kb", 503) and the
// engine API (RuleInput: camelCase keys and the typed shapes), so both accept both spellings.
import { compileFilterText } from './rule-filter.js';
import type { BreakpointPhase, DelaySpec, FailAction, MapAction, MockAction, Replacement, RuleInput } from '../../shared/rules.js';
import { parseDuration, parseSize } from '../../shared/filter/units.js';
import type { IssueCollector } from '../config/issues.js';
import type { KeyPath } from '../config/locate.js';
import { describeChoices } from '../config/suggest.js';
import { describeValue, isTable } from '../config/toml-text.js';
import { headerValueProblem } from '../capture/replay-validate.js';
import { unknownService } from './rule-references.js';

/** The keys of a rule as written in locald.rules.toml; the API's camelCase names map onto them. */
export const RULE_KEYS = [
  'match',
  'enabled',
  'name',
  'continue',
  'breakpoint',
  'mock',
  'map',
  'set_request_headers',
  'add_request_headers',
  'remove_request_headers',
  'set_response_headers',
  'add_response_headers',
  'remove_response_headers',
  'replace_url',
  'replace_request_body',
  'replace_response_body',
  'delay',
  'response_delay',
  'throttle',
  'fail',
] as const;
type RuleKey = (typeof RULE_KEYS)[number];

const BREAKPOINTS: readonly BreakpointPhase[] = ['request', 'response', 'both'];
const FAIL_STATUSES = [502, 503, 504] as const;
/** Longer than any client waits; a typo like "300m" (5 hours) is caught. */
const MAX_DELAY_MS = 10 * 60_000;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `setResponseHeaders` → `set_response_headers`; snake_case stays as it is. */
export function snakeKey(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function camelKey(key: string): string {
  return key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** A rule's matcher problems point into the match string: where its value starts in the file, plus the term's offset. */
export interface MatchLocator {
  (path: KeyPath, offset: number, message: string): void;
}

export class RuleReader {
  /**
   * `services`: the project's services, when known. A map to any other is a warning, not an
   * error: the rule stays (the project's config may gain that service), and until then the
   * data path answers it with the unknown-service problem.
   */
  constructor(
    private readonly issues: IssueCollector,
    private readonly matchProblem: MatchLocator,
    private readonly services?: readonly string[],
  ) {}

  /** The rule, or undefined when it has errors (all of them reported). */
  read(raw: unknown, path: KeyPath): RuleInput | undefined {
    const before = this.issues.errors.length;
    if (!isTable(raw)) {
      this.issues.error(path, 'value', `a rule must be a table, not ${describeValue(raw)}`, 'write [[rule]] followed by match = "…" and an action');
      return undefined;
    }
    const rule: RuleInput = { match: '' };
    const out = rule as unknown as Record<string, unknown>;
    let sawMatch = false;
    for (const [written, value] of Object.entries(raw)) {
      const key = snakeKey(written);
      const at = [...path, written];
      if (!(RULE_KEYS as readonly string[]).includes(key)) {
        this.issues.error(at, 'key', `unknown rule key \`${written}\``, describeChoices(key, RULE_KEYS));
        continue;
      }
      if (key === 'match') sawMatch = true;
      const read = this.readValue(key as RuleKey, value, at);
      if (read !== undefined) out[camelKey(key)] = read;
    }
    if (!sawMatch) this.issues.error(path, 'key', 'a rule needs `match`', 'match = "method:GET path:/api/flags" (the inspector\'s filter language; "" matches everything)');
    if (this.issues.errors.length === before) this.checkCombination(rule, path);
    return this.issues.errors.length === before ? rule : undefined;
  }

  private readValue(key: RuleKey, value: unknown, at: KeyPath): unknown {
    switch (key) {
      case 'match': {
        const text = this.string(value, at);
        if (text === undefined) return undefined;
        const compiled = compileFilterText(text);
        for (const error of compiled.errors) this.matchProblem(at, error.start, `match: ${error.message}`);
        return compiled.errors.length === 0 ? text : undefined;
      }
      case 'name':
        return this.string(value, at);
      case 'enabled':
      case 'continue':
        if (typeof value !== 'boolean') return this.fail(at, `must be true or false, not ${describeValue(value)}`);
        return value;
      case 'breakpoint':
        return this.choice(value, at, BREAKPOINTS);
      case 'mock':
        return this.mock(value, at);
      case 'map':
        return this.map(value, at);
      case 'set_request_headers':
      case 'add_request_headers':
      case 'set_response_headers':
      case 'add_response_headers':
        return this.headerTable(value, at);
      case 'remove_request_headers':
      case 'remove_response_headers':
        return this.headerNames(value, at);
      case 'replace_url':
      case 'replace_request_body':
      case 'replace_response_body':
        return this.replacements(value, at);
      case 'delay':
      case 'response_delay':
        return this.delay(value, at);
      case 'throttle':
        return this.throttle(value, at);
      case 'fail':
        return this.failAction(value, at);
    }
  }

  /** Actions that contradict each other or the phase the matcher can be decided in. */
  private checkCombination(rule: RuleInput, path: KeyPath): void {
    const fields = rule as unknown as Record<string, unknown>;
    const terminal = (['mock', 'map', 'fail'] as const).filter((k) => rule[k] !== undefined);
    if (terminal.length > 1) this.issues.error([...path, terminal[1] as string], 'key', `a rule can only ${terminal.join(' or ')}, not both`, 'split it into two rules');
    const actions = RULE_KEYS.filter((k) => !['match', 'enabled', 'name', 'continue'].includes(k) && fields[camelKey(k)] !== undefined);
    if (actions.length === 0) this.issues.error(path, 'key', 'a rule needs an action', 'e.g. mock = { status = 200, body = "ok" }, map, delay, throttle, fail, breakpoint or set_response_headers');
    const responseKeys = compileFilterText(rule.match).responseKeys;
    if (responseKeys.length === 0) return;
    // A matcher on the response (status:5xx) is decided when the response arrives: the request has gone by then.
    const requestOnly: string[] = [];
    if (rule.map !== undefined) requestOnly.push('map');
    if (rule.delay !== undefined) requestOnly.push('delay');
    for (const k of ['set_request_headers', 'add_request_headers', 'remove_request_headers', 'replace_url', 'replace_request_body'] as const) {
      if (fields[camelKey(k)] !== undefined) requestOnly.push(k);
    }
    if (rule.breakpoint === 'request' || rule.breakpoint === 'both') requestOnly.push(`breakpoint = "${rule.breakpoint}"`);
    if (requestOnly.length > 0) {
      this.issues.error(
        [...path, 'match'],
        'value',
        `${responseKeys.map((k) => `${k}:`).join(', ')} is only known once the response arrives, too late for ${requestOnly.join(', ')}`,
        `match on the request (method:, path:, host:, service:) or use response actions (set_response_headers, response_delay, breakpoint = "response", mock)`,
      );
    }
  }

  private fail(at: KeyPath, message: string, hint?: string): undefined {
    this.issues.error(at, 'value', message, hint);
    return undefined;
  }

  private string(value: unknown, at: KeyPath): string | undefined {
    return typeof value === 'string' ? value : this.fail(at, `must be a string, not ${describeValue(value)}`);
  }

  private integer(value: unknown, at: KeyPath, min: number, max: number): number | undefined {
    const n = typeof value === 'bigint' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) return this.fail(at, `must be a whole number from ${min} to ${max}, not ${describeValue(value)}`);
    return n;
  }

  private choice<T extends string>(value: unknown, at: KeyPath, choices: readonly T[]): T | undefined {
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
    return this.fail(at, `must be ${choices.map((c) => `"${c}"`).join(', ')}, not ${describeValue(value)}`);
  }

  private table(value: unknown, at: KeyPath, keys: readonly string[]): Record<string, unknown> | undefined {
    if (!isTable(value)) return this.fail(at, `must be a table, not ${describeValue(value)}`, `e.g. { ${keys[0] ?? 'key'} = … }`);
    const out: Record<string, unknown> = {};
    for (const [written, v] of Object.entries(value)) {
      const key = snakeKey(written);
      if (!keys.includes(key)) this.issues.error([...at, written], 'key', `unknown key \`${written}\``, describeChoices(key, keys));
      else out[key] = v;
    }
    return out;
  }

  private mock(value: unknown, at: KeyPath): MockAction | undefined {
    const t = this.table(value, at, ['status', 'headers', 'body', 'body_file', 'times']);
    if (t === undefined) return undefined;
    const status = t.status === undefined ? this.fail(at, 'a mock needs a status', 'mock = { status = 200, body = "ok" }') : this.integer(t.status, [...at, 'status'], 100, 599);
    if (status === undefined) return undefined;
    const mock: MockAction = { status };
    if (t.headers !== undefined) {
      const headers = this.headerTable(t.headers, [...at, 'headers']);
      if (headers !== undefined) mock.headers = headers;
    }
    if (t.body !== undefined && t.body_file !== undefined) this.issues.error([...at, 'body_file'], 'key', 'a mock has body or body_file, not both');
    if (t.body !== undefined) {
      const body = this.string(t.body, [...at, 'body']);
      if (body !== undefined) mock.body = body;
    }
    if (t.body_file !== undefined) {
      const file = this.string(t.body_file, [...at, 'body_file']);
      if (file !== undefined) {
        const problem = projectRelativeProblem(file);
        if (problem !== null) this.fail([...at, 'body_file'], `body_file ${problem}`, 'name a file inside the project folder, e.g. "mocks/flags.json"');
        else mock.bodyFile = file;
      }
    }
    if (t.times !== undefined) {
      const times = this.integer(t.times, [...at, 'times'], 1, Number.MAX_SAFE_INTEGER);
      if (times !== undefined) mock.times = times;
    }
    return mock;
  }

  private map(value: unknown, at: KeyPath): MapAction | undefined {
    const t = this.table(value, at, ['service', 'path', 'url', 'host']);
    if (t === undefined) return undefined;
    const map: MapAction = {};
    for (const key of ['service', 'path', 'url', 'host'] as const) {
      if (t[key] === undefined) continue;
      const text = this.string(t[key], [...at, key]);
      if (text !== undefined) map[key] = text;
    }
    if (map.service === undefined && map.path === undefined && map.url === undefined) return this.fail(at, 'a map needs service, path or url', 'map = { service = "api", path = "/v1" } or map = { url = "http://127.0.0.1:9000" }');
    if (map.service !== undefined && this.services !== undefined) {
      const unknown = unknownService(map.service, this.services);
      if (unknown !== null) this.issues.warn([...at, 'service'], 'value', unknown.message, unknown.hint);
    }
    if (map.path !== undefined && !map.path.startsWith('/')) this.fail([...at, 'path'], `must start with /, not ${JSON.stringify(map.path)}`);
    if (map.url !== undefined) {
      if (map.service !== undefined) this.issues.error([...at, 'url'], 'key', 'a map goes to a service or to a url, not both');
      const problem = localUrlProblem(map.url);
      if (problem !== null) this.fail([...at, 'url'], problem, 'e.g. "http://127.0.0.1:9000"');
    }
    return map;
  }

  private headerTable(value: unknown, at: KeyPath): Record<string, string> | undefined {
    if (!isTable(value)) return this.fail(at, `must be a table of header names and values, not ${describeValue(value)}`, '{ "x-debug" = "1" }');
    const out: Record<string, string> = {};
    for (const [name, v] of Object.entries(value)) {
      if (!HEADER_NAME.test(name)) {
        this.issues.error([...at, name], 'key', `\`${name}\` is not a valid header name`);
        continue;
      }
      const text = this.string(v, [...at, name]);
      if (text === undefined) continue;
      const problem = headerValueProblem(text);
      if (problem !== null) this.fail([...at, name], `value ${problem}`);
      else out[name] = text;
    }
    return out;
  }

  private headerNames(value: unknown, at: KeyPath): string[] | undefined {
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || !list.every((n): n is string => typeof n === 'string')) return this.fail(at, `must be a list of header names, not ${describeValue(value)}`, '["x-powered-by", "server"]');
    const bad = list.find((n) => !HEADER_NAME.test(n));
    return bad !== undefined ? this.fail(at, `\`${bad}\` is not a valid header name`) : list;
  }

  private replacements(value: unknown, at: KeyPath): Replacement[] | undefined {
    const list = Array.isArray(value) ? value : [value];
    const out: Replacement[] = [];
    for (const [i, item] of list.entries()) {
      const itemAt = Array.isArray(value) ? [...at, i] : at;
      const t = this.table(item, itemAt, ['find', 'replace', 'regex']);
      if (t === undefined) continue;
      const find = t.find === undefined ? this.fail(itemAt, 'needs find', '{ find = "/v1/", replace = "/v2/" }') : this.string(t.find, [...itemAt, 'find']);
      const replace = t.replace === undefined ? this.fail(itemAt, 'needs replace') : this.string(t.replace, [...itemAt, 'replace']);
      if (find === undefined || replace === undefined) continue;
      if (find === '') {
        this.fail([...itemAt, 'find'], 'must not be empty');
        continue;
      }
      const r: Replacement = { find, replace };
      if (t.regex !== undefined) {
        if (typeof t.regex !== 'boolean') {
          this.fail([...itemAt, 'regex'], `must be true or false, not ${describeValue(t.regex)}`);
          continue;
        }
        if (t.regex) {
          try {
            new RegExp(find, 'g');
          } catch (e) {
            this.fail([...itemAt, 'find'], `is not a regular expression: ${e instanceof Error ? e.message : String(e)}`);
            continue;
          }
          r.regex = true;
        }
      }
      out.push(r);
    }
    return out;
  }

  private duration(value: unknown, at: KeyPath): number | undefined {
    const ms = typeof value === 'string' ? parseDuration(value) : typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : null;
    if (ms === null || !Number.isFinite(ms) || ms < 0) return this.fail(at, `is not a duration: ${describeValue(value)}`, 'e.g. "300ms", "1.5s" or a number of milliseconds');
    if (ms > MAX_DELAY_MS) return this.fail(at, `${describeValue(value)} is longer than the 10 minute limit`);
    return ms;
  }

  private delay(value: unknown, at: KeyPath): DelaySpec | undefined {
    if (!isTable(value)) {
      const ms = this.duration(value, at);
      return ms === undefined ? undefined : { ms };
    }
    const t = this.table(value, at, ['ms', 'min', 'max', 'min_ms', 'max_ms']);
    if (t === undefined) return undefined;
    if (t.ms !== undefined) {
      const ms = this.duration(t.ms, [...at, 'ms']);
      return ms === undefined ? undefined : { ms };
    }
    const minRaw = t.min ?? t.min_ms;
    const maxRaw = t.max ?? t.max_ms;
    if (minRaw === undefined || maxRaw === undefined) return this.fail(at, 'a random delay needs min and max', 'delay = { min = "100ms", max = "900ms" }');
    const minMs = this.duration(minRaw, [...at, t.min !== undefined ? 'min' : 'min_ms']);
    const maxMs = this.duration(maxRaw, [...at, t.max !== undefined ? 'max' : 'max_ms']);
    if (minMs === undefined || maxMs === undefined) return undefined;
    if (minMs > maxMs) return this.fail(at, `min (${minMs} ms) is more than max (${maxMs} ms)`);
    return { minMs, maxMs };
  }

  private throttle(value: unknown, at: KeyPath): number | undefined {
    const bytes =
      typeof value === 'string' ? parseSize(value.replace(/\s*\/\s*s(ec)?$/i, '')) : typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : null;
    if (bytes === null || !Number.isFinite(bytes) || bytes < 1) return this.fail(at, `is not a rate: ${describeValue(value)}`, 'e.g. "64kb/s", "1mb/s" or a number of bytes per second');
    return Math.round(bytes);
  }

  private failAction(value: unknown, at: KeyPath): FailAction | undefined {
    const hint = 'fail = "reset", "close-after:1kb", or a status: 502, 503 or 504';
    if (isTable(value)) {
      // The API's own shape.
      const kind = value.kind;
      if (kind === 'reset') return { kind };
      if (kind === 'close-after') {
        const bytes = this.integer(value.bytes, [...at, 'bytes'], 0, Number.MAX_SAFE_INTEGER);
        return bytes === undefined ? undefined : { kind, bytes };
      }
      if (kind === 'status') return this.failStatus(value.status, [...at, 'status'], hint);
      return this.fail([...at, 'kind'], `must be "reset", "close-after" or "status", not ${describeValue(kind)}`);
    }
    if (value === 'reset') return { kind: 'reset' };
    if (typeof value === 'string' && value.startsWith('close-after:')) {
      const bytes = parseSize(value.slice('close-after:'.length));
      return bytes === null ? this.fail(at, `${JSON.stringify(value)}: the part after close-after: is not a size`, 'e.g. "close-after:1kb"') : { kind: 'close-after', bytes };
    }
    if (typeof value === 'string' && /^\d+$/.test(value)) return this.failStatus(Number(value), at, hint);
    if (typeof value === 'bigint' || typeof value === 'number') return this.failStatus(value, at, hint);
    return this.fail(at, `is not a failure: ${describeValue(value)}`, hint);
  }

  private failStatus(value: unknown, at: KeyPath, hint: string): FailAction | undefined {
    const status = typeof value === 'bigint' ? Number(value) : value;
    if (!(FAIL_STATUSES as readonly unknown[]).includes(status)) return this.fail(at, `a failing status must be 502, 503 or 504, not ${describeValue(value)}`, hint);
    return { kind: 'status', status: status as 502 | 503 | 504 };
  }
}

/** Why a mock's body_file is not a plain path inside the project folder, or null. */
export function projectRelativeProblem(file: string): string | null {
  if (file === '') return 'must not be empty';
  if (file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file) || file.startsWith('\\')) return `must be relative to the project folder, not ${JSON.stringify(file)}`;
  if (file.split(/[\\/]/).includes('..')) return `must stay inside the project folder (${JSON.stringify(file)} has ..)`;
  return null;
}

/** Map targets are local: the proxy must not become a way out to the network. */
export function localUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${JSON.stringify(url)} is not a URL`;
  }
  if (parsed.protocol !== 'http:') return `must be an http:// URL, not ${parsed.protocol}`;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  // Not *.localhost: those are locald's own names, and a map back into the proxy would loop.
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) return `must be a local address (127.0.0.1, ::1, localhost), not ${parsed.hostname}`;
  return null;
}
