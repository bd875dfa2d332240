// Paused exchanges: countdowns, and the edits the Continue button sends.
import type { BreakpointRequestEdits, BreakpointResponseEdits, PausedExchange } from '../../../shared/rules.js';
import type { HeaderList } from '../../../shared/traffic.js';
import { utf8ToBase64 } from '../body/bytes.js';
import { sameHeaders } from '../export/headers-text.js';
/** "4m 12s", "9s", or "now" once the moment has passed. */
export function remainingText(at: number, now: number): string {
  const s = Math.ceil((at - now) / 1000);
  if (s <= 0) return 'now';
  const m = Math.floor(s / 60);
  return m === 0 ? `${s}s` : `${m}m ${String(s % 60).padStart(2, '0')}s`;
}

/** What the form holds: the request's method and URL, the response's status, and the phase's headers and body text. */
export interface PausedForm {
  method: string;
  url: string;
  status: string;
  headers: HeaderList;
  /** null: left as it was (an unheld or binary body stays untouched). */
  body: string | null;
}

/** Only what the user changed, so an untouched exchange continues exactly as it came. */
export function pausedEdits(paused: PausedExchange, form: PausedForm): { request: BreakpointRequestEdits } | { response: BreakpointResponseEdits } {
  const original = paused.phase === 'request' ? paused.request.headers : (paused.response?.headers ?? []);
  const headers = sameHeaders(form.headers, original) ? {} : { headers: form.headers };
  const body = form.body === null ? {} : { body: utf8ToBase64(form.body) };
  if (paused.phase === 'request') {
    const method = form.method.trim().toUpperCase();
    return {
      request: {
        ...(method !== paused.request.method ? { method } : {}),
        ...(form.url.trim() !== paused.request.url ? { url: form.url.trim() } : {}),
        ...headers,
        ...body,
      },
    };
  }
  const status = Number(form.status.trim());
  return { response: { ...(status !== paused.response?.status ? { status } : {}), ...headers, ...body } };
}
