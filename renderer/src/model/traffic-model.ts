// Captured exchanges and the filtered, sorted view of them, as plain mutable data.
// The store keeps one TrafficModel and a version number; batches change the model in
// place, so ingesting never copies the 100k-entry arrays. The view stays sorted
// ascending by the sort column (ties by id); descending order is read backwards, so
// live-tail appends stay cheap pushes.
import type { ExchangeSummary } from '../../../shared/traffic.js';
import { matchAll, type ExchangePredicate } from '../../../shared/filter/match.js';
import { comparatorFor, DEFAULT_SORT, type SortSpec } from './columns.js';

export interface KnownValueSets {
  methods: Set<string>;
  statuses: Set<number>;
  services: Set<string>;
  projects: Set<string>;
  hosts: Set<string>;
}

const KNOWN_CAP = 200;

export class TrafficModel {
  /** Arrival order; may contain holes (undefined) until the next compaction. */
  private items: (ExchangeSummary | undefined)[] = [];
  private readonly index = new Map<number, number>();
  private live = 0;
  /** Slots emptied by remove() since the last compaction. */
  private holes = 0;
  /** Ids in the view, ascending by the sort comparator. */
  private view: number[] = [];
  private predicate: ExchangePredicate = matchAll;
  private sort: SortSpec = DEFAULT_SORT;
  private compare = comparatorFor(DEFAULT_SORT.column);
  private readonly replays = new Map<number, number[]>();
  readonly known: KnownValueSets = { methods: new Set(), statuses: new Set(), services: new Set(), projects: new Set(), hosts: new Set() };

  constructor(readonly capacity = 100_000) {}

  get size(): number {
    return this.live;
  }

  get viewSize(): number {
    return this.view.length;
  }

  get sortSpec(): SortSpec {
    return this.sort;
  }

  get(id: number): ExchangeSummary | undefined {
    const i = this.index.get(id);
    return i === undefined ? undefined : this.items[i];
  }

  /** Row `row` of the view, honouring the sort direction. */
  rowAt(row: number): ExchangeSummary | undefined {
    if (row < 0 || row >= this.view.length) return undefined;
    const id = this.sort.direction === 'asc' ? this.view[row] : this.view[this.view.length - 1 - row];
    return id === undefined ? undefined : this.get(id);
  }

  /** Position of an exchange in the view, or -1. */
  rowOf(id: number): number {
    const e = this.get(id);
    if (e === undefined || !this.predicate(e)) return -1;
    const at = this.find(e);
    if (at === -1) return -1;
    return this.sort.direction === 'asc' ? at : this.view.length - 1 - at;
  }

  replaysOf(id: number): readonly number[] {
    return this.replays.get(id) ?? [];
  }

  /** Adds new exchanges and replaces updated ones. Returns how many were new. */
  apply(batch: readonly ExchangeSummary[]): number {
    let added = 0;
    for (const next of batch) {
      const at = this.index.get(next.id);
      const prev = at === undefined ? undefined : this.items[at];
      if (prev !== undefined && at !== undefined) {
        const wasIn = this.predicate(prev);
        const isIn = this.predicate(next);
        if (wasIn && isIn && this.compare(prev, next) === 0) {
          this.items[at] = next;
        } else {
          if (wasIn) this.removeFromView(prev);
          this.items[at] = next;
          if (isIn) this.insertIntoView(next);
        }
      } else {
        this.index.set(next.id, this.items.length);
        this.items.push(next);
        this.live++;
        added++;
        if (this.predicate(next)) this.insertIntoView(next);
        if (next.replayOf !== null) {
          const list = this.replays.get(next.replayOf) ?? [];
          list.push(next.id);
          this.replays.set(next.replayOf, list);
        }
      }
      this.remember(next);
    }
    if (this.live > this.capacity) this.evict();
    return added;
  }

  /**
   * Removes exchanges (those capture evicted); unknown ids are ignored. Returns how many went.
   * One pass over the view however many go; the arrival list is compacted once its holes
   * outnumber the exchanges, so a steady stream of evictions costs O(1) amortised each.
   */
  remove(ids: Iterable<number>): number {
    const gone = new Set<number>();
    for (const id of ids) {
      const at = this.index.get(id);
      const e = at === undefined ? undefined : this.items[at];
      if (at === undefined || e === undefined) continue;
      this.items[at] = undefined;
      this.index.delete(id);
      this.live--;
      this.holes++;
      gone.add(id);
      this.forgetReplays(e);
    }
    if (gone.size === 0) return 0;
    this.view = this.view.filter((id) => !gone.has(id));
    if (this.holes > 1024 && this.holes > this.live) this.compact();
    return gone.size;
  }

  setFilter(predicate: ExchangePredicate): void {
    this.predicate = predicate;
    this.rebuildView();
  }

  setSort(sort: SortSpec): void {
    const columnChanged = sort.column !== this.sort.column;
    this.sort = sort;
    if (columnChanged) {
      this.compare = comparatorFor(sort.column);
      this.rebuildView();
    }
  }

  clear(): void {
    this.items = [];
    this.index.clear();
    this.view = [];
    this.replays.clear();
    this.live = 0;
    this.holes = 0;
  }

  /** All exchanges in arrival order (for export of an imported session). */
  all(): ExchangeSummary[] {
    return this.items.filter((e): e is ExchangeSummary => e !== undefined);
  }

  private remember(e: ExchangeSummary): void {
    const k = this.known;
    addCapped(k.methods, e.method);
    if (e.status !== null) addCapped(k.statuses, e.status);
    if (e.service !== null) addCapped(k.services, e.service);
    if (e.project !== null) addCapped(k.projects, e.project);
    addCapped(k.hosts, e.host);
  }

  private insertIntoView(e: ExchangeSummary): void {
    const last = this.view[this.view.length - 1];
    const lastItem = last === undefined ? undefined : this.get(last);
    if (lastItem === undefined || this.compare(lastItem, e) < 0) {
      this.view.push(e.id);
      return;
    }
    this.view.splice(this.lowerBound(e), 0, e.id);
  }

  private removeFromView(e: ExchangeSummary): void {
    const at = this.find(e);
    if (at !== -1) this.view.splice(at, 1);
  }

  private find(e: ExchangeSummary): number {
    const at = this.lowerBound(e);
    return this.view[at] === e.id ? at : this.view.indexOf(e.id);
  }

  private lowerBound(e: ExchangeSummary): number {
    let lo = 0;
    let hi = this.view.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.get(this.view[mid] as number);
      if (other !== undefined && this.compare(other, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private rebuildView(): void {
    const ids: ExchangeSummary[] = [];
    for (const e of this.items) if (e !== undefined && this.predicate(e)) ids.push(e);
    ids.sort(this.compare);
    this.view = ids.map((e) => e.id);
  }

  /** Drops the oldest unpinned exchanges down to 90% of capacity, in one pass. */
  private evict(): void {
    let excess = this.live - Math.floor(this.capacity * 0.9);
    const removed = new Set<number>();
    for (let i = 0; i < this.items.length && excess > 0; i++) {
      const e = this.items[i];
      if (e === undefined || e.pinned) continue;
      removed.add(e.id);
      this.items[i] = undefined;
      excess--;
    }
    this.compact();
    this.live = this.items.length;
    this.view = this.view.filter((id) => !removed.has(id));
    for (const id of removed) this.replays.delete(id);
  }

  /** Drops the holes from the arrival list and re-indexes it. */
  private compact(): void {
    this.items = this.items.filter((e) => e !== undefined);
    this.index.clear();
    this.items.forEach((e, i) => this.index.set((e as ExchangeSummary).id, i));
    this.holes = 0;
  }

  /** An exchange that went is no longer a replay to link to, nor an original with replays. */
  private forgetReplays(e: ExchangeSummary): void {
    this.replays.delete(e.id);
    if (e.replayOf === null) return;
    const list = this.replays.get(e.replayOf);
    if (list === undefined) return;
    const rest = list.filter((id) => id !== e.id);
    if (rest.length > 0) this.replays.set(e.replayOf, rest);
    else this.replays.delete(e.replayOf);
  }
}

function addCapped<T>(set: Set<T>, value: T): void {
  if (set.size < KNOWN_CAP || set.has(value)) set.add(value);
}
