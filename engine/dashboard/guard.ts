// Who may talk to the dashboard and the engine API. Pure, so every refusal is tested.
// Three checks, in this order:
//  - Host must be the dashboard host: a DNS-rebinding page has its own name in Host.
//  - Origin, when present, must be the dashboard's own origin: a cross-site page cannot
//    open the engine socket or post to the API with the user's cookie.
//  - The per-run token, from the query (first visit) or the cookie set on that visit.
import { timingSafeEqual } from 'node:crypto';
import { DASHBOARD_HOST } from '../../shared/defaults.js';

export const TOKEN_COOKIE = 'locald_token';

export interface GuardInput {
  host: string | undefined;
  origin: string | undefined;
  cookie: string | undefined;
  /** The request target, e.g. `/?token=abc` or `/api/ws`. */
  url: string;
  expectedToken: string;
  port: number;
}

export type GuardDecision =
  | { ok: true; tokenFrom: 'query' | 'cookie' }
  | { ok: false; status: 400 | 401 | 403 | 421; reason: string };

/** The URL that opens the dashboard: the token in the query is traded for the cookie on the first visit. */
export function dashboardUrl(port: number, token: string): string {
  return `http://${DASHBOARD_HOST}:${port}/?token=${token}`;
}

export function dashboardOrigins(port: number): string[] {
  return [`http://${DASHBOARD_HOST}:${port}`, `https://${DASHBOARD_HOST}:${port}`];
}

export function isDashboardHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === `${DASHBOARD_HOST}:${port}` || h === `${DASHBOARD_HOST}.:${port}` || (port === 80 && h === DASHBOARD_HOST);
}

export function checkDashboardAccess(input: GuardInput): GuardDecision {
  if (!isDashboardHost(input.host, input.port)) {
    return { ok: false, status: 421, reason: `the dashboard answers only to Host ${DASHBOARD_HOST}:${input.port}` };
  }
  if (input.origin !== undefined && input.origin !== 'null' && !dashboardOrigins(input.port).includes(input.origin.toLowerCase())) {
    return { ok: false, status: 403, reason: `cross-origin request from ${input.origin} refused` };
  }
  if (input.origin === 'null') return { ok: false, status: 403, reason: 'requests from opaque origins are refused' };
  const fromQuery = tokenFromUrl(input.url);
  if (fromQuery !== null) {
    return sameToken(fromQuery, input.expectedToken)
      ? { ok: true, tokenFrom: 'query' }
      : { ok: false, status: 401, reason: 'wrong token; open the URL that `locald up` printed, or the one `locald dashboard` prints' };
  }
  const fromCookie = tokenFromCookie(input.cookie);
  if (fromCookie !== null && sameToken(fromCookie, input.expectedToken)) return { ok: true, tokenFrom: 'cookie' };
  return { ok: false, status: 401, reason: 'missing or wrong token; open the URL that `locald up` printed, or the one `locald dashboard` prints' };
}

export function tokenFromUrl(url: string): string | null {
  const q = url.indexOf('?');
  if (q === -1) return null;
  return new URLSearchParams(url.slice(q + 1)).get('token');
}

export function tokenFromCookie(cookie: string | undefined): string | null {
  if (cookie === undefined) return null;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === TOKEN_COOKIE) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** HttpOnly so page scripts (or captured HTML) cannot read it; Strict so no other site sends it. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}
