// Copy a captured request as a cURL command or a fetch() call. Pure, so the quoting is tested.
import type { HeaderList } from '../../../shared/traffic.js';
import { bytesToBase64, decodeText } from '../body/bytes.js';

export interface CopyableRequest {
  method: string;
  /** Absolute URL. */
  url: string;
  headers: HeaderList;
  /** Null when there is no body. */
  body: Uint8Array | null;
}

/** Headers a client computes itself; copying them would conflict or lie. */
const SKIP_ALWAYS = new Set(['content-length', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te']);
/** Browsers refuse to set these from fetch(). */
const FETCH_FORBIDDEN = new Set([...SKIP_ALWAYS, 'host', 'accept-encoding', 'cookie2', 'date', 'expect', 'origin', 'referer', 'trailer', 'via']);

/** POSIX shell single-quoting: everything literal, ' written as '\''. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function toCurl(request: CopyableRequest): string {
  const host = new URL(request.url).host;
  const parts: string[] = ['curl'];
  const text = request.body === null ? null : decodeText(request.body);
  const hasBody = request.body !== null && request.body.length > 0;
  if (!(request.method === 'GET' && !hasBody) && !(request.method === 'POST' && hasBody)) parts.push('-X', shellQuote(request.method));
  parts.push(shellQuote(request.url));
  for (const [name, value] of request.headers) {
    const lower = name.toLowerCase();
    if (name.startsWith(':') || SKIP_ALWAYS.has(lower)) continue;
    // curl sets Host from the URL; keep it only when it differs.
    if (lower === 'host' && value.toLowerCase() === host.toLowerCase()) continue;
    parts.push('-H', shellQuote(`${name}: ${value}`));
  }
  if (!hasBody || request.body === null) return parts.join(' ');
  if (text !== null) {
    parts.push('--data-raw', shellQuote(text));
    return parts.join(' ');
  }
  // Binary bodies cannot ride in an argument (NUL bytes); pipe them in on stdin.
  parts.push('--data-binary', '@-');
  return `# binary body (${request.body.length} bytes), decoded from base64 and sent on stdin\nprintf %s ${shellQuote(bytesToBase64(request.body))} | base64 -d | ${parts.join(' ')}`;
}

export function toFetch(request: CopyableRequest): string {
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers) {
    const lower = name.toLowerCase();
    if (name.startsWith(':') || FETCH_FORBIDDEN.has(lower) || lower.startsWith('sec-') || lower.startsWith('proxy-')) continue;
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  const lines = [`await fetch(${JSON.stringify(request.url)}, {`, `  method: ${JSON.stringify(request.method)},`];
  if (Object.keys(headers).length > 0) {
    lines.push('  headers: {');
    for (const [name, value] of Object.entries(headers)) lines.push(`    ${JSON.stringify(name)}: ${JSON.stringify(value)},`);
    lines.push('  },');
  }
  if (request.body !== null && request.body.length > 0) {
    const text = decodeText(request.body);
    lines.push(
      text !== null
        ? `  body: ${JSON.stringify(text)},`
        : `  body: Uint8Array.from(atob(${JSON.stringify(bytesToBase64(request.body))}), (c) => c.charCodeAt(0)),`,
    );
  }
  lines.push('});');
  return lines.join('\n');
}
