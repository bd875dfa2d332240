// The traffic list's columns: what they show, how they sort, how wide they are.
import type { ExchangeSummary } from '../../../shared/traffic.js';

export const COLUMN_IDS = ['time', 'project', 'service', 'method', 'host', 'path', 'status', 'protocol', 'duration', 'size'] as const;
export type ColumnId = (typeof COLUMN_IDS)[number];

export interface ColumnDef {
  id: ColumnId;
  label: string;
  /** Narrowest the column may get, in CSS px: enough for its typical content. */
  min: number;
  /** Share of the spare width (CSS fr); 0 keeps the column at `min`. */
  grow: number;
  /** Which columns give way first when the list is too narrow: lowest first. */
  keep: number;
  compare: (a: ExchangeSummary, b: ExchangeSummary) => number;
}

const byNumber = (get: (e: ExchangeSummary) => number | null) => (a: ExchangeSummary, b: ExchangeSummary) => {
  const x = get(a);
  const y = get(b);
  // Missing values (pending) sort after every known one.
  if (x === null) return y === null ? 0 : 1;
  if (y === null) return -1;
  return x - y;
};
const byText = (get: (e: ExchangeSummary) => string | null) => (a: ExchangeSummary, b: ExchangeSummary) => {
  const x = get(a) ?? '';
  const y = get(b) ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
};

export const COLUMNS: Record<ColumnId, ColumnDef> = {
  time: { id: 'time', label: 'Time', min: 90, grow: 0, keep: 3, compare: byNumber((e) => e.start) },
  project: { id: 'project', label: 'Project', min: 60, grow: 0.6, keep: 0, compare: byText((e) => e.project) },
  service: { id: 'service', label: 'Service', min: 60, grow: 0.6, keep: 2, compare: byText((e) => e.service) },
  method: { id: 'method', label: 'Method', min: 64, grow: 0, keep: 6, compare: byText((e) => e.method) },
  host: { id: 'host', label: 'Host', min: 80, grow: 1, keep: 5, compare: byText((e) => e.host) },
  path: { id: 'path', label: 'Path', min: 120, grow: 3, keep: 9, compare: byText((e) => e.url) },
  status: { id: 'status', label: 'Status', min: 64, grow: 0, keep: 8, compare: byNumber((e) => e.status) },
  protocol: { id: 'protocol', label: 'Protocol', min: 72, grow: 0, keep: 1, compare: byText((e) => `${e.clientProtocol} ${e.kind}`) },
  duration: { id: 'duration', label: 'Duration', min: 80, grow: 0, keep: 4, compare: byNumber((e) => e.duration) },
  size: { id: 'size', label: 'Size', min: 72, grow: 0, keep: 7, compare: byNumber((e) => e.responseSize) },
};

/** Horizontal space a row spends outside its cells: padding 0 10px and an 8px gap between cells (styles.css). */
export const ROW_PADDING = 20;
export const COLUMN_GAP = 8;

/** The CSS grid template for the shown columns. */
export function gridTemplate(columns: readonly ColumnId[]): string {
  return columns.map((c) => (COLUMNS[c].grow === 0 ? `${COLUMNS[c].min}px` : `minmax(${COLUMNS[c].min}px, ${COLUMNS[c].grow}fr)`)).join(' ');
}

function neededWidth(columns: readonly ColumnId[]): number {
  return ROW_PADDING + columns.reduce((sum, c) => sum + COLUMNS[c].min, 0) + COLUMN_GAP * Math.max(0, columns.length - 1);
}

/**
 * The chosen columns that fit in `width` px, in their order. A list too narrow for all of
 * them (the details pane is open, a small window) leaves out the least telling ones
 * rather than cutting off the ones at the right edge; the most telling one always stays.
 */
export function fitColumns(chosen: readonly ColumnId[], width: number): ColumnId[] {
  const shown = [...chosen];
  while (shown.length > 1 && neededWidth(shown) > width) {
    const weakest = shown.reduce((a, b) => (COLUMNS[b].keep < COLUMNS[a].keep ? b : a));
    shown.splice(shown.indexOf(weakest), 1);
  }
  return shown;
}

export const DEFAULT_COLUMNS: readonly ColumnId[] = ['time', 'service', 'method', 'host', 'path', 'status', 'protocol', 'duration', 'size'];

export interface SortSpec {
  column: ColumnId;
  direction: 'asc' | 'desc';
}

export const DEFAULT_SORT: SortSpec = { column: 'time', direction: 'asc' };

/** A total order: ties are broken by id, so binary search finds exactly one place. */
export function comparatorFor(column: ColumnId): (a: ExchangeSummary, b: ExchangeSummary) => number {
  const compare = COLUMNS[column].compare;
  return (a, b) => compare(a, b) || a.id - b.id;
}

export function toggleSort(current: SortSpec, column: ColumnId): SortSpec {
  if (current.column !== column) return { column, direction: 'asc' };
  return { column, direction: current.direction === 'asc' ? 'desc' : 'asc' };
}

export function toggleColumn(columns: readonly ColumnId[], column: ColumnId): ColumnId[] {
  if (columns.includes(column)) return columns.length > 1 ? columns.filter((c) => c !== column) : [...columns];
  return COLUMN_IDS.filter((c) => c === column || columns.includes(c));
}
