// What the records of a persisted traffic file mean (pure). A record's payload is one line of
// JSON saying what it is, and for an exchange a newline and its HAR 1.2 entry (as export writes
// it) as JSON. Keeping the entry after the line lets a reader fold the file (and compaction
// rewrite it) without parsing any entry. Three kinds:
//   {"v":1,"t":"x","key":…,"pinned":…}\n<entry>   one finished exchange
//   {"v":1,"t":"pin","key":…,"pinned":…}          the exchange `key` was pinned or unpinned later
//   {"v":1,"t":"clear"}                           the user cleared traffic: every unpinned exchange before it goes
// Folding them in order gives the exchanges the file holds now.

export const PERSIST_FORMAT_VERSION = 1;
const NEWLINE = 0x0a;

export interface PersistedExchange {
  key: string;
  pinned: boolean;
  /** The HAR entry as JSON, parsed only when it is read back. */
  entry: Buffer;
  /** Bytes of its encoded record, for the size cap. */
  bytes: number;
}

type Meta = { t: 'x' | 'pin'; key: string; pinned: boolean } | { t: 'clear' };

function line(meta: object, entry?: Buffer): Buffer {
  const head = Buffer.from(JSON.stringify({ v: PERSIST_FORMAT_VERSION, ...meta }), 'utf8');
  return entry === undefined ? head : Buffer.concat([head, Buffer.from([NEWLINE]), entry]);
}

export function exchangePayload(key: string, pinned: boolean, entry: unknown): Buffer {
  return line({ t: 'x', key, pinned }, Buffer.from(JSON.stringify(entry), 'utf8'));
}

function rawExchangePayload(x: PersistedExchange): Buffer {
  return line({ t: 'x', key: x.key, pinned: x.pinned }, x.entry);
}

export function pinPayload(key: string, pinned: boolean): Buffer {
  return line({ t: 'pin', key, pinned });
}

export function clearPayload(): Buffer {
  return line({ t: 'clear' });
}

function readMeta(payload: Buffer, end: number): Meta | null {
  try {
    const value = JSON.parse(payload.toString('utf8', 0, end)) as Partial<Record<string, unknown>>;
    if (typeof value !== 'object' || value === null) return null;
    if (value.t === 'clear') return { t: 'clear' };
    if ((value.t === 'x' || value.t === 'pin') && typeof value.key === 'string') return { t: value.t, key: value.key, pinned: value.pinned === true };
  } catch {
    // A record with a good checksum but not ours (a newer format?) is skipped, not fatal.
  }
  return null;
}

/** The exchanges the records leave, oldest first. Records that cannot be read are skipped. */
export function foldRecords(payloads: readonly Buffer[], overheadBytes = 8): PersistedExchange[] {
  const byKey = new Map<string, PersistedExchange>();
  for (const payload of payloads) {
    const newline = payload.indexOf(NEWLINE);
    const meta = readMeta(payload, newline === -1 ? payload.length : newline);
    if (meta === null) continue;
    if (meta.t === 'clear') {
      for (const [key, x] of byKey) if (!x.pinned) byKey.delete(key);
    } else if (meta.t === 'pin') {
      const x = byKey.get(meta.key);
      if (x !== undefined) x.pinned = meta.pinned;
    } else if (newline !== -1) {
      // A later copy (pinned after it was written) replaces the earlier one where it stood.
      const next = { key: meta.key, pinned: meta.pinned, entry: payload.subarray(newline + 1), bytes: payload.length + overheadBytes };
      const x = byKey.get(meta.key);
      if (x === undefined) byKey.set(meta.key, next);
      else Object.assign(x, next);
    }
  }
  return [...byKey.values()];
}

/** The payloads that hold exactly these exchanges (what compaction writes). */
export function compactedPayloads(exchanges: readonly PersistedExchange[]): Buffer[] {
  return exchanges.map(rawExchangePayload);
}

/** The HAR entry of a read-back exchange, or null when it is not JSON. */
export function parseEntry(x: PersistedExchange): unknown {
  try {
    return JSON.parse(x.entry.toString('utf8')) as unknown;
  } catch {
    return null;
  }
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
    if (x.pinned) continue;
    if (used + x.bytes > budget) break;
    used += x.bytes;
    keep.add(x);
  }
  // Pinned ones older than where the budget ran out are kept too.
  return exchanges.filter((x) => x.pinned || keep.has(x));
}
