// A rule's matcher: the inspector's filter language (shared/filter) compiled once per rule
// and applied to the exchange as the proxy sees it so far.
import { compileFilter, lowerText, type ExchangePredicate, type MatchSubject } from '../../shared/filter/match.js';
import { parseFilter, type FilterError, type FilterKey } from '../../shared/filter/parse.js';
import type { ClientProtocol, ExchangeKind, HeaderList } from '../../shared/traffic.js';

/** Keys whose answer comes from the response: a rule using them is decided when the response head arrives. */
export const RESPONSE_KEYS: readonly FilterKey[] = ['status', 'larger', 'smaller', 'duration', 'has', 'is'];

export interface CompiledFilter {
  predicate: ExchangePredicate;
  errors: FilterError[];
  /** The response keys the matcher uses, in the order written; empty for a request matcher. */
  responseKeys: FilterKey[];
}

export function compileFilterText(text: string): CompiledFilter {
  const parsed = parseFilter(text);
  const responseKeys = [...new Set(parsed.terms.map((t) => t.key).filter((k) => RESPONSE_KEYS.includes(k)))];
  return { predicate: compileFilter(parsed.terms), errors: parsed.errors, responseKeys };
}

/** The request as the data path knows it before forwarding. */
export interface RequestView {
  project: string;
  service: string | null;
  route: string | null;
  kind: ExchangeKind;
  clientProtocol: ClientProtocol;
  method: string;
  /** Host (or :authority) as received. */
  host: string;
  /** Path and query as received. */
  url: string;
  /** The captured exchange's id, when capture has one (for breakpoints and the capture record). */
  exchangeId?: number | null;
  /** Request headers as received, for header: terms. */
  headers?: HeaderList;
}

/** The exchange once the response head has arrived. */
export interface ResponseView extends RequestView {
  status: number;
  contentType: string | null;
  /** Content-Length when the service sent one. */
  responseSize?: number;
  /** ms from the request's arrival to the response head. */
  durationMs?: number;
}

/** The view in the shape the filter language matches. */
export function matchSubject(view: RequestView | ResponseView): MatchSubject {
  const response = 'status' in view ? view : null;
  const subject: MatchSubject = {
    id: view.exchangeId ?? 0,
    replayOf: null,
    project: view.project,
    service: view.service,
    route: view.route,
    kind: view.kind,
    clientProtocol: view.clientProtocol,
    upstreamProtocol: null,
    method: view.method,
    host: view.host,
    url: view.url,
    forwardedUrl: null,
    status: response?.status ?? null,
    state: response === null ? 'pending' : 'streaming',
    start: 0,
    duration: response?.durationMs ?? null,
    requestSize: 0,
    responseSize: response?.responseSize ?? 0,
    messageCount: 0,
    error: null,
    pinned: false,
    contentType: response?.contentType ?? null,
    ...(view.headers !== undefined ? { requestHeaders: view.headers } : {}),
  };
  // Every rule looks at the same request: lower-case its text once, not once per term.
  subject.lower = lowerText(subject);
  return subject;
}
