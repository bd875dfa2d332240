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
  return {
    url: e.url.toLowerCase(),
    host: e.host.toLowerCase(),
    service: e.service?.toLowerCase() ?? null,
    project: e.project?.toLowerCase() ?? null,
    search: searchText(e),
    headers: e.requestHeaders?.map(([name, value]) => [name.toLowerCase(), value.toLowerCase()]) ?? null,
  };
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
  const groups = [...positiveGroups.values()];
  return (exchange) => {
    for (const group of groups) {
      if (!group.some((term) => matchTerm(term, exchange))) return false;
    }
    for (const term of negatives) {
      if (matchTerm(term, exchange)) return false;
    }
    return true;
  };
}

/** `term` as prepared() left it: its text already lower-cased. */
function matchTerm(term: FilterTerm, e: MatchSubject): boolean {
  switch (term.key) {
    case 'text':
      return (e.lower?.search ?? searchText(e)).includes(term.value);
    case 'method':
      return e.method.toUpperCase() === term.value;
    case 'status':
      return e.status !== null && matchStatus(term.value, e.status);
    case 'service':
      return e.service !== null && (e.lower?.service ?? e.service.toLowerCase()) === term.value;
    case 'project':
      return e.project !== null && (e.lower?.project ?? e.project.toLowerCase()) === term.value;
    case 'host':
      return (e.lower?.host ?? e.host.toLowerCase()).includes(term.value);
    case 'path':
      // A substring of path and query as received: path:/users matches /api/users?x=1.
      return (e.lower?.url ?? e.url.toLowerCase()).includes(term.value);
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
    case 'header': {
      // Without headers (a list row) a header term cannot hold.
      const want = term.value;
      const headers = e.lower?.headers ?? e.requestHeaders?.map(([name, value]): [string, string] => [name.toLowerCase(), value.toLowerCase()]) ?? [];
      return headers.some(([name, value]) => name === term.name && (want === null || value.includes(want)));
    }
  }
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
