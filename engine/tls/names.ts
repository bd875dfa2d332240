// Which certificate serves which TLS server name. Pure functions.

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const SUFFIX = '.localhost';

/** A project name usable as a certificate name: one lowercase DNS label (RFC 1123), 1–63 chars. */
export function isDnsLabel(name: string): boolean {
  return LABEL.test(name);
}

/** Why `name` cannot name a leaf certificate, or null when it can. */
export function labelProblem(name: string): string | null {
  if (name.length === 0) return 'a project name must not be empty';
  if (name.length > 63) return `project name '${name}' is longer than 63 characters, the limit for a DNS label`;
  if (name !== name.toLowerCase()) return `project name '${name}' must be lowercase`;
  if (!isDnsLabel(name)) {
    return `project name '${name}' is not a DNS label: use letters a-z, digits and '-', not starting or ending with '-'`;
  }
  return null;
}

/**
 * The names a project's leaf certificate covers: the project domain and one level of
 * subdomains (`<service>.<project>.localhost`). Never `*.localhost`: a wildcard directly
 * under a special-use TLD would be one certificate for every project.
 */
export function leafDnsNames(label: string): [string, string] {
  return [`${label}${SUFFIX}`, `*.${label}${SUFFIX}`];
}

export type ServernameMatch = { ok: true; label: string } | { ok: false; error: string };

/**
 * The leaf that serves a TLS server name: `shop.localhost` and `api.shop.localhost` both
 * get the `shop` leaf. Anything outside `.localhost` gets no certificate at all, so a
 * misdirected request fails the handshake instead of receiving a certificate for a name
 * we were never meant to serve.
 */
export function labelForServername(servername: string): ServernameMatch {
  // SNI carries no trailing dot by spec, but be lenient with clients that send one.
  const name = servername.toLowerCase().replace(/\.$/, '');
  if (!name.endsWith(SUFFIX)) return { ok: false, error: `'${servername}' is not a .localhost name` };
  const labels = name.slice(0, -SUFFIX.length).split('.');
  const label = labels[labels.length - 1] ?? '';
  if (labels.some((l) => !isDnsLabel(l))) {
    return { ok: false, error: `'${servername}' is not a valid host name under .localhost` };
  }
  return { ok: true, label };
}
