import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser, type ParsedSseEvent } from '../../engine/capture/sse-parser.js';

function parseChunks(chunks: (string | Buffer)[], maxField?: number): ParsedSseEvent[] {
  const events: ParsedSseEvent[] = [];
  const parser = new SseParser((e) => events.push(e), maxField);
  for (const c of chunks) parser.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  parser.end();
  return events;
}

/** Every way of cutting `text` into two pieces, plus byte-by-byte. */
function allSplits(text: string): Buffer[][] {
  const bytes = Buffer.from(text, 'utf8');
  const out: Buffer[][] = [[bytes]];
  for (let i = 1; i < bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  out.push([...bytes].map((b) => Buffer.from([b])));
  return out;
}

test('SSE: data lines join with LF, event/id/retry are read, the default event is null', () => {
  const events = parseChunks(['event: update\nid: 7\nretry: 3000\ndata: one\ndata: two\n\ndata: three\n\n']);
  assert.deepEqual(events, [
    { id: '7', event: 'update', data: 'one\ntwo', retry: 3000, truncated: false },
    // The last event ID persists across events (EventSource's lastEventId); event type and retry do not.
    { id: '7', event: null, data: 'three', retry: null, truncated: false },
  ]);
});

test('SSE: CRLF, CR and LF line ends, mixed', () => {
  const events = parseChunks(['data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\ndata: e\n\r']);
  assert.deepEqual(
    events.map((e) => e.data),
    ['a', 'b', 'c', 'd\ne'],
  );
});

test('SSE: the same stream gives the same events however it is split, including inside CRLF and UTF-8 sequences', () => {
  const stream = '\uFEFF: comment\r\nevent: greet\r\ndata: héllo 👋\r\ndata\r\nid: x1\r\n\r\ndata:no-space\rdata:  two spaces\r\rretry: 12a\nretry: 15\ndata: last\n\n';
  const expected = [
    { id: 'x1', event: 'greet', data: 'héllo 👋\n', retry: null, truncated: false },
    { id: 'x1', event: null, data: 'no-space\n two spaces', retry: null, truncated: false },
    { id: 'x1', event: null, data: 'last', retry: 15, truncated: false },
  ];
  for (const chunks of allSplits(stream)) {
    assert.deepEqual(parseChunks(chunks), expected, `split into ${chunks.map((c) => c.length).join('+')} bytes`);
  }
});

test('SSE: comments, unknown fields and data-less blocks dispatch nothing; an unterminated event is discarded at the end', () => {
  assert.deepEqual(parseChunks([': keep-alive\n\nfoo: bar\n\nevent: x\n\ndata: pending']), []);
});

test('SSE: an id containing NUL is ignored, an empty id resets it', () => {
  const events = parseChunks(['id: a\ndata: 1\n\nid: b\u0000c\ndata: 2\n\nid\ndata: 3\n\n']);
  assert.deepEqual(
    events.map((e) => e.id),
    ['a', 'a', null],
  );
});

test('SSE: "data:" with an empty value still dispatches an empty message', () => {
  assert.deepEqual(
    parseChunks(['data:\n\n']).map((e) => e.data),
    [''],
  );
});

test('SSE: an oversized data field is cut at the cap and flagged, and parsing goes on', () => {
  const big = 'x'.repeat(5000);
  const events = parseChunks([`data: ${big.slice(0, 2500)}`, `${big.slice(2500)}\n\ndata: small\n\n`], 100);
  assert.equal(events.length, 2);
  assert.equal(events[0]?.data.length, 100);
  assert.equal(events[0]?.truncated, true);
  assert.deepEqual(events[1], { id: null, event: null, data: 'small', retry: null, truncated: false });
});

test('SSE: a BOM is removed only at the very start', () => {
  const events = parseChunks([Buffer.from([0xef, 0xbb]), Buffer.from([0xbf]), 'data: a\n\n\uFEFFdata: b\n\ndata: c\n\n']);
  // The second block's first field name is "\uFEFFdata", an unknown field: nothing dispatched for it.
  assert.deepEqual(
    events.map((e) => e.data),
    ['a', 'c'],
  );
});
