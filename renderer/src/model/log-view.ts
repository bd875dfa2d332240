// The log view's logic: lines of every project merged by time, narrowed by project,
// service, stream and a search (plain text or /regex/), and the time jumps between a
// log line and the captured traffic around it.
import type { LogLine, LogStream } from '../../../shared/state.js';
import type { ExchangeSummary } from '../../../shared/traffic.js';

export const LOG_STREAMS: readonly LogStream[] = ['stdout', 'stderr', 'system'];

const byTime = (a: LogLine, b: LogLine) => a.time - b.time || a.seq - b.seq;

/**
 * Lines of several projects as one list ordered by time (seq breaks ties). Each list is
 * already in time order (the buffer keeps seq order, and the engine stamps seq and time
 * together), so merging them pairwise is linear per round: this runs on every batch of lines.
 */
export function mergeByTime(lists: readonly (readonly LogLine[])[]): LogLine[] {
  let round: (readonly LogLine[])[] = lists.filter((l) => l.length > 0);
  if (round.length <= 1) return [...(round[0] ?? [])];
  while (round.length > 1) {
    const next: LogLine[][] = [];
    for (let i = 0; i < round.length; i += 2) next.push(mergeTwo(round[i] ?? [], round[i + 1] ?? []));
    round = next;
  }
  return round[0] as LogLine[];
}

function mergeTwo(a: readonly LogLine[], b: readonly LogLine[]): LogLine[] {
  const out = new Array<LogLine>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as LogLine;
    const y = b[j] as LogLine;
    if (byTime(x, y) <= 0) {
      out[k++] = x;
      i++;
    } else {
      out[k++] = y;
      j++;
    }
  }
  while (i < a.length) out[k++] = a[i++] as LogLine;
  while (j < b.length) out[k++] = b[j++] as LogLine;
  return out;
}

export type LogQuery = { kind: 'all' } | { kind: 'text'; needle: string } | { kind: 'regex'; regex: RegExp } | { kind: 'invalid'; message: string };

/**
 * `/pattern/flags` is a regular expression (case-insensitive unless it has flags of its
 * own); anything else is a case-insensitive substring. A pattern that does not compile
 * is returned as `invalid` with the engine's reason, for the search box to show.
 */
export function parseLogQuery(input: string): LogQuery {
  const text = input.trim();
  if (text === '') return { kind: 'all' };
  // Only real flags after the last slash, so a path such as /api/products stays text.
  const m = /^\/(.+)\/([dgimsuvy]*)$/s.exec(text);
  if (m === null) return { kind: 'text', needle: text.toLowerCase() };
  const [, source = '', flags = ''] = m;
  // g and y make test() stateful between lines; they mean nothing for a line filter.
  const usable = flags.replace(/[gy]/g, '');
  try {
    return { kind: 'regex', regex: new RegExp(source, usable === '' ? 'i' : usable) };
  } catch (e) {
    // V8 says "Invalid regular expression: /src/flags: reason"; the box shows the pattern already.
    return { kind: 'invalid', message: e instanceof Error ? e.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : String(e) };
  }
}

export function matchesQuery(query: LogQuery, text: string): boolean {
  switch (query.kind) {
    case 'all':
      return true;
    case 'text':
      return text.toLowerCase().includes(query.needle);
    case 'regex':
      return query.regex.test(text);
    case 'invalid':
      // An unfinished pattern hides nothing: the box says what is wrong instead.
      return true;
  }
}

/** `project/service`: service names repeat across projects. */
export function serviceKey(line: { project: string; service: string }): string {
  return `${line.project}/${line.service}`;
}

export interface LogFilter {
  /** null: every project. */
  project: string | null;
  /** serviceKey()s not shown. */
  hiddenServices: ReadonlySet<string>;
  hiddenStreams: ReadonlySet<LogStream>;
  query: LogQuery;
}

export function filterLogs(lines: readonly LogLine[], filter: LogFilter): LogLine[] {
  return lines.filter(
    (l) =>
      (filter.project === null || l.project === filter.project) &&
      !filter.hiddenStreams.has(l.stream) &&
      (filter.hiddenServices.size === 0 || !filter.hiddenServices.has(serviceKey(l))) &&
      matchesQuery(filter.query, l.text),
  );
}

/** Index of the line nearest `time` in a time-ordered list (the earlier one on a tie), or -1 when empty. */
export function nearestLineIndex(lines: readonly LogLine[], time: number): number {
  if (lines.length === 0) return -1;
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((lines[mid]?.time ?? 0) < time) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0) return 0;
  if (lo === lines.length) return lines.length - 1;
  const before = lines[lo - 1]?.time ?? 0;
  const after = lines[lo]?.time ?? 0;
  return time - before <= after - time ? lo - 1 : lo;
}

/**
 * The exchange that started nearest `time` in the line's project, preferring the line's
 * own service when it has one within `sameServiceWindowMs` (a log line is usually about
 * its own service's requests). null when the project has no captured exchange.
 */
export function nearestExchange(
  exchanges: readonly ExchangeSummary[],
  at: { time: number; project: string; service?: string },
  sameServiceWindowMs = 5_000,
): ExchangeSummary | null {
  let best: ExchangeSummary | null = null;
  let bestOwn: ExchangeSummary | null = null;
  const distance = (e: ExchangeSummary) => Math.abs(e.start - at.time);
  for (const e of exchanges) {
    if (e.project !== at.project) continue;
    if (best === null || distance(e) < distance(best)) best = e;
    if (at.service !== undefined && e.service === at.service && (bestOwn === null || distance(e) < distance(bestOwn))) bestOwn = e;
  }
  return bestOwn !== null && distance(bestOwn) <= sameServiceWindowMs ? bestOwn : best;
}

/** "0.3 s after", "2.1 s before", "at the same moment as": how far an exchange is from the moment jumped from. */
export function offsetText(fromTime: number, toTime: number): string {
  const d = toTime - fromTime;
  if (Math.abs(d) < 1) return 'at the same moment as';
  const abs = Math.abs(d);
  const amount = abs < 1000 ? `${Math.round(abs)} ms` : `${(abs / 1000).toFixed(1)} s`;
  return `${amount} ${d > 0 ? 'after' : 'before'}`;
}

export const SERVICE_COLOURS = 8;

/** A colour slot per service, by its place among the services known: distinct until there are more than the palette holds. */
export function serviceColours(keys: Iterable<string>): Map<string, number> {
  const sorted = [...new Set(keys)].sort();
  return new Map(sorted.map((k, i) => [k, i % SERVICE_COLOURS]));
}
