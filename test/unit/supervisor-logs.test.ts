import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogLine } from '../../shared/state.js';
import { LineSplitter, stripAnsi } from '../../engine/supervisor/line-splitter.js';
import { LogRing, selectLogs } from '../../engine/supervisor/log-ring.js';

test('lines split across chunks, \\r\\n and a final unterminated line', () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push('hel'), []);
  assert.deepEqual(s.push('lo\r'), []);
  assert.deepEqual(s.push('\nwor'), ['hello']);
  assert.deepEqual(s.push('ld\n\nlast'), ['world', '']);
  assert.deepEqual(s.end(), ['last']);
  assert.deepEqual(s.end(), []);
});

test('a bare \\r keeps what a terminal would show', () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push('progress 10%\rprogress 55%\rprogress 100%\n'), ['progress 100%']);
  assert.deepEqual(s.push('done\r\r\n'), ['done']);
});

test('over-long lines are cut and say how much was dropped, without unbounded buffering', () => {
  const s = new LineSplitter(100);
  const out: string[] = [];
  for (let i = 0; i < 50; i++) out.push(...s.push('x'.repeat(1000)));
  assert.deepEqual(out, []);
  const [line] = s.push('\nnext\n').slice(0, 1);
  assert.equal(line, `${'x'.repeat(100)}… [49900 more characters]`);
  assert.deepEqual(s.push('short\n'), ['short']);
  // Exactly at the cap, a trailing \r of \r\n is not content.
  assert.deepEqual(new LineSplitter(16).push(`${'y'.repeat(16)}\r\n`), ['y'.repeat(16)]);
  assert.throws(() => new LineSplitter(1), /at least 16/);
});

test('stripAnsi removes colours and OSC links', () => {
  assert.equal(stripAnsi('\u001b[36mhttp://localhost:\u001b[1m5173\u001b[22m/\u001b[39m'), 'http://localhost:5173/');
  assert.equal(stripAnsi('\u001b]8;;http://x\u0007link\u001b]8;;\u0007'), 'link');
});

const line = (seq: number, service = 'api'): LogLine => ({ seq, time: 0, project: 'p', service, stream: 'stdout', text: `line ${seq}` });

test('the ring keeps only the newest lines', () => {
  const ring = new LogRing(3);
  for (let i = 1; i <= 5; i++) ring.push(line(i));
  assert.equal(ring.size, 3);
  assert.deepEqual(ring.toArray().map((l) => l.seq), [3, 4, 5]);
  assert.throws(() => new LogRing(0), /positive integer/);
});

test('selectLogs merges services by seq and applies afterSeq and limit', () => {
  const a = new LogRing(10);
  const b = new LogRing(10);
  for (const seq of [1, 3, 6]) a.push(line(seq, 'a'));
  for (const seq of [2, 4, 5]) b.push(line(seq, 'b'));
  assert.deepEqual(selectLogs([a, b]).map((l) => l.seq), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(selectLogs([a, b], { afterSeq: 3 }).map((l) => l.seq), [4, 5, 6]);
  assert.deepEqual(selectLogs([a, b], { limit: 2 }).map((l) => l.seq), [5, 6]);
  assert.deepEqual(selectLogs([a, b], { afterSeq: 1, limit: 2 }).map((l) => l.seq), [5, 6]);
  assert.deepEqual(selectLogs([a, b], { limit: 0 }), []);
  assert.deepEqual(selectLogs([]), []);
});
