import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter } from '../../shared/filter/match.js';
import { parseFilter } from '../../shared/filter/parse.js';
import { engineSocketUrl, reconnectDelay, BACKOFF_MAX_MS } from '../../renderer/src/connection/backoff.js';
import { keyAction, moveSelection, type KeyInput } from '../../renderer/src/keyboard/keys.js';
import { COLUMN_GAP, COLUMNS, DEFAULT_COLUMNS, fitColumns, gridTemplate, ROW_PADDING, toggleColumn, toggleSort, type ColumnId } from '../../renderer/src/model/columns.js';
import { FrameBatcher } from '../../renderer/src/model/frame-batcher.js';
import { LogBuffer } from '../../renderer/src/model/log-buffer.js';
import { LruMap } from '../../shared/lru.js';
import { TrafficModel } from '../../renderer/src/model/traffic-model.js';
import { applyTrafficUpdates, selectionAfterEviction, unpinnedIds, type Selection } from '../../renderer/src/model/traffic-updates.js';
import { ExchangeDroppedError, explainFetchError } from '../../renderer/src/store/exchange-dropped.js';
import { EngineCallError } from '../../shared/wire-client.js';
import { rowWindow, scrollToCentre, scrollToReveal } from '../../renderer/src/model/window.js';
import type { LogLine } from '../../shared/state.js';
import { summary } from './renderer-fixtures.js';

function rows(model: TrafficModel): number[] {
  const out: number[] = [];
  for (let i = 0; i < model.viewSize; i++) out.push(model.rowAt(i)?.id ?? -1);
  return out;
}

const filter = (text: string) => compileFilter(parseFilter(text).terms);

describe('TrafficModel', () => {
  it('adds new exchanges and replaces updates in place', () => {
    const m = new TrafficModel();
    assert.equal(m.apply([summary(1, { status: null, state: 'pending' }), summary(2)]), 2);
    assert.equal(m.apply([summary(1, { status: 201 })]), 0);
    assert.equal(m.size, 2);
    assert.equal(m.get(1)?.status, 201);
    assert.deepEqual(rows(m), [1, 2]);
  });
  it('keeps the view filtered as exchanges change', () => {
    const m = new TrafficModel();
    m.setFilter(filter('status:5xx'));
    m.apply([summary(1, { status: null, state: 'pending' }), summary(2, { status: 500 }), summary(3)]);
    assert.deepEqual(rows(m), [2]);
    m.apply([summary(1, { status: 502 })]);
    assert.deepEqual(rows(m), [1, 2], 'an update that now matches is inserted in order');
    m.apply([summary(2, { status: 200 })]);
    assert.deepEqual(rows(m), [1], 'an update that no longer matches leaves');
    m.setFilter(filter(''));
    assert.deepEqual(rows(m), [1, 2, 3]);
  });
  it('sorts by any column, descending by reading backwards, ties by id', () => {
    const m = new TrafficModel();
    m.apply([summary(1, { duration: 30 }), summary(2, { duration: 10 }), summary(3, { duration: 30 }), summary(4, { duration: null })]);
    m.setSort({ column: 'duration', direction: 'asc' });
    assert.deepEqual(rows(m), [2, 1, 3, 4], 'pending (null) sorts last');
    m.setSort({ column: 'duration', direction: 'desc' });
    assert.deepEqual(rows(m), [4, 3, 1, 2]);
    m.apply([summary(5, { duration: 20 })]);
    assert.deepEqual(rows(m), [4, 3, 1, 5, 2], 'new rows land in sorted position');
    m.apply([summary(4, { duration: 5 })]);
    assert.deepEqual(rows(m), [3, 1, 5, 2, 4], 'a changed sort key moves the row');
    assert.equal(m.rowOf(5), 2);
    assert.equal(m.rowOf(99), -1);
  });
  it('evicts the oldest unpinned exchanges beyond capacity and keeps pinned ones', () => {
    const m = new TrafficModel(10);
    m.apply([summary(1, { pinned: true })]);
    for (let i = 2; i <= 11; i++) m.apply([summary(i)]);
    assert.ok(m.size <= 10);
    assert.ok(m.get(1) !== undefined, 'pinned survives');
    assert.equal(m.get(2), undefined, 'oldest unpinned goes');
    assert.ok(m.get(11) !== undefined);
    assert.deepEqual(rows(m), [...rows(m)].sort((a, b) => a - b));
    assert.equal(rows(m).length, m.size);
    m.apply([summary(11, { status: 404 })]);
    assert.equal(m.get(11)?.status, 404, 'index still right after compaction');
  });
  it('links replays to their original', () => {
    const m = new TrafficModel();
    m.apply([summary(1), summary(2, { replayOf: 1 }), summary(3, { replayOf: 1 })]);
    assert.deepEqual(m.replaysOf(1), [2, 3]);
    assert.deepEqual(m.replaysOf(2), []);
  });
  it('collects known values for suggestions', () => {
    const m = new TrafficModel();
    m.apply([summary(1, { method: 'PUT', service: 'web', status: 418 })]);
    assert.ok(m.known.methods.has('PUT'));
    assert.ok(m.known.services.has('web'));
    assert.ok(m.known.statuses.has(418));
  });
  it('clears', () => {
    const m = new TrafficModel();
    m.apply([summary(1)]);
    m.clear();
    assert.equal(m.size, 0);
    assert.equal(m.viewSize, 0);
    assert.equal(m.rowAt(0), undefined);
  });
  it('ingests 100k in batches without quadratic copying (stays correct at scale)', () => {
    const m = new TrafficModel(100_000);
    for (let b = 0; b < 100; b++) m.apply(Array.from({ length: 1000 }, (_, i) => summary(b * 1000 + i + 1)));
    assert.equal(m.size, 100_000);
    assert.equal(m.rowAt(99_999)?.id, 100_000);
    m.apply([summary(100_001)]);
    assert.ok(m.size <= 100_000);
    assert.equal(m.rowAt(m.viewSize - 1)?.id, 100_001);
  });
});

describe('exchanges capture evicted', () => {
  it('remove() drops their rows from the view, the index and the replay links; unknown ids are ignored', () => {
    const m = new TrafficModel();
    m.apply([summary(1), summary(2, { replayOf: 1 }), summary(3), summary(4, { replayOf: 1 })]);
    m.setSort({ column: 'time', direction: 'desc' });
    assert.equal(m.remove([2, 3, 99]), 2);
    assert.deepEqual(rows(m), [4, 1]);
    assert.equal(m.size, 2);
    assert.equal(m.get(3), undefined);
    assert.equal(m.rowOf(3), -1);
    assert.deepEqual(m.replaysOf(1), [4], 'an evicted replay is no longer linked');
    m.apply([summary(4, { status: 500 })]);
    assert.equal(m.get(4)?.status, 500, 'updates still find their row');
  });
  it('a steady stream of evictions keeps the model the size of what capture holds', () => {
    const m = new TrafficModel();
    for (let i = 1; i <= 5000; i++) {
      m.apply([summary(i)]);
      if (i > 12) m.remove([i - 12]);
    }
    assert.equal(m.size, 12);
    assert.deepEqual(rows(m), Array.from({ length: 12 }, (_, i) => 4989 + i));
    assert.equal(m.all().length, 12, 'the arrival list was compacted');
  });
  it('a Clear removes every row but the pinned ones, which the engine keeps too', () => {
    const m = new TrafficModel();
    m.apply([summary(1), summary(2, { pinned: true }), summary(3)]);
    m.remove(unpinnedIds(m.all()));
    assert.deepEqual(rows(m).sort(), [2]);
  });
  it('updates apply in arrival order: an eviction queued after the batch that listed the exchange removes it', () => {
    const m = new TrafficModel();
    m.apply([summary(1)]);
    const removed = applyTrafficUpdates(m, [{ changed: [summary(2), summary(3)] }, { evicted: [1, 2] }, { changed: [summary(4)] }, { evicted: [7] }]);
    assert.deepEqual(rows(m), [3, 4]);
    assert.deepEqual([...removed], [1, 2], 'only ids the list showed count as removed');
  });
  it('a selected row without details stops being selected; open details stay to say it was dropped', () => {
    const base: Selection = { selectedId: 5, detailOpen: false, editorFor: null, droppedId: null };
    assert.equal(selectionAfterEviction(base, new Set([4, 6])), null, 'another row went: untouched');
    assert.deepEqual(selectionAfterEviction(base, new Set([5])), { selectedId: null, detailOpen: false, editorFor: null, droppedId: null });
    assert.deepEqual(selectionAfterEviction({ ...base, detailOpen: true, editorFor: 5 }, new Set([5])), { selectedId: 5, detailOpen: true, editorFor: null, droppedId: 5 });
    assert.equal(selectionAfterEviction({ ...base, selectedId: null }, new Set([5])), null);
  });
});

describe('details of an exchange the engine no longer holds', () => {
  it('a not_found from the engine reads as dropped to stay within the capture cap; other errors pass through', () => {
    const dropped = explainFetchError(7, new EngineCallError('traffic.get', { code: 'not_found', message: 'no captured exchange with id 7' }));
    assert.ok(dropped instanceof ExchangeDroppedError);
    assert.equal(dropped.id, 7);
    assert.match(dropped.message, /^Exchange #7 was dropped to stay within the capture cap: the oldest unpinned exchanges go first\. Pin an exchange to keep it\.$/);
    const internal = new EngineCallError('traffic.get', { code: 'internal', message: 'boom' });
    assert.equal(explainFetchError(7, internal), internal);
    const offline = new Error('not connected to the locald engine');
    assert.equal(explainFetchError(7, offline), offline);
  });
});

describe('columns and sorting', () => {
  it('toggles sort direction and column', () => {
    assert.deepEqual(toggleSort({ column: 'time', direction: 'asc' }, 'time'), { column: 'time', direction: 'desc' });
    assert.deepEqual(toggleSort({ column: 'time', direction: 'desc' }, 'status'), { column: 'status', direction: 'asc' });
  });
  it('toggles columns in canonical order and never removes the last one', () => {
    assert.deepEqual(toggleColumn(['time', 'path'], 'method'), ['time', 'method', 'path']);
    assert.deepEqual(toggleColumn(['time', 'path'], 'time'), ['path']);
    assert.deepEqual(toggleColumn(['path'], 'path'), ['path']);
  });
});

describe('columns that fit the list', () => {
  const needed = (columns: readonly ColumnId[]) => ROW_PADDING + columns.reduce((n, c) => n + COLUMNS[c].min, 0) + COLUMN_GAP * (columns.length - 1);
  it('shows every chosen column when there is room', () => {
    assert.deepEqual(fitColumns(DEFAULT_COLUMNS, 1400), DEFAULT_COLUMNS);
    assert.deepEqual(fitColumns(DEFAULT_COLUMNS, Number.POSITIVE_INFINITY), DEFAULT_COLUMNS);
  });
  it('with the details pane open (list ~690 px at 1280 wide), drops the least telling columns and keeps path, status and size', () => {
    for (const width of [690, 560, 420]) {
      const shown = fitColumns(DEFAULT_COLUMNS, width);
      assert.ok(needed(shown) <= width, `${shown.join(',')} fit in ${width}`);
      for (const c of ['path', 'status', 'size'] as const) assert.ok(shown.includes(c), `${c} at ${width}`);
      assert.deepEqual(shown, DEFAULT_COLUMNS.filter((c) => shown.includes(c)), 'order kept');
    }
    assert.ok(!fitColumns(DEFAULT_COLUMNS, 690).includes('protocol'), 'protocol goes first');
    assert.deepEqual(fitColumns(['path', 'size'], 50), ['path'], 'one column always stays');
  });
  it('builds the grid template from the columns it shows', () => {
    assert.equal(gridTemplate(['time', 'path', 'size']), '90px minmax(120px, 3fr) 72px');
  });
});

describe('FrameBatcher', () => {
  it('delivers everything pushed before a frame in one flush', () => {
    const frames: (() => void)[] = [];
    const flushed: number[][] = [];
    const b = new FrameBatcher<number>((items) => flushed.push(items), (run) => frames.push(run));
    b.push([1, 2]);
    b.push([3]);
    assert.equal(frames.length, 1, 'one frame scheduled');
    assert.equal(b.size, 3);
    frames.shift()?.();
    assert.deepEqual(flushed, [[1, 2, 3]]);
    b.push([4]);
    assert.equal(frames.length, 1);
    frames.shift()?.();
    assert.deepEqual(flushed, [[1, 2, 3], [4]]);
    b.push([]);
    assert.equal(frames.length, 0, 'nothing to do, nothing scheduled');
  });
});

describe('LruMap (shared)', () => {
  it('drops the least recently used', () => {
    const lru = new LruMap<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.get('a');
    lru.set('c', 3);
    assert.equal(lru.get('b'), undefined);
    assert.equal(lru.get('a'), 1);
    assert.equal(lru.size, 2);
  });
});

describe('LogBuffer', () => {
  const line = (seq: number, text = `line ${seq}`, service = 'api'): LogLine => ({ seq, time: seq, project: 'shop', service, stream: 'stdout', text });
  it('de-duplicates by seq and keeps order when history arrives after live lines', () => {
    const b = new LogBuffer(100);
    b.add([line(5), line(6)]);
    b.add([line(3), line(4), line(5)]);
    assert.deepEqual(
      b.lines('shop').map((l) => l.seq),
      [3, 4, 5, 6],
    );
  });
  it('is bounded', () => {
    const b = new LogBuffer(3);
    b.add([1, 2, 3, 4, 5].map((n) => line(n)));
    assert.deepEqual(
      b.lines('shop').map((l) => l.seq),
      [3, 4, 5],
    );
  });
  it('counts the lines its bound dropped, per project', () => {
    const b = new LogBuffer(3);
    b.add([1, 2, 3].map((n) => line(n)));
    assert.equal(b.dropped('shop'), 0);
    b.add([4, 5].map((n) => line(n)));
    assert.equal(b.dropped('shop'), 2);
    assert.equal(b.dropped('blog'), 0);
  });
  it('does not take back dropped lines when a history read repeats them', () => {
    const b = new LogBuffer(3);
    b.add([1, 2, 3, 4, 5].map((n) => line(n)));
    // A reconnect reads the newest lines again, older ones among them.
    b.add([1, 2, 3, 4, 5].map((n) => line(n)));
    assert.deepEqual(
      b.lines('shop').map((l) => l.seq),
      [3, 4, 5],
    );
    assert.equal(b.dropped('shop'), 2, 'each dropped line counted once');
  });
});

describe('row windowing', () => {
  it('centres a row jumped to, never scrolling above the top', () => {
    assert.equal(scrollToCentre(100, 480, 24), 100 * 24 - 228);
    assert.equal(scrollToCentre(3, 480, 24), 0);
  });
  it('renders only visible rows plus overscan', () => {
    const w = rowWindow(2400, 480, 24, 100_000, 8);
    assert.equal(w.first, 92);
    assert.equal(w.last, 128);
    assert.equal(w.offset, 92 * 24);
    assert.equal(w.height, 2_400_000);
  });
  it('clamps at both ends', () => {
    assert.deepEqual(rowWindow(-50, 480, 24, 5), { first: 0, last: 5, offset: 0, height: 120 });
    const end = rowWindow(1e9, 480, 24, 1000, 0);
    assert.equal(end.last, 1000);
    assert.equal(end.first, 980);
  });
  it('reveals a row only when it is out of view', () => {
    assert.equal(scrollToReveal(10, 0, 480, 24), null);
    assert.equal(scrollToReveal(30, 0, 480, 24), 30 * 24 + 24 - 480);
    assert.equal(scrollToReveal(2, 240, 480, 24), 48);
  });
});

describe('keyboard', () => {
  const k = (key: string, over: Partial<KeyInput> = {}): KeyInput => ({ key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, inTextField: false, ...over });
  it('maps the shortcuts', () => {
    assert.equal(keyAction(k('j')), 'down');
    assert.equal(keyAction(k('ArrowDown')), 'down');
    assert.equal(keyAction(k('k')), 'up');
    assert.equal(keyAction(k('Enter')), 'open');
    assert.equal(keyAction(k('Escape')), 'close');
    assert.equal(keyAction(k('/')), 'focusFilter');
    assert.equal(keyAction(k('R', { shiftKey: true })), 'resend');
  });
  it('leaves typing alone in text fields, except Escape', () => {
    assert.equal(keyAction(k('j', { inTextField: true })), null);
    assert.equal(keyAction(k('R', { inTextField: true })), null);
    assert.equal(keyAction(k('Escape', { inTextField: true })), 'close');
    assert.equal(keyAction(k('r', { ctrlKey: true })), null, 'browser reload stays a reload');
  });
  it('moves the selection within bounds', () => {
    assert.equal(moveSelection(-1, 'down', 10, 5), 0);
    assert.equal(moveSelection(9, 'down', 10, 5), 9);
    assert.equal(moveSelection(0, 'up', 10, 5), 0);
    assert.equal(moveSelection(3, 'pageDown', 10, 5), 8);
    assert.equal(moveSelection(3, 'pageUp', 10, 5), 0);
    assert.equal(moveSelection(3, 'last', 10, 5), 9);
    assert.equal(moveSelection(3, 'down', 0, 5), -1);
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially with jitter and a ceiling', () => {
    assert.equal(reconnectDelay(0, 0), 125);
    assert.equal(reconnectDelay(0, 0.9999), 250);
    assert.equal(reconnectDelay(3, 0.9999), 2000);
    assert.ok(reconnectDelay(50, 0.999) <= BACKOFF_MAX_MS);
    assert.ok(reconnectDelay(50, 0) >= BACKOFF_MAX_MS / 2);
  });
  it('builds the socket URL from the page origin', () => {
    assert.equal(engineSocketUrl('http://locald.localhost:7700'), 'ws://locald.localhost:7700/api/ws');
    assert.equal(engineSocketUrl('https://locald.localhost:7700'), 'wss://locald.localhost:7700/api/ws');
  });
});
