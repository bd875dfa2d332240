// Host header → which project (and optionally which service) a request is for.
// Pure: no I/O. The proxy answers `dashboard` itself, `bare` with the project list,
// `invalid` with a 400, and `project` by looking the name up in the engine.
import { DASHBOARD_HOST } from '../../shared/defaults.js';

export type HostTarget =
  /** `locald.localhost[:port]`: the dashboard and engine API. */
  | { kind: 'dashboard' }
  /** A host that names no project: `localhost`, an IP literal, or a name outside `.localhost`. */
  | { kind: 'bare'; hostname: string }
  /** `<project>.localhost` (service null) or `<service>.<project>.localhost`. */
  | { kind: 'project'; project: string; service: string | null }
  /** Not a usable host at all (bad characters, bad port, too many labels…). */
  | { kind: 'invalid'; reason: string };

const LOCALHOST = 'localhost';
const DASHBOARD_LABEL = DASHBOARD_HOST.slice(0, -(LOCALHOST.length + 1));
// RFC 1035 caps names at 253 characters; anything longer is not a name we serve.
const MAX_HOSTNAME = 253;
// Labels as people actually name things: letters, digits, '-' and '_' (compose-style names).
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

export interface SplitHost {
  /** Lower-cased, without port, trailing dot or IPv6 brackets. */
  hostname: string;
  port: number | null;
  ipv6: boolean;
}

/** Splits `name[:port]` or `[v6][:port]`. Returns a reason string when the value is malformed. */
export function splitHostPort(value: string): SplitHost | string {
  const host = value.trim();
  if (host === '') return 'the Host header is empty';
  if (host.length > MAX_HOSTNAME + 8) return 'the Host header is too long';
  let name: string;
  let portText: string | null = null;
  let ipv6 = false;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return `unterminated IPv6 literal in Host '${host}'`;
    name = host.slice(1, close);
    const rest = host.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return `unexpected characters after IPv6 literal in Host '${host}'`;
      portText = rest.slice(1);
    }
    if (!/^[0-9a-fA-F:.]+(?:%[\w.~-]+)?$/.test(name) || !name.includes(':')) {
      return `'${name}' is not an IPv6 address`;
    }
    ipv6 = true;
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0) {
      if (host.indexOf(':') !== colon) return `'${host}' is not a valid Host (IPv6 addresses need [brackets])`;
      name = host.slice(0, colon);
      portText = host.slice(colon + 1);
    } else {
      name = host;
    }
  }
  let port: number | null = null;
  if (portText !== null) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return `'${portText}' is not a valid port in Host '${host}'`;
    port = Number(portText);
  }
  let hostname = name.toLowerCase();
  if (!ipv6 && hostname.endsWith('.')) hostname = hostname.slice(0, -1);
  if (hostname === '') return `Host '${host}' has no name`;
  return { hostname, port, ipv6 };
}

const NO_HOST: HostTarget = Object.freeze({ kind: 'bare', hostname: '' });
// A page load sends the same one or two Host values a thousand times: each is parsed once.
// Bounded, because anyone who can reach the port chooses the values.
const parsedHosts = new Map<string, HostTarget>();
const MAX_REMEMBERED_HOSTS = 256;

/** Decides what a Host header value addresses. `undefined` (no Host, HTTP/1.0) is `bare`. The result is frozen. */
export function parseHost(value: string | undefined): HostTarget {
  if (value === undefined) return NO_HOST;
  let target = parsedHosts.get(value);
  if (target === undefined) {
    target = Object.freeze(parseHostValue(value));
    if (parsedHosts.size >= MAX_REMEMBERED_HOSTS) parsedHosts.clear();
    parsedHosts.set(value, target);
  }
  return target;
}

function parseHostValue(value: string): HostTarget {
  const split = splitHostPort(value);
  if (typeof split === 'string') return { kind: 'invalid', reason: split };
  const { hostname, ipv6 } = split;
  if (ipv6 || IPV4.test(hostname) || hostname === LOCALHOST) return { kind: 'bare', hostname };
  if (hostname.length > MAX_HOSTNAME) return { kind: 'invalid', reason: 'the Host name is longer than 253 characters' };
  const labels = hostname.split('.');
  for (const label of labels) {
    if (!LABEL.test(label)) return { kind: 'invalid', reason: `'${label}' is not a valid DNS label in Host '${value.trim()}'` };
  }
  if (labels[labels.length - 1] !== LOCALHOST) return { kind: 'bare', hostname };
  const names = labels.slice(0, -1);
  const project = names[names.length - 1];
  if (project === undefined) return { kind: 'bare', hostname };
  if (project === DASHBOARD_LABEL) {
    if (names.length === 1) return { kind: 'dashboard' };
    return { kind: 'invalid', reason: `'${hostname}' is under ${DASHBOARD_HOST}, which is reserved for the dashboard` };
  }
  if (names.length === 1) return { kind: 'project', project, service: null };
  if (names.length === 2) return { kind: 'project', project, service: names[0] ?? null };
  return {
    kind: 'invalid',
    reason: `'${hostname}' has too many labels; use <project>.localhost or <service>.<project>.localhost`,
  };
}

/**
 * Whether a `bare` hostname (as parseHost returns it) names this machine literally:
 * `localhost`, 127.0.0.0/8 or ::1 (in any spelling). Any other name reached the proxy
 * through DNS that someone else may control (a DNS-rebinding page sends
 * `Host: attacker.example`), and no Host at all is no name: neither is shown what locald serves.
 */
export function isLoopbackHostname(hostname: string): boolean {
  if (hostname === LOCALHOST) return true;
  if (hostname === '') return false;
  let canonical: string;
  try {
    // The WHATWG URL parser canonicalises both families: `0:0::1` → `[::1]`, `127.1` → `127.0.0.1`.
    canonical = new URL(`http://${hostname.includes(':') ? `[${hostname}]` : hostname}/`).hostname;
  } catch {
    return false;
  }
  return canonical === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(canonical);
}
