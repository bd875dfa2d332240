// The log view's pure logic: merge by time, filters, /regex/ search, and the time jumps
// between log lines and traffic.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogLine } from '../../shared/state.js';
import {
  filterLogs,
  matchesQuery,
  mergeByTime,
  nearestExchange,
  nearestLineIndex,
  offsetText,
  parseLogQuery,
  serviceColours,
  SERVICE_COLOURS,
  type LogFilter,
} from '../../renderer/src/model/log-view.js';
import { summary } from './renderer-fixtures.js';

function line(seq: number, time: number, over: Partial<LogLine> = {}): LogLine {
  return { seq, time, project: 'shop', service: 'api', stream: 'stdout', text: `line ${seq}`, ...over };
}

const everything: LogFilter = { project: null, hiddenServices: new Set(), hiddenStreams: new Set(), query: { kind: 'all' } };

describe('mergeByTime', () => {
  it('interleaves projects by time, seq breaking ties', () => {
    const shop = [line(1, 100), line(3, 300), line(4, 300)];
    const blog = [line(6, 50, { project: 'blog' }), line(2, 200, { project: 'blog' }), line(5, 300, { project: 'blog' })];
    assert.deepEqual(
      mergeByTime([shop, blog]).map((l) => l.seq),
      [6, 1, 2, 3, 4, 5],
    );
  });
  it('merges any number of lists, each line once', () => {
    const lists = Array.from({ length: 5 }, (_, p) => Array.from({ length: 7 }, (_, i) => line(p * 100 + i, i * 10 + p, { project: `p${p}` })));
    const merged = mergeByTime([...lists, []]);
    assert.equal(merged.length, 35);
    assert.deepEqual(
      merged.map((l) => l.time),
      merged.map((l) => l.time).sort((a, b) => a - b),
    );
    assert.equal(new Set(merged.map((l) => l.seq)).size, 35);
  });
  it('copies a single list rather than returning it (the buffer mutates its lists)', () => {
    const shop = [line(1, 100)];
    const merged = mergeByTime([shop, []]);
    assert.notEqual(merged, shop);
    assert.deepEqual(merged, shop);
    assert.deepEqual(mergeByTime([]), []);
  });
});

describe('parseLogQuery', () => {
  it('reads plain text as a case-insensitive substring', () => {
    const q = parseLogQuery('  Listening On ');
    assert.deepEqual(q, { kind: 'text', needle: 'listening on' });
    assert.ok(matchesQuery(q, 'api: listening on :4000'));
    assert.ok(!matchesQuery(q, 'api: crashed'));
    assert.deepEqual(parseLogQuery('   '), { kind: 'all' });
  });
  it('reads /pattern/ as a regular expression, case-insensitive unless flags are given', () => {
    const q = parseLogQuery('/listening on :\\d+$/');
    assert.equal(q.kind, 'regex');
    assert.ok(matchesQuery(q, 'API: Listening on :4000'));
    assert.ok(!matchesQuery(q, 'listening on :port'));
    const cased = parseLogQuery('/Listening/s');
    assert.ok(!matchesQuery(cased, 'listening'), 'own flags: no implicit i');
  });
  it('drops g and y, which would make matching depend on the previous line', () => {
    const q = parseLogQuery('/a/g');
    assert.ok(matchesQuery(q, 'a'));
    assert.ok(matchesQuery(q, 'a'), 'the same line matches twice in a row');
  });
  it('reports an invalid pattern instead of throwing, and hides nothing meanwhile', () => {
    const q = parseLogQuery('/(unclosed/');
    assert.equal(q.kind, 'invalid');
    assert.match(q.kind === 'invalid' ? q.message : '', /^Unterminated group$/, 'the reason, without the pattern the box already shows');
    assert.ok(matchesQuery(q, 'anything'));
    assert.equal(parseLogQuery('/a/mm').kind, 'invalid', 'a repeated flag');
  });
  it('takes a lone slash, an unfinished /pattern or a path as text', () => {
    assert.deepEqual(parseLogQuery('/'), { kind: 'text', needle: '/' });
    assert.deepEqual(parseLogQuery('/api/products'), { kind: 'text', needle: '/api/products' });
    assert.deepEqual(parseLogQuery('//'), { kind: 'text', needle: '//' });
  });
});

describe('filterLogs', () => {
  const lines = [
    line(1, 1, { service: 'api', text: 'api: listening on 4000' }),
    line(2, 2, { service: 'web', text: 'web: listening on 4001' }),
    line(3, 3, { service: 'api', stream: 'stderr', text: 'api: crashing on purpose' }),
    line(4, 4, { service: 'api', stream: 'system', text: 'restart requested' }),
    line(5, 5, { project: 'blog', service: 'api', text: 'blog api listening' }),
  ];
  const seqs = (f: Partial<LogFilter>) => filterLogs(lines, { ...everything, ...f }).map((l) => l.seq);
  it('narrows by project, service (per project) and stream', () => {
    assert.deepEqual(seqs({}), [1, 2, 3, 4, 5]);
    assert.deepEqual(seqs({ project: 'shop' }), [1, 2, 3, 4]);
    assert.deepEqual(seqs({ hiddenServices: new Set(['shop/api']) }), [2, 5], 'blog/api is another service');
    assert.deepEqual(seqs({ hiddenStreams: new Set(['stdout', 'system'] as const) }), [3]);
  });
  it('searches text and regex together with the filters', () => {
    assert.deepEqual(seqs({ query: parseLogQuery('LISTENING') }), [1, 2, 5]);
    assert.deepEqual(seqs({ query: parseLogQuery('/^(api|web): listening/'), project: 'shop' }), [1, 2]);
    assert.deepEqual(seqs({ query: parseLogQuery('/on \\d{4}$/'), hiddenServices: new Set(['shop/web']) }), [1]);
  });
});

describe('nearestLineIndex', () => {
  const lines = [line(1, 100), line(2, 200), line(3, 200), line(4, 400)];
  it('finds the nearest line, the earlier one on a tie, clamped at both ends', () => {
    assert.equal(nearestLineIndex(lines, 0), 0);
    assert.equal(nearestLineIndex(lines, 149), 0);
    assert.equal(nearestLineIndex(lines, 150), 0, 'tie: the earlier line');
    assert.equal(nearestLineIndex(lines, 199), 1);
    assert.equal(nearestLineIndex(lines, 200), 1, 'the first of equal times');
    assert.equal(nearestLineIndex(lines, 301), 3);
    assert.equal(nearestLineIndex(lines, 10_000), 3);
    assert.equal(nearestLineIndex([], 5), -1);
  });
});

describe('nearestExchange', () => {
  const t0 = 1_700_000_000_000;
  const exchanges = [
    summary(1, { start: t0 + 1_000, service: 'web' }),
    summary(2, { start: t0 + 3_000, service: 'api' }),
    summary(3, { start: t0 + 1_100, service: 'web', project: 'blog' }),
    summary(4, { start: t0 + 20_000, service: 'api' }),
  ];
  it('picks the exchange of the same project that started nearest the moment', () => {
    assert.equal(nearestExchange(exchanges, { time: t0 + 1_090, project: 'shop' })?.id, 1);
    assert.equal(nearestExchange(exchanges, { time: t0 + 1_090, project: 'blog' })?.id, 3);
    assert.equal(nearestExchange(exchanges, { time: t0 + 15_000, project: 'shop' })?.id, 4);
  });
  it("prefers the line's own service within the window, else the nearest of any", () => {
    assert.equal(nearestExchange(exchanges, { time: t0 + 1_090, project: 'shop', service: 'api' })?.id, 2, 'api 1.9 s away beats web 0.09 s away');
    assert.equal(nearestExchange(exchanges, { time: t0 + 1_090, project: 'shop', service: 'api' }, 1_000)?.id, 1, 'outside the window: the nearest');
    assert.equal(nearestExchange(exchanges, { time: t0, project: 'shop', service: 'db' })?.id, 1, 'a service without traffic');
  });
  it('is null for a project without exchanges', () => {
    assert.equal(nearestExchange(exchanges, { time: t0, project: 'none' }), null);
    assert.equal(nearestExchange([], { time: t0, project: 'shop' }), null);
  });
});

describe('offsetText and serviceColours', () => {
  it('says how far the exchange is from the moment', () => {
    assert.equal(offsetText(1000, 1000), 'at the same moment as');
    assert.equal(offsetText(1000, 1250), '250 ms after');
    assert.equal(offsetText(5000, 2900), '2.1 s before');
  });
  it('gives services distinct, stable colours until the palette runs out', () => {
    const a = serviceColours(['shop/web', 'shop/api', 'blog/api']);
    const b = serviceColours(['blog/api', 'shop/api', 'shop/web', 'shop/api']);
    assert.deepEqual([...a.entries()].sort(), [...b.entries()].sort(), 'independent of order and repeats');
    assert.equal(new Set(a.values()).size, 3);
    const many = serviceColours(Array.from({ length: SERVICE_COLOURS + 2 }, (_, i) => `p/s${String(i).padStart(2, '0')}`));
    assert.ok([...many.values()].every((c) => c >= 0 && c < SERVICE_COLOURS));
  });
});
