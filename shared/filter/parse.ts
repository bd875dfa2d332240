// The traffic filter language. Terms are separated by spaces; `-` negates a term.
//   free text            substring of method, host, path, status, service, project, error
//   method:POST          status:404 status:5xx status:40x status:200-299
//   service:api project:shop host:x path:/users
//   larger:100kb smaller:1mb        (response size)
//   duration>200ms duration<1s duration>=1s duration<=50
//   has:error has:body has:messages  proto:h2  kind:ws  is:pinned is:replay is:earlier is:pending
//   header:x-foo (present)  header:x-foo=bar (value contains)   request headers, where known (rules see them)
//   "foo:bar"            quoted: searched for as text; unquoted, an unknown key is an error
// Positive terms with the same key are alternatives (status:404 status:5xx = either);
// different keys must all hold; negated terms must all fail.
import { tokenize, type Token } from './tokenize.js';
import { parseDuration, parseSize } from './units.js';

export type StatusPattern = { kind: 'exact'; code: number } | { kind: 'pattern'; digits: string } | { kind: 'range'; from: number; to: number };

export type FilterTerm =
  | { key: 'text'; value: string }
  | { key: 'method'; value: string }
  | { key: 'status'; value: StatusPattern }
  | { key: 'service' | 'project' | 'host' | 'path'; value: string }
  | { key: 'larger' | 'smaller'; bytes: number }
  | { key: 'duration'; op: '>' | '<' | '>=' | '<='; ms: number }
  | { key: 'has'; value: HasValue }
  | { key: 'proto'; value: string }
  | { key: 'kind'; value: string }
  | { key: 'is'; value: IsValue }
  | { key: 'header'; name: string; value: string | null };

export type FilterKey = FilterTerm['key'];
export type NegatableTerm = FilterTerm & { negate: boolean; start: number; end: number };

export interface FilterError {
  start: number;
  end: number;
  message: string;
}

export interface ParsedFilter {
  terms: NegatableTerm[];
  errors: FilterError[];
}

export const HAS_VALUES = ['error', 'body', 'messages'] as const;
export type HasValue = (typeof HAS_VALUES)[number];
export const IS_VALUES = ['pinned', 'replay', 'earlier', 'pending', 'streaming', 'complete', 'error', 'aborted'] as const;
export type IsValue = (typeof IS_VALUES)[number];
export const PROTO_VALUES = ['http/1.1', 'h2', 'h2c'] as const;
export const KIND_VALUES = ['http', 'ws', 'sse', 'grpc', 'grpc-web'] as const;

/** Keys written `key:value`. */
export const COLON_KEYS = ['method', 'status', 'service', 'project', 'host', 'path', 'larger', 'smaller', 'has', 'proto', 'kind', 'is', 'header'] as const;
/** Every key a user can type, for suggestions and "did you mean". */
export const ALL_KEYS: readonly string[] = [...COLON_KEYS, 'duration'];

const PROTO_ALIASES: Record<string, string> = { 'http/1.1': 'http/1.1', http1: 'http/1.1', h1: 'http/1.1', 'http/1': 'http/1.1', h2: 'h2', http2: 'h2', h2c: 'h2c' };
const KIND_ALIASES: Record<string, string> = { http: 'http', ws: 'websocket', websocket: 'websocket', sse: 'sse', grpc: 'grpc', 'grpc-web': 'grpc-web', grpcweb: 'grpc-web' };

export function parseFilter(input: string): ParsedFilter {
  const terms: NegatableTerm[] = [];
  const errors: FilterError[] = [];
  for (const token of tokenize(input)) {
    const result = parseToken(token);
    if (result === null) continue;
    if ('message' in result) errors.push(result);
    else terms.push(result);
  }
  return { terms, errors };
}

function parseToken(token: Token): NegatableTerm | FilterError | null {
  let text = token.text;
  let negate = false;
  if (text.startsWith('-') && text.length > 1) {
    negate = true;
    text = text.slice(1);
  }
  if (text === '' || text === '-') return null;
  const at = { start: token.start, end: token.end };
  const fail = (message: string): FilterError => ({ ...at, message });
  const ok = (term: FilterTerm): NegatableTerm => ({ ...term, negate, ...at });

  const duration = /^duration\s*(>=|<=|>|<|:)\s*(.*)$/i.exec(text);
  if (duration !== null) {
    const op = duration[1] === ':' ? '>=' : (duration[1] as '>' | '<' | '>=' | '<=');
    const ms = parseDuration(duration[2] ?? '');
    if (ms === null) return fail(`'${duration[2] ?? ''}' is not a duration; try duration>200ms or duration<1s`);
    return ok({ key: 'duration', op, ms });
  }

  const colon = text.indexOf(':');
  const key = colon > 0 ? text.slice(0, colon).toLowerCase() : '';
  if (colon <= 0 || !/^[a-z]+$/.test(key)) return ok({ key: 'text', value: text });
  const value = text.slice(colon + 1);
  if (!(COLON_KEYS as readonly string[]).includes(key)) {
    // Quoted text is always text; so is host:port ("localhost:7700") or a URL ("http://…"), unless the key is a typo of a real one.
    if (/^-?"/.test(token.raw)) return ok({ key: 'text', value: text });
    const near = closestKey(key);
    if (near === null && (/^\d+$/.test(value) || value.startsWith('//'))) return ok({ key: 'text', value: text });
    return fail(unknownKeyMessage(key, near, text));
  }
  if (value === '') return fail(`'${key}:' needs a value${exampleFor(key)}`);
  const lower = value.toLowerCase();
  switch (key) {
    case 'method':
      return ok({ key: 'method', value: value.toUpperCase() });
    case 'status': {
      const pattern = parseStatus(lower);
      return pattern === null ? fail(`'${value}' is not a status; try status:404, status:5xx or status:200-299`) : ok({ key: 'status', value: pattern });
    }
    case 'service':
    case 'project':
    case 'host':
    case 'path':
      return ok({ key, value });
    case 'larger':
    case 'smaller': {
      const bytes = parseSize(value);
      return bytes === null ? fail(`'${value}' is not a size; try ${key}:100kb or ${key}:1mb`) : ok({ key, bytes });
    }
    case 'has':
      return (HAS_VALUES as readonly string[]).includes(lower)
        ? ok({ key: 'has', value: lower as HasValue })
        : fail(`has:${value} is not a filter; valid: ${HAS_VALUES.map((v) => `has:${v}`).join(', ')}`);
    case 'is':
      return (IS_VALUES as readonly string[]).includes(lower)
        ? ok({ key: 'is', value: lower as IsValue })
        : fail(`is:${value} is not a filter; valid: ${IS_VALUES.map((v) => `is:${v}`).join(', ')}`);
    case 'proto': {
      const proto = PROTO_ALIASES[lower];
      return proto === undefined ? fail(`proto:${value} is not a protocol; valid: ${PROTO_VALUES.join(', ')}`) : ok({ key: 'proto', value: proto });
    }
    case 'header': {
      const eq = value.indexOf('=');
      const name = (eq === -1 ? value : value.slice(0, eq)).toLowerCase();
      if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) return fail(`'${eq === -1 ? value : value.slice(0, eq)}' is not a header name; try header:x-foo or header:x-foo=bar`);
      return ok({ key: 'header', name, value: eq === -1 ? null : value.slice(eq + 1) });
    }
    case 'kind': {
      const kind = KIND_ALIASES[lower];
      return kind === undefined ? fail(`kind:${value} is not a kind; valid: ${KIND_VALUES.join(', ')}`) : ok({ key: 'kind', value: kind });
    }
    default:
      return ok({ key: 'text', value: text });
  }
}

export function parseStatus(text: string): StatusPattern | null {
  if (/^[1-5]\d\d$/.test(text)) return { kind: 'exact', code: Number(text) };
  if (/^[1-5][\dx]{2}$/.test(text)) return { kind: 'pattern', digits: text };
  const range = /^(\d{3})-(\d{3})$/.exec(text);
  if (range !== null) {
    const from = Number(range[1]);
    const to = Number(range[2]);
    return from <= to ? { kind: 'range', from, to } : null;
  }
  return null;
}

function exampleFor(key: string): string {
  const examples: Record<string, string> = {
    method: 'method:POST',
    status: 'status:404',
    service: 'service:api',
    project: 'project:shop',
    host: 'host:shop.localhost',
    path: 'path:/users',
    larger: 'larger:100kb',
    smaller: 'smaller:1mb',
    has: 'has:error',
    proto: 'proto:h2',
    kind: 'kind:ws',
    is: 'is:pinned',
    header: 'header:x-foo=bar',
  };
  return examples[key] === undefined ? '' : `, e.g. ${examples[key]}`;
}

/** Unknown keys are errors, as a bad value is: silently searching for "foo:bar" as text hides the typo. */
function unknownKeyMessage(key: string, near: string | null, text: string): string {
  const hint = near !== null ? `did you mean '${near}${near === 'duration' ? '>' : ':'}'?` : `valid keys: ${ALL_KEYS.join(', ')}`;
  return `unknown filter key '${key}'; ${hint} (to search for the text, quote it: "${text}")`;
}

/** A known key within edit distance 2 of a mistyped one, e.g. 'stauts' → 'status'. */
export function closestKey(key: string): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of ALL_KEYS) {
    const d = editDistance(key, candidate);
    if (d < bestDistance && d < candidate.length - 1) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}
