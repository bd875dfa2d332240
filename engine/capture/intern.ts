// Strings that many exchanges repeat (hosts, addresses, content types, common paths), kept
// once. Each exchange the ring keeps otherwise holds its own copies: more objects for the
// garbage collector to copy and mark for as long as the exchange is kept.
const MAX_ENTRIES = 4096;
const MAX_LENGTH = 256;
const table = new Map<string, string>();

/** The one kept copy of `s` (long strings are returned as they are). */
export function intern(s: string): string {
  if (s.length > MAX_LENGTH) return s;
  const known = table.get(s);
  if (known !== undefined) return known;
  // Forgetting everything at once is cheaper than keeping an LRU order on the data path.
  if (table.size >= MAX_ENTRIES) table.clear();
  table.set(s, s);
  return s;
}

/** `intern` for optional text. */
export function internOrNull(s: string | null): string | null {
  return s === null ? null : intern(s);
}
