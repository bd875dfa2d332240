// Header lists for capture. The proxy hands us whatever it has (Node's flat `rawHeaders`,
// or pairs); we keep a copy and normalise it only when someone reads it.
import type { HeaderList } from '../../shared/traffic.js';

/** Flat `[name, value, name, value, …]` as in `IncomingMessage.rawHeaders`, or name/value pairs. */
export type HeaderInput = HeaderList | readonly string[];

const EMPTY: readonly string[] = Object.freeze([]);

/**
 * What the recorder keeps of a header array: the array itself (no copy: every retained object
 * costs the garbage collector, and Node never mutates `rawHeaders`), or an empty list for
 * anything that is not an array. Callers must not mutate an array after handing it over.
 */
export function keepHeaderInput(input: unknown): HeaderInput {
  return Array.isArray(input) ? (input as HeaderInput) : EMPTY;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return String(value);
}

/** Normalises flat raw headers or pairs (tolerating garbage) into a HeaderList. */
export function toHeaderList(input: unknown): HeaderList {
  if (!Array.isArray(input)) return [];
  const out: HeaderList = [];
  if (input.length > 0 && Array.isArray(input[0])) {
    for (const pair of input) {
      if (!Array.isArray(pair) || pair.length < 1) continue;
      out.push([text(pair[0]), text(pair[1])]);
    }
    return out;
  }
  for (let i = 0; i + 1 < input.length; i += 2) out.push([text(input[i]), text(input[i + 1])]);
  return out;
}

/** The first value of `name` (case-insensitive) in flat or paired input, or null. */
export function headerValue(input: HeaderInput, name: string): string | null {
  const lower = name.toLowerCase();
  if (input.length === 0) return null;
  if (Array.isArray(input[0])) {
    for (const pair of input as HeaderList) {
      if (typeof pair[0] === 'string' && pair[0].toLowerCase() === lower) return text(pair[1]);
    }
    return null;
  }
  const flat = input as readonly string[];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const n = flat[i];
    if (typeof n === 'string' && n.length === lower.length && n.toLowerCase() === lower) return text(flat[i + 1]);
  }
  return null;
}

/** Every value of `name` (case-insensitive) in a HeaderList. */
export function headerValues(list: HeaderList, name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (const [n, v] of list) if (n.toLowerCase() === lower) out.push(v);
  return out;
}

/** `text/html; charset=utf-8` → `text/html`. */
export function mediaType(contentType: string | null): string | null {
  if (contentType === null) return null;
  const semi = contentType.indexOf(';');
  const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return type === '' ? null : type;
}

/** Content-Encoding tokens in the order they were applied (`gzip, br` → ['gzip', 'br']), identity removed. */
export function contentCodings(list: HeaderList): string[] {
  const out: string[] = [];
  for (const v of headerValues(list, 'content-encoding')) {
    for (const t of v.split(',')) {
      const token = t.trim().toLowerCase();
      if (token !== '' && token !== 'identity') out.push(token);
    }
  }
  return out;
}

// Finished exchanges keep their header lists as one string: a retained array of ~30 fresh
// strings is ~60 objects for the garbage collector to copy and mark, over and over, for as
// long as the ring keeps the exchange; one flat string is a single leaf object. Header names
// and values never contain a line feed (HTTP/1.1 and HTTP/2 parsers reject it), so it
// separates them; a list that holds one anyway is left unpacked.
const SEP = '\n';

/**
 * Packs header lists into one string, or null when one holds a line feed. A list that is the
 * same array as an earlier one is stored as a reference to it.
 * Layout: `<count or =index>,<…>` then every name and value, all separated by line feeds.
 */
export function packHeaderLists(lists: readonly HeaderInput[]): string | null {
  const counts: string[] = [];
  // items[0] is the counts, filled in at the end (unshift would move every item).
  const items: string[] = [''];
  for (let l = 0; l < lists.length; l++) {
    const list = lists[l] as HeaderInput;
    const same = lists.indexOf(list);
    if (same < l && list.length > 0) {
      counts.push(`=${same}`);
      continue;
    }
    const before = items.length;
    if (list.length > 0 && Array.isArray(list[0])) {
      for (const pair of list as HeaderList) {
        if (!Array.isArray(pair) || pair.length < 1) continue;
        items.push(text(pair[0]), text(pair[1]));
      }
    } else {
      const flat = list as readonly string[];
      const even = flat.length - (flat.length % 2);
      for (let i = 0; i < even; i++) {
        const s = flat[i];
        items.push(typeof s === 'string' ? s : text(s));
      }
    }
    for (let i = before; i < items.length; i++) if ((items[i] as string).includes(SEP)) return null;
    counts.push(String(items.length - before));
  }
  items[0] = counts.join(',');
  return items.join(SEP);
}

/** The flat lists packHeaderLists() was given (pairs come back flat). */
export function unpackHeaderLists(packed: string): string[][] {
  const parts = packed.split(SEP);
  const counts = (parts[0] ?? '').split(',');
  const out: string[][] = [];
  let at = 1;
  for (const c of counts) {
    if (c.startsWith('=')) {
      out.push(out[Number(c.slice(1))] ?? []);
      continue;
    }
    const n = Number(c);
    out.push(n > 0 ? parts.slice(at, at + n) : []);
    at += n > 0 ? n : 0;
  }
  return out;
}
