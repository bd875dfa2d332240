// Path routing: which route a request target matches and what path the service sees.
// Pure. Matching is on the raw request path: nothing is decoded or re-encoded, and the
// query string is carried through byte for byte.
import type { RouteConfig } from '../../shared/config.js';

export interface RequestTarget {
  /** The raw path, from the first '/' up to (not including) '?'. */
  path: string;
  /** '' or the raw query including its leading '?'. */
  query: string;
}

/** Splits an origin-form request target (`/a/b?x=1`). */
export function splitTarget(target: string): RequestTarget {
  const q = target.indexOf('?');
  if (q < 0) return { path: target, query: '' };
  return { path: target.slice(0, q), query: target.slice(q) };
}

// A segment that means "." or ".." once percent-decoded (RFC 3986 §2.3: %2E is '.').
const DOT = /^(?:\.|%2e)$/i;
const DOT_DOT = /^(?:\.|%2e){2}$/i;

/**
 * RFC 3986 §5.2.4 remove_dot_segments on an absolute path, also for the percent-encoded
 * forms (`%2e%2e`, `.%2E`), which a service would decode into the same `..`. Routing
 * must see the path the service will resolve, or `/api/../admin` matches `/api` and
 * reaches `/admin` of the api service. Every other byte stays as sent: nothing else is
 * decoded and empty segments (`//`) are kept.
 */
export function removeDotSegments(path: string): string {
  if (!path.startsWith('/')) return path;
  const input = path.slice(1).split('/');
  const output: string[] = [];
  input.forEach((segment, i) => {
    const last = i === input.length - 1;
    if (DOT.test(segment)) {
      // `/a/.` and `/a/..` name a directory: keep the trailing '/'.
      if (last) output.push('');
    } else if (DOT_DOT.test(segment)) {
      output.pop();
      if (last) output.push('');
    } else {
      output.push(segment);
    }
  });
  return `/${output.join('/')}`;
}

/** `removeDotSegments` on the path of an origin-form target; the query is kept byte for byte. */
export function normalizeTargetPath(target: string): string {
  const { path, query } = splitTarget(target);
  return removeDotSegments(path) + query;
}

/** Drops a trailing '/' so `/api/` behaves like `/api`; the root stays '/'. */
export function normalizePrefix(prefix: string): string {
  let p = prefix.startsWith('/') ? prefix : `/${prefix}`;
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

/** True when `prefix` covers `path` on a segment boundary: `/api` covers `/api`, `/api/`, `/api/x`, never `/apix`. */
export function prefixMatches(prefix: string, path: string): boolean {
  const p = normalizePrefix(prefix);
  if (p === '/') return true;
  if (!path.startsWith(p)) return false;
  return path.length === p.length || path.charCodeAt(p.length) === 0x2f; /* '/' */
}

export interface RouteMatch {
  route: RouteConfig;
  /** The origin-form target the service receives (path + query). */
  upstreamTarget: string;
}

/** The longest prefix that covers the path wins, whatever order the routes come in. */
export function matchRoute(routes: readonly RouteConfig[], target: string): RouteMatch | undefined {
  const { path, query } = splitTarget(target);
  let best: RouteConfig | undefined;
  let bestLength = -1;
  for (const route of routes) {
    const p = normalizePrefix(route.prefix);
    if (p.length > bestLength && prefixMatches(p, path)) {
      best = route;
      bestLength = p.length;
    }
  }
  if (best === undefined) return undefined;
  return { route: best, upstreamTarget: rewritePath(best, path) + query };
}

/** Applies `strip_prefix`: `/api/users` → `/users`, `/api` → `/`. */
export function rewritePath(route: RouteConfig, path: string): string {
  const p = normalizePrefix(route.prefix);
  if (!route.stripPrefix || p === '/') return path;
  const rest = path.slice(p.length);
  return rest === '' ? '/' : rest;
}
