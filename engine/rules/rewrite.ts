// The rewrite actions on plain values: header lists, the URL, bounded text bodies. Pure.
import type { Replacement } from '../../shared/rules.js';
import type { HeaderList } from '../../shared/traffic.js';
import type { HeaderEdits } from './evaluate.js';

/** Bodies larger than this pass unchanged: replacing needs the whole body in memory. */
export const MAX_REPLACE_BODY_BYTES = 1024 * 1024;

/** remove, then set (replacing every same-named header), then add; names compare case-insensitively. */
export function applyHeaderEdits(headers: HeaderList, edits: HeaderEdits): HeaderList {
  const drop = new Set([...edits.remove, ...Object.keys(edits.set)].map((n) => n.toLowerCase()));
  const out: HeaderList = headers.filter(([name]) => !drop.has(name.toLowerCase()));
  for (const [name, value] of Object.entries(edits.set)) out.push([name, value]);
  for (const [name, value] of edits.add) out.push([name, value]);
  return out;
}

export function hasHeaderEdits(edits: HeaderEdits): boolean {
  return edits.remove.length > 0 || edits.add.length > 0 || Object.keys(edits.set).length > 0;
}

export function replaceText(text: string, replacements: readonly Replacement[]): string {
  let out = text;
  for (const r of replacements) out = r.regex === true ? out.replace(new RegExp(r.find, 'g'), r.replace) : out.split(r.find).join(r.replace);
  return out;
}

const TEXT_TYPE = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql)|[^;]*\+(json|xml))/i;

/** Whether a body of this type (and encoding) can be rewritten as text. */
export function isRewritableText(contentType: string | null, contentEncoding: string | null): boolean {
  if (contentEncoding !== null && contentEncoding !== '' && contentEncoding.toLowerCase() !== 'identity') return false;
  return contentType === null || TEXT_TYPE.test(contentType.trim());
}

export type BodyRewrite = { changed: true; body: Buffer } | { changed: false; reason: 'unchanged' | 'too-large' | 'not-text' };

/** Replaces in a whole text body; the caller fixes Content-Length. Bodies over `maxBytes` or not text pass unchanged. */
export function rewriteBody(body: Buffer, contentType: string | null, contentEncoding: string | null, replacements: readonly Replacement[], maxBytes = MAX_REPLACE_BODY_BYTES): BodyRewrite {
  if (body.length > maxBytes) return { changed: false, reason: 'too-large' };
  if (!isRewritableText(contentType, contentEncoding)) return { changed: false, reason: 'not-text' };
  const text = body.toString('utf8');
  const next = replaceText(text, replacements);
  return next === text ? { changed: false, reason: 'unchanged' } : { changed: true, body: Buffer.from(next, 'utf8') };
}
