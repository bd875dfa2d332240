// Header rewriting on raw header lists (`[name, value, name, value, …]`, as in
// `IncomingMessage.rawHeaders`), so the order and case the client sent survive the hop.
// Pure functions; the proxy calls them once per message.
import { TOKEN } from '../../../shared/http-syntax.js';

/** Headers that describe one connection, never the message (RFC 9110 §7.6.1), plus the legacy ones proxies strip. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Connection-specific response headers HTTP/2 forbids (RFC 9113 §8.2.2), plus the ones proxies strip. */
export const H2_FORBIDDEN_RESPONSE_HEADERS: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

// A Connection header must not be able to remove the message's identity or its framing:
// `Connection: Content-Length` would otherwise turn a fixed-length body into one we re-frame.
const NEVER_CONNECTION_NAMED = new Set(['host', 'content-length']);

/** The lower-cased elements of a comma-separated field value, empty ones dropped. */
export function tokens(value: string): string[] {
  return value
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
}

/** Every value of `name` (case-insensitive), in order. */
export function headerValues(raw: readonly string[], name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (sameName(raw[i] as string, lower)) out.push(raw[i + 1] as string);
  }
  return out;
}

/**
 * Case-insensitive name match against a lower-case name. The length check first: these scans
 * run over every header of every proxied message, and most names differ in length.
 */
function sameName(name: string, lower: string): boolean {
  return name.length === lower.length && name.toLowerCase() === lower;
}

/** Lower-cased tokens of every Connection header. */
export function connectionTokens(raw: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const v of headerValues(raw, 'connection')) for (const t of tokens(v)) out.add(t);
  return out;
}

/** The lower-cased protocol a request asks to switch to, or null (`Connection: upgrade` + `Upgrade: x`). */
export function upgradeProtocol(raw: readonly string[]): string | null {
  if (!connectionTokens(raw).has('upgrade')) return null;
  const up = headerValues(raw, 'upgrade')[0];
  return up === undefined || up.trim() === '' ? null : up.trim().toLowerCase();
}

export interface StripOptions {
  /** Requests keep `TE: trailers`: it tells the service the path carries trailers. */
  keepTeTrailers?: boolean;
  /** More lower-case names to drop: locald's own markers, which never leave the proxy. */
  drop?: ReadonlySet<string>;
}

/** What a response head says about its body, noted by stripHopByHop on the same pass. */
export interface BodyNotes {
  /** A Content-Length header is there. */
  contentLength: boolean;
  /** The first Content-Type, if any. */
  contentType: string | undefined;
  /** A Trailer header is there (it is hop-by-hop, so it is not in the result). */
  trailer: boolean;
}

const NO_STRIP_OPTIONS: StripOptions = {};

// Lengths of the names stripHopByHop must look at: any other header is copied without being
// lower-cased (this runs over every header of every proxied message, and most names are
// none of these).
function lengthsOf(names: Iterable<string>): boolean[] {
  const out: boolean[] = [];
  for (const n of names) out[n.length] = true;
  return out;
}
const HOP_BY_HOP_LENGTHS = lengthsOf([...HOP_BY_HOP, 'content-length', 'content-type']);
const dropLengths = new WeakMap<ReadonlySet<string>, boolean[]>();
function lengthsOfDrop(drop: ReadonlySet<string>): boolean[] {
  let lengths = dropLengths.get(drop);
  if (lengths === undefined) dropLengths.set(drop, (lengths = lengthsOf(drop)));
  return lengths;
}

/**
 * Removes hop-by-hop headers and every header the Connection header names. `notes`, when
 * given, is filled in with what the head says about the body, on the same pass.
 */
export function stripHopByHop(raw: readonly string[], opts: StripOptions = NO_STRIP_OPTIONS, notes?: BodyNotes): string[] {
  const out: string[] = [];
  let connectionValues: string[] | undefined;
  let teTrailers = false;
  const drop = opts.drop;
  const dropLength = drop === undefined ? undefined : lengthsOfDrop(drop);
  // One pass; a second one only when Connection names a header beyond the standard set.
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const length = name.length;
    if (HOP_BY_HOP_LENGTHS[length] !== true && (dropLength === undefined || dropLength[length] !== true)) {
      out.push(name, value);
      continue;
    }
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) {
      if (lower === 'connection') (connectionValues ??= []).push(value);
      else if (lower === 'te' && opts.keepTeTrailers === true && tokens(value).includes('trailers')) teTrailers = true;
      else if (lower === 'trailer' && notes !== undefined) notes.trailer = true;
      continue;
    }
    if (drop?.has(lower) === true) continue;
    if (notes !== undefined) {
      if (lower === 'content-length') notes.contentLength = true;
      else if (lower === 'content-type' && notes.contentType === undefined) notes.contentType = value;
    }
    out.push(name, value);
  }
  const named = connectionValues === undefined ? undefined : namedByConnection(connectionValues);
  const result = named === undefined ? out : withoutNames(out, named);
  if (teTrailers) result.push('TE', 'trailers');
  return result;
}

/** Names a Connection header marks hop-by-hop besides HOP_BY_HOP itself; undefined when none. */
function namedByConnection(values: readonly string[]): Set<string> | undefined {
  let named: Set<string> | undefined;
  for (const value of values) {
    for (const token of tokens(value)) {
      if (HOP_BY_HOP.has(token) || NEVER_CONNECTION_NAMED.has(token)) continue;
      (named ??= new Set()).add(token);
    }
  }
  return named;
}

function withoutNames(raw: readonly string[], names: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    if (!names.has(name.toLowerCase())) out.push(name, raw[i + 1] as string);
  }
  return out;
}

/** A service's response headers as the client gets them: hop-by-hop removed, our Via element appended. */
export function responseHeadersForClient(raw: readonly string[], viaToken: string): string[] {
  return appendToList(stripHopByHop(raw), 'Via', `1.1 ${viaToken}`);
}

/**
 * Why a parsed HTTP/1.x request is too ambiguous to forward, or undefined. Node's parser
 * already rejects the framing attacks (CL+TE, differing Content-Lengths, obs-fold, bare
 * LF); it keeps every Host header though, and two Hosts can route one way here and
 * another way in the service (RFC 9112 §3.2: 400).
 */
export function ambiguousRequestReason(raw: readonly string[]): string | undefined {
  if (headerValues(raw, 'host').length > 1) return 'the request has more than one Host header';
  return undefined;
}

/** Replaces every `name` header by one with `value`, at the position of the first; appends when absent. */
export function setHeader(raw: string[], name: string, value: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  let placed = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (sameName(raw[i] as string, lower)) {
      if (!placed) {
        out.push(raw[i] as string, value);
        placed = true;
      }
      continue;
    }
    out.push(raw[i] as string, raw[i + 1] as string);
  }
  if (!placed) out.push(name, value);
  return out;
}

/** Appends a list element to a comma-separated header, folding any repeated headers into one. */
export function appendToList(raw: string[], name: string, element: string): string[] {
  const lower = name.toLowerCase();
  let found = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (sameName(raw[i] as string, lower)) {
      found = true;
      break;
    }
  }
  // The usual case (a response without Via): one scan, one copy.
  if (!found) return [...raw, name, element];
  const prior = headerValues(raw, name)
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return setHeader(raw, name, [...prior, element].join(', '));
}

/** `::ffff:127.0.0.1` → `127.0.0.1`; other addresses unchanged. */
export function normalizeClientIp(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped?.[1] ?? address;
}

/** RFC 7239 value: a token when possible, else a quoted-string. */
export function forwardedValue(value: string): string {
  if (TOKEN.test(value)) return value;
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** One `Forwarded` element; IPv6 nodes are bracketed and quoted (RFC 7239 §6). */
export function forwardedElement(clientIp: string, host: string | undefined, proto: string): string {
  const node = clientIp.includes(':') ? `"[${clientIp}]"` : forwardedValue(clientIp);
  const parts = [`for=${node}`];
  if (host !== undefined && host !== '') parts.push(`host=${forwardedValue(host)}`);
  parts.push(`proto=${forwardedValue(proto)}`);
  return parts.join(';');
}

export interface ForwardingInfo {
  clientIp: string;
  /** The Host the client asked for, port included. */
  host: string | undefined;
  proto: 'http' | 'https';
  /** `locald-<instanceId>`, the received-by of our Via entry. */
  viaToken: string;
}

/** Adds X-Forwarded-For/-Host/-Proto, Forwarded and Via to request headers. */
// The headers addForwardingHeaders manages, in the order it appends the absent ones.
const FORWARDING_NAMES = ['X-Forwarded-For', 'X-Forwarded-Host', 'X-Forwarded-Proto', 'Forwarded', 'Via'] as const;
const FORWARDING_SLOT = new Map<string, number>(FORWARDING_NAMES.map((n, i) => [n.toLowerCase(), i]));
const FORWARDING_LENGTHS = lengthsOf(FORWARDING_SLOT.keys());
// List headers get our element appended to what the client sent; the others are replaced.
const FORWARDING_IS_LIST = [true, false, false, true, true];

/**
 * X-Forwarded-For/-Host/-Proto, Forwarded and Via, in one pass over the headers (this runs for
 * every proxied request). Same result as appendToList/setHeader per header: repeated headers fold
 * into the first one's position, list values keep the client's elements, absent ones are appended.
 */
export function addForwardingHeaders(raw: string[], info: ForwardingInfo): string[] {
  const elements = [
    info.clientIp,
    info.host,
    info.proto,
    forwardedElement(info.clientIp, info.host, info.proto),
    `1.1 ${info.viaToken}`,
  ];
  const position = [-1, -1, -1, -1, -1];
  const prior: string[][] = [[], [], [], [], []];
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const slot = FORWARDING_LENGTHS[name.length] === true ? FORWARDING_SLOT.get(name.toLowerCase()) : undefined;
    if (slot === undefined || elements[slot] === undefined) {
      out.push(name, raw[i + 1] as string);
      continue;
    }
    if (position[slot] === -1) {
      position[slot] = out.length;
      out.push(name, '');
    }
    const value = (raw[i + 1] as string).trim();
    if (value !== '') (prior[slot] as string[]).push(value);
  }
  for (let slot = 0; slot < FORWARDING_NAMES.length; slot++) {
    const element = elements[slot];
    if (element === undefined) continue;
    const value = FORWARDING_IS_LIST[slot] === true ? [...(prior[slot] as string[]), element].join(', ') : element;
    const at = position[slot] as number;
    if (at === -1) out.push(FORWARDING_NAMES[slot] as string, value);
    else out[at + 1] = value;
  }
  return out;
}

/** True when a Via header already lists `token` as a received-by: the request has looped through us. */
export function viaContains(raw: readonly string[], token: string): boolean {
  const wanted = token.toLowerCase();
  for (const v of headerValues(raw, 'via')) {
    for (const element of tokens(v)) {
      const receivedBy = element.split(/\s+/)[1];
      if (receivedBy === wanted) return true;
    }
  }
  return false;
}

/** Pairs for `res.addTrailers` from `rawTrailers`. */
export function trailerPairs(rawTrailers: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < rawTrailers.length; i += 2) out.push([rawTrailers[i] as string, rawTrailers[i + 1] as string]);
  return out;
}
