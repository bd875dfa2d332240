// Turns parsed filter terms into one predicate over exchange summaries.
import type { ExchangeSummary, HeaderList } from '../traffic.js';
import type { FilterTerm, NegatableTerm, StatusPattern } from './parse.js';

/** The subject's text fields in lower case, computed once when many filters look at one subject (the engine's rules). */
export interface LowerText {
  url: string;
  host: string;
  service: string | null;
  project: string | null;
  /** What free text searches. */
  search: string;
  /** Request header names and values, when the subject has them. */
  headers: HeaderList | null;
}

/**
 * What a filter is matched against: a summary, the request headers where the matcher has them
 * (rules do; list rows do not), and optionally its text already lower-cased.
 */
export type MatchSubject = ExchangeSummary & { requestHeaders?: HeaderList; lower?: LowerText };

export function lowerText(e: MatchSubject): LowerText {
  return new LazyLowerText(e);
}

/** Each field lower-cased on first use: most rules look only at the method, path or host. */
class LazyLowerText implements LowerText {
  private lowerUrl: string | undefined;
  private lowerHost: string | undefined;
  private lowerService: string | null | undefined;
  private lowerProject: string | null | undefined;
  private lowerSearch: string | undefined;
  private lowerHeaders: HeaderList | null | undefined;
  constructor(private readonly e: MatchSubject) {}
  get url(): string {
    return (this.lowerUrl ??= this.e.url.toLowerCase());
  }
  get host(): string {
    return (this.lowerHost ??= this.e.host.toLowerCase());
  }
  get service(): string | null {
    return (this.lowerService ??= this.e.service?.toLowerCase() ?? null);
  }
  get project(): string | null {
    return (this.lowerProject ??= this.e.project?.toLowerCase() ?? null);
  }
  get search(): string {
    return (this.lowerSearch ??= searchText(this.e));
  }
  get headers(): HeaderList | null {
    if (this.lowerHeaders === undefined) this.lowerHeaders = this.e.requestHeaders === undefined ? null : lowerHeaders(this.e.requestHeaders);
    return this.lowerHeaders;
  }
}

function lowerHeaders(headers: HeaderList): HeaderList {
  return headers.map(([name, value]): [string, string] => [name.toLowerCase(), value.toLowerCase()]);
}

export type ExchangePredicate = (exchange: MatchSubject) => boolean;

export const matchAll: ExchangePredicate = () => true;

/** The term with its text lower-cased once, as matchTerm compares it. */
function prepared(term: NegatableTerm): NegatableTerm {
  switch (term.key) {
    case 'text':
    case 'service':
    case 'project':
    case 'host':
    case 'path':
      return { ...term, value: term.value.toLowerCase() };
    case 'header':
      return term.value === null ? term : { ...term, value: term.value.toLowerCase() };
    default:
      return term;
  }
}

export function compileFilter(terms: readonly NegatableTerm[]): ExchangePredicate {
  if (terms.length === 0) return matchAll;
  const positiveGroups = new Map<string, FilterTerm[]>();
  const negatives: FilterTerm[] = [];
  for (const term of terms.map(prepared)) {
    if (term.negate) negatives.push(term);
    else {
      // Free-text words must all match; other keys are alternatives within the key.
      const group = term.key === 'text' ? `text:${positiveGroups.size}` : term.key;
      const list = positiveGroups.get(group) ?? [];
      list.push(term);
      positiveGroups.set(group, list);
    }
  }
  // All groups must hold, so their order is free: the cheap, selective literal keys go first
  // and reject most requests before the lower-cased text, headers or free text is looked at.
  const groups = [...positiveGroups.values()].sort((a, b) => keyCost(a[0]?.key) - keyCost(b[0]?.key)).map(anyOf);
  const negated = negatives.map(termPredicate);
  return (exchange) => {
    for (const group of groups) if (!group(exchange)) return false;
    for (const term of negated) if (term(exchange)) return false;
    return true;
  };
}

const KEY_COST: Partial<Record<FilterTerm['key'], number>> = { method: 0, kind: 0, proto: 0, status: 0, service: 1, project: 1, path: 2, host: 2, header: 3, text: 4 };

function keyCost(key: FilterTerm['key'] | undefined): number {
  return key === undefined ? 5 : (KEY_COST[key] ?? 1);
}

function anyOf(terms: FilterTerm[]): ExchangePredicate {
  const predicates = terms.map(termPredicate);
  if (predicates.length === 1) return predicates[0] as ExchangePredicate;
  return (e) => {
    for (const p of predicates) if (p(e)) return true;
    return false;
  };
}

/**
 * One term as its own small predicate. The literal keys rules use most get a closure of their
 * own (one shape per call site, no general switch); the rest go through matchTerm.
 */
function termPredicate(term: FilterTerm): ExchangePredicate {
  switch (term.key) {
    case 'method': {
      const want = term.value;
      // Methods arrive upper-case: compare before allocating an upper-cased copy.
      return (e) => e.method === want || e.method.toUpperCase() === want;
    }
    case 'service': {
      const want = term.value;
      return (e) => e.service !== null && (e.lower?.service ?? e.service.toLowerCase()) === want;
    }
    case 'project': {
      const want = term.value;
      return (e) => e.project !== null && (e.lower?.project ?? e.project.toLowerCase()) === want;
    }
    case 'host': {
      const want = term.value;
      return (e) => (e.lower?.host ?? e.host.toLowerCase()).includes(want);
    }
    case 'path': {
      const want = term.value;
      // A substring of path and query as received: path:/users matches /api/users?x=1.
      return (e) => (e.lower?.url ?? e.url.toLowerCase()).includes(want);
    }
    case 'header': {
      const { name, value } = term;
      return (e) => headerHolds(name, value, e);
    }
    default:
      return (e) => matchTerm(term, e);
  }
}

type OtherTerm = Exclude<FilterTerm, { key: 'method' | 'service' | 'project' | 'host' | 'path' | 'header' }>;

/** `term` as prepared() left it: its text already lower-cased. */
function matchTerm(term: OtherTerm, e: MatchSubject): boolean {
  switch (term.key) {
    case 'text':
      return (e.lower?.search ?? searchText(e)).includes(term.value);
    case 'status':
      return e.status !== null && matchStatus(term.value, e.status);
    case 'larger':
      return e.responseSize > term.bytes;
    case 'smaller':
      return e.responseSize < term.bytes;
    case 'duration': {
      if (e.duration === null) return false;
      switch (term.op) {
        case '>':
          return e.duration > term.ms;
        case '<':
          return e.duration < term.ms;
        case '>=':
          return e.duration >= term.ms;
        case '<=':
          return e.duration <= term.ms;
      }
      return false;
    }
    case 'has':
      if (term.value === 'error') return e.error !== null;
      if (term.value === 'body') return e.requestSize > 0 || e.responseSize > 0;
      return e.messageCount > 0;
    case 'proto':
      return e.clientProtocol === term.value;
    case 'kind':
      return e.kind === term.value;
    case 'is':
      if (term.value === 'pinned') return e.pinned;
      if (term.value === 'replay') return e.replayOf !== null;
      if (term.value === 'earlier') return e.earlier === true;
      return e.state === term.value;
  }
}

/** Without headers (a list row) a header term cannot hold. `value` is already lower-cased. */
function headerHolds(name: string, value: string | null, e: MatchSubject): boolean {
  const headers = e.lower?.headers ?? (e.requestHeaders === undefined ? null : lowerHeaders(e.requestHeaders));
  if (headers === null) return false;
  for (const [n, v] of headers) if (n === name && (value === null || v.includes(value))) return true;
  return false;
}

export function matchStatus(pattern: StatusPattern, status: number): boolean {
  switch (pattern.kind) {
    case 'exact':
      return status === pattern.code;
    case 'range':
      return status >= pattern.from && status <= pattern.to;
    case 'pattern': {
      const code = String(status);
      if (code.length !== pattern.digits.length) return false;
      for (let i = 0; i < code.length; i++) {
        const want = pattern.digits[i];
        if (want !== 'x' && want !== code[i]) return false;
      }
      return true;
    }
  }
}

function searchText(e: ExchangeSummary): string {
  return `${e.method} ${e.host}${e.url} ${e.status ?? ''} ${e.service ?? ''} ${e.project ?? ''} ${e.error?.title ?? ''} ${e.contentType ?? ''}`.toLowerCase();
}
