// What the engine needs from traffic capture to answer the `traffic.*` methods.
import type { CaptureSettings } from '../shared/config.js';
import type { HarImportIssue } from '../shared/har.js';
import type { BodyContent, CaptureStats, ExchangeDetail, ExchangeSummary, ReplayEdits } from '../shared/traffic.js';

export interface TrafficService {
  list(limit?: number): ExchangeSummary[];
  get(id: number): ExchangeDetail | undefined;
  /** `original`: the body before a rule rewrote it, when one did (else the captured one). */
  body(id: number, which: 'request' | 'response', decode: boolean, original?: boolean): BodyContent | undefined;
  pin(id: number, pinned: boolean): ExchangeSummary | undefined;
  /** Removes unpinned exchanges; returns how many. */
  clear(): number;
  toHar(ids?: number[]): unknown;
  replay(id: number, edits: ReplayEdits): Promise<ExchangeSummary>;
  /** A HAR file's entries as new exchanges (published with the next traffic.batch). */
  importHar(har: unknown): { imported: ExchangeSummary[]; issues: HarImportIssue[] };
  /** Fill and eviction counters of the capture store. */
  stats(): CaptureStats;
  /** A project was added or its `[capture]` settings changed (the first time, its persisted traffic is read back). */
  configureProject(project: string, settings: CaptureSettings): void;
  /** A project was removed: its persisted traffic file is no longer written. */
  forgetProject(project: string): void;
}
