// Project and service names become host names (`<service>.<project>.localhost`), so both must be DNS labels.

/** Names that would collide with locald's own host (`locald.localhost`) or mean nothing as a subdomain. */
export const RESERVED_PROJECT_NAMES: readonly string[] = ['locald', 'localhost', 'www'];

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A lowercase RFC 1123 label: 1–63 of `a-z 0-9 -`, not starting or ending with `-`. */
export function isDnsLabel(name: string): boolean {
  return LABEL.test(name);
}

/** The nearest valid label (lowercased, other characters become `-`), or '' when nothing usable is left. */
export function sanitizeDnsLabel(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
}

export const DNS_LABEL_RULE = 'a DNS label: 1–63 lowercase letters, digits or "-", not starting or ending with "-"';
