// SNI: picks the project's leaf certificate for each TLS handshake.
import { createSecureContext, type SecureContext } from 'node:tls';
import type { LeafCertificate, LocalCa } from './ca.js';
import { LruMap } from '../../shared/lru.js';
import { DASHBOARD_HOST } from '../../shared/defaults.js';
import { labelForServername } from './names.js';

export type SniCallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;

/** Which project names exist: the engine (or a test backend) answers. */
export interface KnownProjects {
  getProject(name: string): object | undefined;
}

/** The label of the dashboard's leaf, which every locald serves. */
export const DASHBOARD_LABEL = DASHBOARD_HOST.slice(0, -'.localhost'.length);
/** SecureContexts kept; one per project that had a handshake. */
export const DEFAULT_MAX_CACHED_CONTEXTS = 256;

export interface SniOptions {
  /** Only these labels get a leaf of their own; the dashboard's always does. */
  projects: KnownProjects;
  /** What every other `.localhost` name is served: the dashboard's leaf. */
  fallback: LeafCertificate;
  maxCachedContexts?: number;
}

/**
 * For `tls.createServer({ SNICallback })` (and https/http2 servers): `shop.localhost` and
 * `api.shop.localhost` get the `shop` leaf, `locald.localhost` (the dashboard) its own.
 * A `<label>.localhost` that names no project gets the fallback (dashboard) certificate and
 * then the proxy's "no such project" page: minting a leaf per name a client invents would
 * let any web page fill memory and disk (`<img src="https://random.localhost:7700/">`).
 * Other names get no certificate and the handshake fails. SecureContexts are cached per
 * leaf, least recently used forgotten first; a renewed leaf gets a new one.
 */
export function createSniCallback(ca: LocalCa, options: SniOptions): SniCallback {
  const contexts = new LruMap<string, { leaf: LeafCertificate; ctx: SecureContext }>(options.maxCachedContexts ?? DEFAULT_MAX_CACHED_CONTEXTS);
  const contextFor = (leaf: LeafCertificate): SecureContext => {
    let entry = contexts.get(leaf.label);
    if (entry === undefined || entry.leaf !== leaf) {
      entry = { leaf, ctx: secureContextFor(leaf) };
      contexts.set(leaf.label, entry);
    }
    return entry.ctx;
  };
  const isKnown = (label: string): boolean => label === DASHBOARD_LABEL || options.projects.getProject(label) !== undefined;
  return (servername, cb) => {
    const match = labelForServername(servername);
    if (!match.ok) {
      cb(new Error(`no certificate for ${match.error}`));
      return;
    }
    if (!isKnown(match.label)) {
      cb(null, contextFor(options.fallback));
      return;
    }
    ca.leafFor(match.label).then(
      (leaf) => cb(null, contextFor(leaf)),
      (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
    );
  };
}

export function secureContextFor(leaf: LeafCertificate): SecureContext {
  return createSecureContext({ cert: leaf.certPem, key: leaf.keyPem });
}

export interface SecureServerOptions {
  SNICallback: SniCallback;
  /** Served to clients that send no server name (e.g. https://127.0.0.1): the dashboard's leaf. */
  cert: string;
  key: string;
}

/**
 * Options to spread into `tls.createServer`, `https.createServer` or
 * `http2.createSecureServer` (add ALPNProtocols / allowHTTP1 there as needed). Leaves are
 * issued only for the dashboard and for the names `projects` knows.
 */
export async function secureServerOptions(ca: LocalCa, projects: KnownProjects): Promise<SecureServerOptions> {
  const fallback = await ca.leafFor(DASHBOARD_LABEL);
  return { SNICallback: createSniCallback(ca, { projects, fallback }), cert: fallback.certPem, key: fallback.keyPem };
}
