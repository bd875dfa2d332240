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
