// SNI: picks the project's leaf certificate for each TLS handshake.
import { createSecureContext, type SecureContext } from 'node:tls';
import type { LeafCertificate, LocalCa } from './ca.js';
import { labelForServername } from './names.js';

export type SniCallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;

/**
 * For `tls.createServer({ SNICallback })` (and https/http2 servers): `shop.localhost` and
 * `api.shop.localhost` get the `shop` leaf, `locald.localhost` (the dashboard) its own.
 * Any `<label>.localhost` gets a leaf for that label, so an unknown project still reaches
 * the proxy's "no such project" page over HTTPS. Other names get no certificate and the
 * handshake fails. SecureContexts are cached per leaf; a renewed leaf gets a new one.
 */
export function createSniCallback(ca: LocalCa): SniCallback {
  const contexts = new Map<string, { leaf: LeafCertificate; ctx: SecureContext }>();
  return (servername, cb) => {
    const match = labelForServername(servername);
    if (!match.ok) {
      cb(new Error(`no certificate for ${match.error}`));
      return;
    }
    ca.leafFor(match.label).then(
      (leaf) => {
        let entry = contexts.get(match.label);
        if (entry === undefined || entry.leaf !== leaf) {
          entry = { leaf, ctx: secureContextFor(leaf) };
          contexts.set(match.label, entry);
        }
        cb(null, entry.ctx);
      },
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
 * `http2.createSecureServer` (add ALPNProtocols / allowHTTP1 there as needed).
 */
export async function secureServerOptions(ca: LocalCa, defaultLabel = 'locald'): Promise<SecureServerOptions> {
  const leaf = await ca.leafFor(defaultLabel);
  return { SNICallback: createSniCallback(ca), cert: leaf.certPem, key: leaf.keyPem };
}
