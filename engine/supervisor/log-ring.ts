// Bounded in-memory log storage, one ring per service. Pure data structure.
import type { LogLine } from '../../shared/state.js';

export class LogRing {
  private readonly buffer: (LogLine | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`log ring capacity must be a positive integer, got ${capacity}`);
    this.buffer = new Array<LogLine | undefined>(capacity);
  }

  push(line: LogLine): void {
    this.buffer[this.next] = line;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  get size(): number {
    return this.count;
  }

  /** Oldest first. */
  toArray(): LogLine[] {
    const out: LogLine[] = [];
    const first = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      const line = this.buffer[(first + i) % this.capacity];
      if (line !== undefined) out.push(line);
    }
    return out;
  }
}

export interface LogQuery {
  /** Only lines with seq greater than this. */
  afterSeq?: number;
  /** The newest `limit` lines of the selection. */
  limit?: number;
}

/** Merges several rings' lines by seq (oldest first) and applies afterSeq/limit. */
export function selectLogs(rings: readonly LogRing[], query: LogQuery = {}): LogLine[] {
  const afterSeq = query.afterSeq ?? -Infinity;
  let lines = rings.flatMap((r) => r.toArray()).filter((l) => l.seq > afterSeq);
  if (rings.length > 1) lines.sort((a, b) => a.seq - b.seq);
  const limit = query.limit;
  if (limit !== undefined) {
    if (!Number.isFinite(limit) || limit <= 0) return [];
    if (lines.length > limit) lines = lines.slice(lines.length - Math.floor(limit));
  }
  return lines;
}
