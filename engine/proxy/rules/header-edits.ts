// The request head a hook edits is a flat list (HTTP/1.1 service) or an http2 object (h2c
// service); the rules edit header lists. These convert both ways, in place.
import type { HeaderList } from '../../../shared/traffic.js';
import type { HookRequest } from '../lifecycle/hooks.js';
import { headerValue, toHeaderList as headerPairs } from '../../capture/headers.js';

export { headerPairs, headerValue };

export function headersAreH2(request: HookRequest): boolean {
  return !Array.isArray(request.headers);
}

/** The request head about to be sent, as a flat list (pseudo-headers included for h2c). */
export function flatten(request: HookRequest): string[] {
  const headers = request.headers;
  if (Array.isArray(headers)) return headers;
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push(name, String(v));
  }
  return out;
}

/** Rewrites the request head through `edit`, in place (the lifecycle holds the same list or object). */
export function withHeaderList(request: HookRequest, edit: (list: HeaderList) => HeaderList): void {
  const headers = request.headers;
  const next = edit(headerPairs(flatten(request)));
  if (Array.isArray(headers)) {
    headers.length = 0;
    for (const [name, value] of next) headers.push(name, value);
    return;
  }
  for (const key of Object.keys(headers)) delete headers[key];
  for (const [name, value] of next) {
    const key = name.toLowerCase();
    const had = headers[key];
    headers[key] = had === undefined ? value : Array.isArray(had) ? [...(had as string[]), value] : [String(had), value];
  }
}
