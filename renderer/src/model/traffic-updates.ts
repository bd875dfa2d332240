// Live traffic reaches the inspector as two engine events: traffic.batch (new and changed
// exchanges) and traffic.evicted (exchanges capture removed to stay within its limits).
// They are queued together and applied in arrival order: an eviction applied ahead of the
// batch that listed the exchange would let that batch add the row back for good.
import type { ExchangeSummary } from '../../../shared/traffic.js';
import type { TrafficModel } from './traffic-model.js';

export type TrafficUpdate = { changed: readonly ExchangeSummary[] } | { evicted: readonly number[] };

/** Applies updates in order; returns the ids of the exchanges that left the model. */
export function applyTrafficUpdates(model: TrafficModel, updates: readonly TrafficUpdate[]): Set<number> {
  const removed = new Set<number>();
  for (const update of updates) {
    if ('changed' in update) {
      model.apply(update.changed);
      continue;
    }
    const present = update.evicted.filter((id) => model.get(id) !== undefined);
    model.remove(present);
    for (const id of present) removed.add(id);
  }
  return removed;
}

export interface Selection {
  selectedId: number | null;
  detailOpen: boolean;
  editorFor: number | null;
  /** The selected exchange that capture evicted while its details were open: the pane says so. */
  droppedId: number | null;
}

/**
 * The selection once `removed` left the list, or null when it is untouched. A selected row
 * without open details just stops being selected; open details stay open (the editor closes)
 * to say why they emptied, rather than vanishing under the user.
 */
export function selectionAfterEviction(selection: Selection, removed: ReadonlySet<number>): Selection | null {
  const id = selection.selectedId;
  if (id === null || !removed.has(id)) return null;
  if (!selection.detailOpen) return { selectedId: null, detailOpen: false, editorFor: null, droppedId: null };
  return { selectedId: id, detailOpen: true, editorFor: null, droppedId: id };
}

/** What a Clear removes: everything but pinned exchanges, which the engine keeps too. */
export function unpinnedIds(exchanges: readonly ExchangeSummary[]): number[] {
  return exchanges.filter((e) => !e.pinned).map((e) => e.id);
}
