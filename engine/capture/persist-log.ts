// What the records of a persisted traffic file mean (pure). Three kinds, JSON payloads:
//   { t: 'x', key, pinned, entry }  one finished exchange, `entry` a HAR 1.2 entry as export writes it
//   { t: 'pin', key, pinned }       the exchange `key` was pinned or unpinned later
//   { t: 'clear' }                  the user cleared traffic: every unpinned exchange before it goes
// Folding them in order gives the exchanges the file holds now.

export const PERSIST_FORMAT_VERSION = 1;

export type PersistRecord =
  | { v: number; t: 'x'; key: string; pinned: boolean; entry: unknown }
  | { v: number; t: 'pin'; key: string; pinned: boolean }
  | { v: number; t: 'clear' };

export interface PersistedExchange {
  key: string;
  pinned: boolean;
  /** The HAR entry. */
  entry: unknown;
  /** Bytes of its encoded 'x' record, for the size cap. */
  bytes: number;
}

export function exchangeRecord(key: string, pinned: boolean, entry: unknown): PersistRecord {
  return { v: PERSIST_FORMAT_VERSION, t: 'x', key, pinned, entry };
}

export function pinRecord(key: string, pinned: boolean): PersistRecord {
  return { v: PERSIST_FORMAT_VERSION, t: 'pin', key, pinned };
}

export function clearRecord(): PersistRecord {
  return { v: PERSIST_FORMAT_VERSION, t: 'clear' };
}

function parse(payload: Buffer): PersistRecord | null {
  try {
    const value = JSON.parse(payload.toString('utf8')) as Partial<Record<string, unknown>>;
    if (typeof value !== 'object' || value === null) return null;
    if (value.t === 'clear') return { v: Number(value.v), t: 'clear' };
    if (typeof value.key !== 'string') return null;
    const pinned = value.pinned === true;
    if (value.t === 'pin') return { v: Number(value.v), t: 'pin', key: value.key, pinned };
    if (value.t === 'x' && typeof value.entry === 'object' && value.entry !== null) return { v: Number(value.v), t: 'x', key: value.key, pinned, entry: value.entry };
  } catch {
    // A record with a good checksum but not ours (a newer format?) is skipped, not fatal.
  }
  return null;
}

/** The exchanges the records leave, oldest first. Records that cannot be read are skipped. */
export function foldRecords(payloads: readonly Buffer[], overheadBytes = 8): PersistedExchange[] {
  const byKey = new Map<string, PersistedExchange>();
  for (const payload of payloads) {
    const record = parse(payload);
    if (record === null) continue;
    if (record.t === 'clear') {
      for (const [key, x] of byKey) if (!x.pinned) byKey.delete(key);
    } else if (record.t === 'pin') {
      const x = byKey.get(record.key);
      if (x !== undefined) x.pinned = record.pinned;
    } else {
      // A later copy (pinned after it was written) replaces the earlier one where it stood.
      const x = byKey.get(record.key);
      const next = { key: record.key, pinned: record.pinned, entry: record.entry, bytes: payload.length + overheadBytes };
      if (x === undefined) byKey.set(record.key, next);
      else Object.assign(x, next);
    }
  }
  return [...byKey.values()];
}

/**
 * What a compaction keeps: every pinned exchange, and the newest unpinned ones while the
 * total stays within `budget` bytes (the oldest go first). File order is kept.
 */
export function newestWithin(exchanges: readonly PersistedExchange[], budget: number): PersistedExchange[] {
  let used = 0;
  for (const x of exchanges) if (x.pinned) used += x.bytes;
  const keep = new Set<PersistedExchange>();
  for (let i = exchanges.length - 1; i >= 0; i--) {
    const x = exchanges[i] as PersistedExchange;
    if (x.pinned) keep.add(x);
    else if (used + x.bytes <= budget) {
      used += x.bytes;
      keep.add(x);
    } else break;
  }
  // Pinned ones older than where the budget ran out are kept too.
  return exchanges.filter((x) => x.pinned || keep.has(x));
}
