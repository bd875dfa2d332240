// What the engine needs from traffic capture to answer the `traffic.*` methods.
import type { BodyContent, CaptureStats, ExchangeDetail, ExchangeSummary, ReplayEdits } from '../shared/traffic.js';

export interface TrafficService {
  list(limit?: number): ExchangeSummary[];
  get(id: number): ExchangeDetail | undefined;
  body(id: number, which: 'request' | 'response', decode: boolean): BodyContent | undefined;
  pin(id: number, pinned: boolean): ExchangeSummary | undefined;
  /** Removes unpinned exchanges; returns how many. */
  clear(): number;
  toHar(ids?: number[]): unknown;
  replay(id: number, edits: ReplayEdits): Promise<ExchangeSummary>;
  /** Fill and eviction counters of the capture store. */
  stats(): CaptureStats;
}
