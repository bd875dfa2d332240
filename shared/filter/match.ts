// Turns parsed filter terms into one predicate over exchange summaries.
import type { ExchangeSummary, HeaderList } from '../traffic.js';
import type { FilterTerm, NegatableTerm, StatusPattern } from './parse.js';

/** What a filter is matched against: a summary, and the request headers where the matcher has them (rules do; list rows do not). */
export type MatchSubject = ExchangeSummary & { requestHeaders?: HeaderList };

export type ExchangePredicate = (exchange: MatchSubject) => boolean;

export const matchAll: ExchangePredicate = () => true;

export function compileFilter(terms: readonly NegatableTerm[]): ExchangePredicate {
  if (terms.length === 0) return matchAll;
  const positiveGroups = new Map<string, FilterTerm[]>();
  const negatives: FilterTerm[] = [];
  for (const term of terms) {
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

export function matchTerm(term: FilterTerm, e: MatchSubject): boolean {
  switch (term.key) {
    case 'text':
      return searchText(e).includes(term.value.toLowerCase());
    case 'method':
      return e.method.toUpperCase() === term.value;
    case 'status':
      return e.status !== null && matchStatus(term.value, e.status);
    case 'service':
      return e.service !== null && e.service.toLowerCase() === term.value.toLowerCase();
    case 'project':
      return e.project !== null && e.project.toLowerCase() === term.value.toLowerCase();
    case 'host':
      return e.host.toLowerCase().includes(term.value.toLowerCase());
    case 'path':
      return matchPath(e.url, term.value);
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
      const want = term.value?.toLowerCase() ?? null;
      return e.requestHeaders?.some(([name, value]) => name.toLowerCase() === term.name && (want === null || value.toLowerCase().includes(want))) ?? false;
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

/** A substring of path and query as received: path:/users matches /api/users?x=1. */
function matchPath(url: string, value: string): boolean {
  return url.toLowerCase().includes(value.toLowerCase());
}

function searchText(e: ExchangeSummary): string {
  return `${e.method} ${e.host}${e.url} ${e.status ?? ''} ${e.service ?? ''} ${e.project ?? ''} ${e.error?.title ?? ''} ${e.contentType ?? ''}`.toLowerCase();
}
