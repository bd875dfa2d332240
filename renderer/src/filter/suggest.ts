// Autosuggest for the filter bar: keys while typing a key, known values after `key:`.
import { tokenAt } from '../../../shared/filter/tokenize.js';
import { ALL_KEYS, HAS_VALUES, IS_VALUES, KIND_VALUES, PROTO_VALUES } from '../../../shared/filter/parse.js';

/** Values seen in the captured data, collected by the store. */
export interface KnownValues {
  methods: readonly string[];
  statuses: readonly number[];
  services: readonly string[];
  projects: readonly string[];
  hosts: readonly string[];
}

export interface Suggestion {
  /** What the list shows. */
  label: string;
  /** Replaces the token under the cursor. */
  insert: string;
  hint: string;
}

export interface Suggestions {
  start: number;
  end: number;
  items: Suggestion[];
}

const KEY_HINTS: Record<string, string> = {
  method: 'HTTP method',
  status: '404, 5xx, 200-299',
  service: 'service name',
  project: 'project name',
  host: 'Host contains',
  path: 'path contains',
  larger: 'response bigger than, e.g. 100kb',
  smaller: 'response smaller than, e.g. 1mb',
  duration: 'duration>200ms, duration<1s',
  has: 'error, body, messages',
  proto: 'http/1.1, h2, h2c',
  kind: 'http, ws, sse, grpc',
  is: 'pinned, replay, earlier, pending…',
  header: 'request header, e.g. header:x-foo=bar (rules)',
};

const MAX_ITEMS = 12;

export function suggest(input: string, cursor: number, known: KnownValues): Suggestions {
  const token = tokenAt(input, cursor);
  const negate = token.text.startsWith('-') ? '-' : '';
  const text = token.text.slice(negate.length);
  const colon = text.indexOf(':');
  const items: Suggestion[] = [];
  if (colon === -1) {
    const prefix = text.toLowerCase();
    if (prefix.startsWith('duration')) {
      for (const op of ['>', '<', '>=', '<=']) items.push({ label: `duration${op}`, insert: `${negate}duration${op}`, hint: KEY_HINTS.duration ?? '' });
    } else {
      for (const key of ALL_KEYS) {
        if (!key.startsWith(prefix)) continue;
        const insert = key === 'duration' ? `${negate}duration>` : `${negate}${key}:`;
        items.push({ label: key === 'duration' ? 'duration>' : `${key}:`, insert, hint: KEY_HINTS[key] ?? '' });
      }
    }
  } else {
    const key = text.slice(0, colon).toLowerCase();
    const partial = text.slice(colon + 1).toLowerCase();
    for (const value of valuesFor(key, known)) {
      if (!value.toLowerCase().startsWith(partial) || value.toLowerCase() === partial) continue;
      items.push({ label: `${key}:${value}`, insert: `${negate}${key}:${quoteIfNeeded(value)}`, hint: '' });
    }
  }
  return { start: token.start, end: token.end, items: items.slice(0, MAX_ITEMS) };
}

function valuesFor(key: string, known: KnownValues): string[] {
  switch (key) {
    case 'method':
      return unique([...known.methods, 'GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
    case 'status':
      return unique([...known.statuses.map(String), '2xx', '3xx', '4xx', '5xx']);
    case 'service':
      return [...known.services];
    case 'project':
      return [...known.projects];
    case 'host':
      return [...known.hosts];
    case 'has':
      return [...HAS_VALUES];
    case 'is':
      return [...IS_VALUES];
    case 'proto':
      return [...PROTO_VALUES];
    case 'kind':
      return [...KIND_VALUES];
    case 'larger':
    case 'smaller':
      return ['1kb', '100kb', '1mb'];
    default:
      return [];
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function quoteIfNeeded(value: string): string {
  return /[\s"]/.test(value) ? `"${value.replace(/(["\\])/g, '\\$1')}"` : value;
}

/** Applies a suggestion: the new input and where the cursor goes. */
export function applySuggestion(input: string, suggestions: Suggestions, item: Suggestion): { value: string; cursor: number } {
  const before = input.slice(0, suggestions.start);
  let after = input.slice(suggestions.end);
  const complete = !item.insert.endsWith(':') && !/[<>=]$/.test(item.insert);
  if (complete && !after.startsWith(' ')) after = ` ${after}`;
  const value = before + item.insert + after;
  return { value, cursor: before.length + item.insert.length + (complete ? 1 : 0) };
}
