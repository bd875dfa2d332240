// Which exchanges make room when capture reaches its limits. Oldest unpinned go first;
// pinned exchanges are never evicted and never lose their bodies. The inputs are iterated
// oldest first and lazily, so callers can pass a live Map's values without copying.

export interface Evictable {
  readonly id: number;
  readonly pinned: boolean;
  /** Captured body and message bytes it currently holds. */
  readonly heldBytes: number;
}

/**
 * Ids to remove so that at most `max` exchanges remain. Fewer are removed when too many are
 * pinned; `keep` (the exchange just added) is never a victim, so capture goes on regardless.
 */
export function ringVictims(oldestFirst: Iterable<Evictable>, count: number, max: number, keep?: number): number[] {
  let excess = count - Math.max(0, max);
  const out: number[] = [];
  if (excess <= 0) return out;
  for (const e of oldestFirst) {
    if (excess <= 0) break;
    if (e.pinned || e.id === keep) continue;
    out.push(e.id);
    excess--;
  }
  return out;
}

/** Ids whose captured bytes to drop, oldest unpinned first, until `total` is within `max`. */
export function dropVictims(oldestFirst: Iterable<Evictable>, total: number, max: number): number[] {
  let over = total - max;
  const out: number[] = [];
  if (over <= 0) return out;
  for (const e of oldestFirst) {
    if (over <= 0) break;
    if (e.pinned || e.heldBytes <= 0) continue;
    out.push(e.id);
    over -= e.heldBytes;
  }
  return out;
}
