// What makes a replay request unsendable, found before anything is sent, each problem
// named by the field it is in (`headers[3].value: contains CR/LF`). Pure.
import type { HeaderList, ReplayEdits } from '../../shared/traffic.js';
import { INVALID_FIELD_VALUE_CHAR } from '../../shared/http-syntax.js';
import { parseHost } from '../routing/host.js';

export interface ReplayFieldError {
  /** `method`, `url`, `headers[3].value`, `body`, … (paths inside the edits). */
  field: string;
  /** `<field>: <what is wrong>`, for people. */
  error: string;
}

export function fieldError(field: string, problem: string): ReplayFieldError {
  return { field, error: `${field}: ${problem}` };
}

export function isFieldError(value: unknown): value is ReplayFieldError {
  return typeof value === 'object' && value !== null && 'error' in value && 'field' in value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}

/** The edits as the engine API received them (untyped JSON), checked for shape. */
export function parseReplayEdits(edits: unknown): ReplayEdits | ReplayFieldError {
  if (edits === undefined) return {};
  if (typeof edits !== 'object' || edits === null || Array.isArray(edits)) return fieldError('edits', `must be an object, got ${describe(edits)}`);
  const e = edits as Record<string, unknown>;
  for (const key of ['method', 'url', 'body'] as const) {
    if (e[key] !== undefined && typeof e[key] !== 'string') return fieldError(key, `must be a string, got ${describe(e[key])}`);
  }
  if (typeof e.body === 'string' && !/^[A-Za-z0-9+/]*={0,2}$/.test(e.body.replace(/\s+/g, ''))) return fieldError('body', 'is not base64');
  if (e.headers !== undefined) {
    if (!Array.isArray(e.headers)) return fieldError('headers', `must be an array of [name, value] pairs, got ${describe(e.headers)}`);
    for (const [i, pair] of (e.headers as unknown[]).entries()) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
        return fieldError(`headers[${i}]`, 'must be a [name, value] pair of strings');
      }
    }
  }
  return e as ReplayEdits;
}

/** Why a header value cannot be sent (it would split or corrupt the request), or null. */
export function headerValueProblem(value: string): string | null {
  if (/[\r\n]/.test(value)) return 'contains CR/LF';
  const bad = INVALID_FIELD_VALUE_CHAR.exec(value)?.[0];
  if (bad === undefined) return null;
  const code = bad.codePointAt(0) ?? 0;
  const hex = code.toString(16).toUpperCase().padStart(code > 0xff ? 4 : 2, '0');
  return code > 0xff ? `contains U+${hex}, which is not allowed in a header value` : `contains the control character 0x${hex}`;
}

/** Why a request target cannot be sent as-is, or null. */
export function targetProblem(path: string): string | null {
  if (/\s/.test(path)) return 'must not contain spaces or line breaks (percent-encode them)';
  const bad = /[^\x21-\x7e]/u.exec(path)?.[0];
  return bad === undefined ? null : `contains '${bad}'; percent-encode characters outside printable ASCII`;
}

/** Where the replay's Host came from, so a problem with it names that field. */
export type HostSource = { field: string };

/**
 * Checks the request as it would be sent: exactly one Host, one locald routes to a project
 * or answers itself (never the dashboard, whose answers are not captured).
 */
export function hostProblem(headers: HeaderList, source: HostSource): ReplayFieldError | null {
  const hosts = headers.filter(([name]) => name.toLowerCase() === 'host');
  if (hosts.length > 1) return fieldError('headers', `two Host headers (an edited :authority counts as Host); keep one`);
  const value = hosts[0]?.[1];
  if (value === undefined) return fieldError(source.field, 'the request has no Host');
  const host = parseHost(value);
  if (host.kind === 'invalid') return fieldError(source.field, host.reason);
  if (host.kind === 'dashboard') return fieldError(source.field, 'targets the locald dashboard, which cannot be replayed');
  return null;
}
