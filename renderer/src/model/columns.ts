// The traffic list's columns: what they show, how they sort, how wide they are.
import type { ExchangeSummary } from '../../../shared/traffic.js';

export const COLUMN_IDS = ['time', 'project', 'service', 'method', 'host', 'path', 'status', 'protocol', 'duration', 'size'] as const;
export type ColumnId = (typeof COLUMN_IDS)[number];

export interface ColumnDef {
  id: ColumnId;
  label: string;
  /** CSS grid track. */
  width: string;
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
  time: { id: 'time', label: 'Time', width: '90px', compare: byNumber((e) => e.start) },
  project: { id: 'project', label: 'Project', width: 'minmax(60px, 0.6fr)', compare: byText((e) => e.project) },
  service: { id: 'service', label: 'Service', width: 'minmax(60px, 0.6fr)', compare: byText((e) => e.service) },
  method: { id: 'method', label: 'Method', width: '70px', compare: byText((e) => e.method) },
  host: { id: 'host', label: 'Host', width: 'minmax(80px, 1fr)', compare: byText((e) => e.host) },
  path: { id: 'path', label: 'Path', width: 'minmax(120px, 3fr)', compare: byText((e) => e.url) },
  status: { id: 'status', label: 'Status', width: '64px', compare: byNumber((e) => e.status) },
  protocol: { id: 'protocol', label: 'Protocol', width: '80px', compare: byText((e) => `${e.clientProtocol} ${e.kind}`) },
  duration: { id: 'duration', label: 'Duration', width: '80px', compare: byNumber((e) => e.duration) },
  size: { id: 'size', label: 'Size', width: '72px', compare: byNumber((e) => e.responseSize) },
};

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
