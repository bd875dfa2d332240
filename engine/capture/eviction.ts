// Which exchanges make room when capture reaches its limits: the oldest unpinned go first,
// pinned ones are never evicted and never lose their bodies.
//
// A queue in arrival order rather than scans of a Map: a Map iterated from its start after
// many deletions at the front walks over every deleted slot (until V8 rehashes it), which
// made each eviction O(n) and a full ring quadratic. Here dead entries are skipped once and
// pinned ones are kept at the front, so each call costs O(pinned + removed).

export interface Evictable {
  readonly id: number;
  readonly pinned: boolean;
  /** Captured body and message bytes it currently holds. */
  readonly heldBytes: number;
}

type Verdict = 'take' | 'keep' | 'skip' | 'stop';

function heldBytesOf(item: Evictable): number {
  return item.heldBytes;
}

export class EvictionQueue<T extends Evictable> {
  private items: T[] = [];
  private head = 0;

  /** Entries still queued (dead ones not yet passed over included). */
  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /**
   * Removes and returns up to `count` of the oldest unpinned items. `isDead` items (already
   * removed elsewhere) are discarded on the way; `keep` is never taken.
   */
  takeOldestUnpinned(count: number, isDead: (item: T) => boolean, keep?: T): T[] {
    let left = count;
    return this.scan((item) => {
      if (isDead(item)) return 'skip';
      if (left <= 0) return 'stop';
      if (item.pinned || item === keep) return 'keep';
      left--;
      return 'take';
    });
  }

  /**
   * Removes and returns the oldest unpinned items until their bytes (`sizeOf`, held bytes by
   * default) reach `bytes`. `isDead` items (gone, or holding nothing any more) are discarded on
   * the way; `keep` is never taken.
   */
  takeForBytes(bytes: number, isDead: (item: T) => boolean, keep?: T, sizeOf: (item: T) => number = heldBytesOf): T[] {
    let left = bytes;
    return this.scan((item) => {
      if (isDead(item)) return 'skip';
      if (left <= 0) return 'stop';
      if (item.pinned || item === keep) return 'keep';
      left -= sizeOf(item);
      return 'take';
    });
  }

  private scan(verdict: (item: T) => Verdict): T[] {
    const taken: T[] = [];
    const kept: T[] = [];
    let i = this.head;
    for (; i < this.items.length; i++) {
      const item = this.items[i] as T;
      const v = verdict(item);
      if (v === 'stop') break;
      if (v === 'take') taken.push(item);
      else if (v === 'keep') kept.push(item);
    }
    // The kept (pinned) items stay at the front, in order, just before where the scan stopped.
    const from = this.head;
    this.head = i - kept.length;
    for (let k = 0; k < kept.length; k++) this.items[this.head + k] = kept[k] as T;
    // Let go of what was passed over (the slots would keep the items alive until compaction).
    if (this.head > from) this.items.fill(undefined as unknown as T, from, this.head);
    this.compact();
    return taken;
  }

  /** Passes over the dead entries at the front: O(1) amortised, as each is passed over once. */
  dropDeadFront(isDead: (item: T) => boolean): void {
    let i = this.head;
    while (i < this.items.length && isDead(this.items[i] as T)) i++;
    if (i === this.head) return;
    // Let go of what was passed over (the slots would keep the items alive until compaction).
    this.items.fill(undefined as unknown as T, this.head, i);
    this.head = i;
    this.compact();
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** Drops every dead entry (after bulk removals such as clear()). */
  prune(isDead: (item: T) => boolean): void {
    this.items = this.items.slice(this.head).filter((item) => !isDead(item));
    this.head = 0;
  }
}
