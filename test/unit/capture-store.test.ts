import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EvictionQueue } from '../../engine/capture/eviction.js';
import { MESSAGE_OVERHEAD_BYTES } from '../../engine/capture/exchange-record.js';
import { headerValue, keepHeaderInput, packHeaderLists, toHeaderList, unpackHeaderLists } from '../../engine/capture/headers.js';
import { intern } from '../../engine/capture/intern.js';
import type { ExchangeRecorder } from '../../engine/capture/recorder.js';
import { TrafficStore } from '../../engine/capture/store.js';
import type { BeginMeta } from '../../engine/capture/types.js';
import type { LogLine } from '../../shared/state.js';
import type { ExchangeSummary } from '../../shared/traffic.js';

const KiB = 1024;

function meta(url = '/', extra: Partial<BeginMeta> = {}): BeginMeta {
  return { clientProtocol: 'http/1.1', method: 'GET', host: 'shop.localhost:7700', url, requestHeaders: ['Host', 'shop.localhost:7700'], ...extra };
}

/** A complete exchange with a response body of `bytes`. */
function exchange(store: TrafficStore, bytes: number, url = '/'): ExchangeRecorder {
  const rec = store.begin(meta(url));
  rec.response(200, ['Content-Type', 'application/octet-stream']);
  if (bytes > 0) rec.responseChunk(Buffer.alloc(bytes, 1));
  rec.end();
  return rec;
}

/** Body and message bytes the store keeps (the part of its total that bodies make up). */
function capturedBytes(store: TrafficStore): number {
  return store.evictables().reduce((n, x) => n + x.heldBytes, 0);
}

/** The total cap's measure, recomputed from the exchanges: it must match the store's running total. */
function retainedBytes(store: TrafficStore): number {
  return store.evictables().reduce((n, x) => n + x.retainedBytes, 0);
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// --- pure helpers ---

test('headers: flat raw headers and pairs normalise to a HeaderList; garbage is tolerated', () => {
  assert.deepEqual(toHeaderList(['Host', 'a', 'X-Y', 'b']), [
    ['Host', 'a'],
    ['X-Y', 'b'],
  ]);
  assert.deepEqual(toHeaderList([['Host', 'a']]), [['Host', 'a']]);
  assert.deepEqual(toHeaderList(['odd']), []);
  assert.deepEqual(toHeaderList(null), []);
  assert.deepEqual(toHeaderList([['n', 5], 'junk', [null]]), [
    ['n', '5'],
    ['', ''],
  ]);
  assert.equal(headerValue(['content-type', 'text/html', 'Content-Type', 'x'], 'Content-Type'), 'text/html');
  assert.equal(headerValue([['Content-Type', 'y']], 'content-type'), 'y');
  assert.equal(headerValue([], 'content-type'), null);
  assert.deepEqual(keepHeaderInput('nope'), []);
  assert.deepEqual(keepHeaderInput(undefined), []);
});

test('packed header lists: flat and paired lists round-trip; shared arrays are stored once; a line feed disables packing', () => {
  const request = ['Host', 'a.localhost', 'X-Empty', '', 'Accept', '*/*'];
  const response = ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'];
  const packed = packHeaderLists([request, [['X-Pair', 'v'], ['Only-Name']] as unknown as string[], response, response, [], ['odd']]);
  assert.equal(typeof packed, 'string');
  assert.deepEqual(unpackHeaderLists(packed as string), [request, ['X-Pair', 'v', 'Only-Name', ''], response, response, [], []]);
  assert.ok((packed as string).length < request.join('').length + 2 * response.join('').length, 'the repeated list is a reference, not a copy');
  assert.equal(packHeaderLists([['X-Bad', 'a\nb']]), null);
  assert.deepEqual(unpackHeaderLists(packHeaderLists([[], []]) as string), [[], []]);
  // Non-strings are kept as text, as toHeaderList would show them.
  assert.deepEqual(unpackHeaderLists(packHeaderLists([[1, null] as unknown as string[]]) as string), [['1', '']]);
});

test('a finished exchange reads back every header list, body and timing as recorded', () => {
  const store = new TrafficStore();
  const rec = store.begin(meta('/p?q=1', { requestHeaders: ['Host', 'shop.localhost:7700', 'Content-Type', 'text/plain', 'Content-Length', '5'] }));
  rec.forwarded('/p?q=1', ['Host', 'shop.localhost:7700', 'Via', '1.1 locald'], 'http/1.1');
  rec.upstreamConnected('127.0.0.1:4100');
  rec.requestChunk(Buffer.from('hello'));
  rec.requestTrailers(['X-Checksum', 'abc']);
  rec.requestSent();
  const upstream = ['Content-Type', 'application/json', 'Content-Length', '7'];
  rec.response(201, upstream, [...upstream, 'Via', '1.1 locald']);
  rec.responseChunk(Buffer.from('{"a":'));
  rec.responseChunk(Buffer.from('1}'));
  rec.responseTrailers(['X-Done', 'yes']);
  const live = store.get(rec.id);
  rec.end();
  const done = store.get(rec.id);
  assert.ok(live !== undefined && done !== undefined);
  for (const key of ['requestHeaders', 'forwardedRequestHeaders', 'responseHeaders', 'forwardedResponseHeaders', 'requestTrailers', 'responseTrailers'] as const) {
    assert.deepEqual(done[key], live[key], `${key} survives packing`);
  }
  assert.deepEqual(done.responseHeaders, [['Content-Type', 'application/json'], ['Content-Length', '7']]);
  assert.deepEqual(done.forwardedResponseHeaders.at(-1), ['Via', '1.1 locald']);
  assert.equal(store.body(rec.id, 'request')?.base64, Buffer.from('hello').toString('base64'));
  assert.equal(store.body(rec.id, 'response')?.base64, Buffer.from('{"a":1}').toString('base64'));
  assert.equal(store.body(rec.id, 'response')?.contentType, 'application/json');
  assert.equal(done.contentType, 'application/json');
  assert.equal(done.forwardedUrl, '/p?q=1');
  assert.equal(done.upstreamAddress, '127.0.0.1:4100');
  for (const t of [done.timings.upstreamConnected, done.timings.requestSent, done.timings.firstByte, done.timings.end]) {
    assert.equal(typeof t, 'number');
    assert.ok((t as number) >= 0 && Number.isInteger(Math.round((t as number) * 1000)), `timing ${t} is ms with µs precision`);
  }
  assert.equal(done.duration, done.timings.end);
  // Small bodies share a slab: each reads back its own bytes, whatever its neighbours hold.
  const small = Array.from({ length: 300 }, (_, i) => {
    const r = store.begin(meta(`/s${i}`));
    const bytes = Buffer.from(`body-${i}-`.repeat(1 + (i % 7)));
    r.response(200, ['Content-Length', String(bytes.length)]);
    r.responseChunk(bytes.subarray(0, 3));
    r.responseChunk(bytes.subarray(3));
    r.end();
    return { id: r.id, bytes };
  });
  for (const { id, bytes } of small) assert.equal(store.body(id, 'response')?.base64, bytes.toString('base64'));
  // A body longer than it declared carries on as chunks, keeping the first part.
  const over = store.begin(meta('/over'));
  over.response(200, ['Content-Length', '4']);
  over.responseChunk(Buffer.from('abcd'));
  over.responseChunk(Buffer.from('ef'));
  over.end();
  assert.equal(Buffer.from(store.body(over.id, 'response')?.base64 ?? '', 'base64').toString(), 'abcdef');
  store.close();
});

test('intern: equal strings come back as one kept copy', () => {
  const a = intern(['127.0.0.1', '4100'].join(':'));
  assert.equal(intern(`127.0.0.1:${4100}`), a);
  const long = 'x'.repeat(1000);
  assert.equal(intern(long), long);
});

test('eviction queue: oldest unpinned first, pinned never (and kept in order), dead entries passed over', () => {
  interface Item {
    id: number;
    pinned: boolean;
    heldBytes: number;
    dead: boolean;
  }
  const make = (): { q: EvictionQueue<Item>; items: Item[] } => {
    const q = new EvictionQueue<Item>();
    const items: Item[] = [
      { id: 1, pinned: true, heldBytes: 50, dead: false },
      { id: 2, pinned: false, heldBytes: 0, dead: true },
      { id: 3, pinned: false, heldBytes: 30, dead: false },
      { id: 4, pinned: true, heldBytes: 30, dead: false },
      { id: 5, pinned: false, heldBytes: 30, dead: false },
      { id: 6, pinned: false, heldBytes: 30, dead: false },
    ];
    for (const item of items) q.push(item);
    return { q, items };
  };
  const dead = (x: Item): boolean => x.dead;
  const ids = (list: Item[]): number[] => list.map((x) => x.id);

  let { q, items } = make();
  assert.deepEqual(ids(q.takeOldestUnpinned(2, dead)), [3, 5]);
  assert.deepEqual(ids(q.takeOldestUnpinned(5, dead)), [6], 'pinned ones are never taken');
  assert.deepEqual(ids(q.takeOldestUnpinned(1, dead)), []);
  for (const x of items) x.pinned = false;
  assert.deepEqual(ids(q.takeOldestUnpinned(5, dead)), [1, 4], 'unpinned later, they go in their original order');

  ({ q, items } = make());
  assert.deepEqual(ids(q.takeOldestUnpinned(10, dead, items[5])), [3, 5], 'the kept (newest) item is never taken');

  ({ q } = make());
  assert.deepEqual(ids(q.takeForBytes(40, dead)), [3, 5]);
  assert.deepEqual(ids(q.takeForBytes(0, dead)), []);
  assert.deepEqual(ids(q.takeForBytes(1000, dead)), [6]);

  // Many removals at the front stay cheap and correct (the queue compacts itself).
  const big = new EvictionQueue<Item>();
  for (let i = 0; i < 10_000; i++) big.push({ id: i, pinned: i % 1000 === 0, heldBytes: 1, dead: false });
  let taken = 0;
  for (let k = 0; k < 9990; k++) taken += big.takeOldestUnpinned(1, dead).length;
  assert.equal(taken, 9990);
  assert.equal(big.length, 10);
});

// --- the store ---

test('body cap: the first maxBodyBytes are kept, the rest counted and flagged truncated', () => {
  const store = new TrafficStore({ maxExchanges: 10, maxBodyBytes: 10 * KiB, maxTotalBytes: 1024 * KiB });
  const rec = store.begin(meta('/upload', { method: 'POST' }));
  const body = Buffer.alloc(25 * KiB);
  for (let i = 0; i < body.length; i++) body[i] = i & 0xff;
  for (let i = 0; i < body.length; i += 3000) rec.requestChunk(body.subarray(i, i + 3000));
  rec.response(204, []);
  rec.end();
  const d = store.get(rec.id);
  assert.deepEqual(d?.requestBody, { size: 25 * KiB, captured: 10 * KiB, truncated: true, dropped: false });
  assert.equal(d?.requestSize, 25 * KiB);
  const content = store.body(rec.id, 'request');
  assert.ok(Buffer.from(content?.base64 ?? '', 'base64').equals(body.subarray(0, 10 * KiB)));
  assert.equal(content?.truncated, true);
  assert.equal(capturedBytes(store), 10 * KiB);

  const exact = exchange(store, 10 * KiB);
  assert.deepEqual(store.get(exact.id)?.responseBody, { size: 10 * KiB, captured: 10 * KiB, truncated: false, dropped: false });
  store.close();
});

test('the recorder copies body bytes: the caller may reuse its buffers', () => {
  const store = new TrafficStore();
  const rec = store.begin(meta('/', { method: 'POST', requestHeaders: ['Content-Type', 'text/plain'] }));
  const chunk = Buffer.from('hello');
  rec.requestChunk(chunk);
  chunk.fill(0);
  const slab = Buffer.from('xxworld!!');
  rec.requestChunk(slab.subarray(2, 7));
  slab.fill(0);
  rec.end();
  assert.equal(Buffer.from(store.body(rec.id, 'request')?.base64 ?? '', 'base64').toString(), 'helloworld');
  assert.deepEqual(store.get(rec.id)?.requestHeaders, [['Content-Type', 'text/plain']]);
  store.close();
});

test('total cap: the oldest unpinned exchanges lose their bodies first; pinned keep theirs', () => {
  const store = new TrafficStore({ maxExchanges: 100, maxBodyBytes: 100 * KiB, maxTotalBytes: 250 * KiB });
  const a = exchange(store, 100 * KiB, '/a');
  const b = exchange(store, 100 * KiB, '/b');
  store.pin(a.id, true);
  const c = exchange(store, 40 * KiB, '/c');
  assert.equal(capturedBytes(store), 240 * KiB);
  const d = exchange(store, 100 * KiB, '/d'); // 340 KiB held: b (oldest unpinned) goes
  assert.equal(store.get(a.id)?.responseBody.dropped, false);
  assert.deepEqual(store.get(b.id)?.responseBody, { size: 100 * KiB, captured: 0, truncated: true, dropped: true });
  assert.equal(store.get(c.id)?.responseBody.dropped, false);
  assert.equal(store.get(d.id)?.responseBody.captured, 100 * KiB);
  assert.equal(capturedBytes(store), 240 * KiB);
  assert.equal(store.body(b.id, 'response')?.base64, '');
  // Metadata of a dropped exchange stays.
  assert.equal(store.summary(b.id)?.url, '/b');
  const e = exchange(store, 50 * KiB, '/e'); // 290: c goes (40) → 250
  assert.equal(store.get(c.id)?.responseBody.dropped, true);
  assert.equal(store.get(e.id)?.responseBody.dropped, false);
  assert.ok(store.totalBytes <= 250 * KiB);
  assert.equal(store.totalBytes, retainedBytes(store));
  store.close();
});

test('total cap: an exchange counts its headers (as received and as forwarded), URLs, error text and log lines', () => {
  const store = new TrafficStore({ maxExchanges: 100, maxBodyBytes: KiB, maxTotalBytes: 64 * 1024 * KiB });
  const bigHeader = 'h'.repeat(14 * KiB);
  const longUrl = `/${'u'.repeat(8 * KiB)}`;
  const rec = store.begin(meta(longUrl, { requestHeaders: ['Host', 'shop.localhost:7700', 'X-Big', bigHeader] }));
  assert.ok(store.totalBytes >= 14 * KiB + 8 * KiB, `received header and URL counted: ${store.totalBytes}`);
  // The forwarded copy is a list (and URL) of its own: it counts again.
  rec.forwarded(`/api${longUrl}`, ['Host', 'shop.localhost:7700', 'X-Big', bigHeader, 'X-Forwarded-For', '127.0.0.1'], 'http/1.1');
  assert.ok(store.totalBytes >= 2 * (14 * KiB + 8 * KiB), `forwarded header and URL counted: ${store.totalBytes}`);
  rec.response(200, ['Content-Type', 'text/plain', 'X-Echo', bigHeader]);
  rec.responseChunk(Buffer.from('ok'));
  const beforeFail = store.totalBytes;
  assert.ok(beforeFail >= 3 * 14 * KiB + 2 * 8 * KiB, `response headers counted: ${beforeFail}`);
  const line = (seq: number): LogLine => ({ seq, time: 0, project: 'shop', service: 'api', stream: 'stderr', text: 'x'.repeat(KiB) });
  rec.fail({ code: 'upstream-reset', title: 'broke off', detail: 'd'.repeat(4 * KiB) }, Array.from({ length: 20 }, (_, i) => line(i)));
  assert.ok(store.totalBytes >= beforeFail + 20 * KiB, `log lines and error text counted: ${store.totalBytes} after ${beforeFail}`);
  assert.equal(store.totalBytes, retainedBytes(store));
  assert.equal(capturedBytes(store), 2, 'the body is still only its 2 bytes');
  store.close();
});

test('total cap: huge headers and long URLs keep the total under the cap; the oldest unpinned go whole, pinned stay, and the stats say so', () => {
  const cap = 256 * KiB;
  const store = new TrafficStore({ maxExchanges: 100_000, maxBodyBytes: KiB, maxTotalBytes: cap });
  const bigHeader = 'h'.repeat(14 * KiB);
  const pinned = store.begin(meta('/pinned', { requestHeaders: ['X-Big', bigHeader] }));
  store.pin(pinned.id, true);
  let last: ExchangeRecorder = pinned;
  for (let i = 0; i < 2000; i++) {
    const url = i % 2 === 0 ? `/${String(i).padStart(8 * KiB, '0')}` : `/${i}`;
    last = store.begin(meta(url, { requestHeaders: ['Host', 'shop.localhost:7700', 'X-Big', bigHeader] }));
    last.forwarded(url, ['Host', 'shop.localhost:7700', 'X-Big', bigHeader, 'X-Forwarded-Proto', 'http'], 'http/1.1');
    last.response(404, ['Content-Type', 'application/problem+json']);
    last.responseChunk(Buffer.alloc(100, 1));
    last.end();
    assert.ok(store.totalBytes <= cap, `exchange ${i}: ${store.totalBytes} bytes kept, cap ${cap}`);
  }
  assert.equal(store.totalBytes, retainedBytes(store));
  assert.ok(store.size < 100, `only what fits is kept: ${store.size} exchanges`);
  assert.ok(store.get(pinned.id), 'the pinned exchange survives');
  assert.ok(store.get(last.id), 'the newest is kept');
  const stats = store.stats();
  assert.equal(stats.retainedBytes, store.totalBytes);
  assert.equal(stats.exchanges, store.size);
  assert.equal(stats.evictedExchanges, 2001 - store.size);
  assert.ok(stats.evictedBytes > 2000 * 28 * KiB * 0.9, `evicted bytes reported: ${stats.evictedBytes}`);
  assert.deepEqual(stats.limits, { maxExchanges: 100_000, maxBodyBytes: KiB, maxTotalBytes: cap });
  store.close();
});

test('total cap: an SSE event counts its event type and id, not only its data', () => {
  const store = new TrafficStore({ maxExchanges: 100, maxBodyBytes: 64 * KiB, maxTotalBytes: 64 * 1024 * KiB }, { maxMessageBytes: 64 * KiB });
  const sse = store.begin(meta('/events'));
  sse.response(200, ['Content-Type', 'text/event-stream']);
  const before = store.totalBytes;
  sse.responseChunk(Buffer.from(`event: ${'e'.repeat(32 * KiB)}\nid: ${'i'.repeat(16 * KiB)}\ndata: x\n\n`));
  assert.equal(store.get(sse.id)?.sseEvents.length, 1);
  const bodyBytes = store.get(sse.id)?.responseBody.captured ?? 0;
  const eventBytes = store.totalBytes - before - bodyBytes;
  assert.ok(eventBytes >= 48 * KiB, `the event counted ${eventBytes} bytes`);
  assert.equal(store.totalBytes, retainedBytes(store));
  store.close();
});

test('total cap: when headers are most of what is kept, the oldest exchanges go whole and the newest keep their small bodies', () => {
  const store = new TrafficStore({ maxExchanges: 100_000, maxBodyBytes: KiB, maxTotalBytes: 512 * KiB });
  const bigHeader = 'h'.repeat(14 * KiB);
  const ids: number[] = [];
  for (let i = 0; i < 500; i++) {
    const rec = store.begin(meta(`/${i}`, { requestHeaders: ['X-Big', bigHeader] }));
    rec.response(200, ['Content-Type', 'text/plain']);
    rec.responseChunk(Buffer.from('small body'));
    rec.end();
    ids.push(rec.id);
  }
  assert.ok(store.totalBytes <= 512 * KiB);
  const kept = store.list();
  const withBody = kept.filter((s) => store.get(s.id)?.responseBody.captured === 10).length;
  assert.ok(withBody >= kept.length - 2, `${withBody} of ${kept.length} kept exchanges still have their body`);
  assert.equal(kept.at(-1)?.id, ids.at(-1));
  store.close();
});

test('stats: exchanges evicted by the ring and bodies dropped by the total cap are counted', () => {
  const store = new TrafficStore({ maxExchanges: 5, maxBodyBytes: 10 * KiB, maxTotalBytes: 30 * KiB });
  for (let i = 0; i < 4; i++) exchange(store, 10 * KiB, `/${i}`);
  let stats = store.stats();
  assert.equal(stats.evictedExchanges, 0);
  assert.ok(stats.droppedBodies >= 2, `bodies dropped to fit: ${stats.droppedBodies}`);
  assert.equal(stats.droppedBodyBytes, stats.droppedBodies * 10 * KiB);
  assert.equal(store.size, 4, 'the exchanges stay listed');
  for (let i = 0; i < 3; i++) exchange(store, 0, `/small${i}`);
  stats = store.stats();
  assert.equal(stats.evictedExchanges, 2, 'two went to the ring cap');
  assert.ok(stats.evictedBytes > 0);
  assert.equal(store.clear(), 5);
  assert.equal(store.stats().evictedExchanges, 2, 'clear() is the user\'s choice, not an eviction');
  assert.equal(store.stats().retainedBytes, 0);
  store.close();
});

test('total cap: a dropped streaming exchange keeps counting its body but stops keeping it; later messages are kept again', () => {
  const store = new TrafficStore({ maxExchanges: 100, maxBodyBytes: 100 * KiB, maxTotalBytes: 20 * KiB });
  const sse = store.begin(meta('/events'));
  sse.response(200, ['Content-Type', 'text/event-stream']);
  sse.responseChunk(Buffer.from('data: first\n\n'));
  exchange(store, 15 * KiB);
  exchange(store, 15 * KiB); // over: the SSE stream is the oldest holder
  sse.responseChunk(Buffer.from('data: second\n\n'));
  sse.end();
  const d = store.get(sse.id);
  assert.equal(d?.responseBody.dropped, true);
  assert.equal(d?.responseBody.captured, 0);
  assert.equal(d?.responseBody.size, 27);
  assert.deepEqual(
    d?.sseEvents.map((e) => e.data),
    ['second'],
  );
  assert.equal(d?.messageCount, 2);
  assert.ok(store.totalBytes <= 20 * KiB);
  store.close();
});

test('ring: at most maxExchanges, oldest unpinned evicted first, pinned survive', () => {
  const store = new TrafficStore({ maxExchanges: 5, maxBodyBytes: KiB, maxTotalBytes: 1024 * KiB });
  const ids = [exchange(store, 10).id, exchange(store, 10).id];
  store.pin(ids[0] as number, true);
  for (let i = 0; i < 10; i++) ids.push(exchange(store, 10, `/${i}`).id);
  const kept = store.list().map((s) => s.id);
  assert.equal(kept.length, 5);
  assert.equal(kept[0], ids[0], 'the pinned exchange survives');
  assert.deepEqual(kept.slice(1), ids.slice(-4));
  assert.equal(store.get(ids[1] as number), undefined);
  assert.equal(capturedBytes(store), 50);
  // A recorder of an evicted exchange goes on being called by the proxy: harmless.
  const evictedRecorder = store.begin(meta());
  for (let i = 0; i < 10; i++) exchange(store, 0);
  evictedRecorder.responseChunk(Buffer.alloc(100));
  evictedRecorder.end();
  assert.equal(store.get(evictedRecorder.id), undefined);
  assert.equal(capturedBytes(store), 10, 'only the pinned one still holds body bytes');
  assert.equal(store.totalBytes, retainedBytes(store));
  // When everything else is pinned the ring grows rather than drop what the user chose to keep,
  // or stop capturing new traffic.
  const tiny = new TrafficStore({ maxExchanges: 2, maxBodyBytes: KiB, maxTotalBytes: 1024 * KiB });
  const p = [exchange(tiny, 1), exchange(tiny, 1)];
  for (const r of p) tiny.pin(r.id, true);
  const newest = exchange(tiny, 1);
  assert.equal(tiny.size, 3);
  assert.ok(tiny.get(newest.id));
  tiny.pin(p[0]?.id as number, false);
  assert.equal(tiny.size, 2, 'unpinning lets the ring catch up');
  assert.equal(tiny.get(p[0]?.id as number), undefined);
  store.close();
  tiny.close();
});

test('eviction queues stay bounded by what is kept, however many exchanges went through', () => {
  // Small bodies never reach the total cap, so the holders queue is never scanned for bytes:
  // its dead entries must still be let go, or every evicted exchange stays in memory.
  const store = new TrafficStore({ maxExchanges: 100, maxBodyBytes: KiB, maxTotalBytes: 1024 * KiB }, { onBatch: () => undefined });
  const pinned = exchange(store, 10, '/pinned');
  store.pin(pinned.id, true);
  for (let i = 0; i < 20_000; i++) {
    exchange(store, 10, `/${i}`);
    if (i % 500 === 0) store.flush();
  }
  store.flush();
  const queued = store.queuedEntries();
  assert.equal(store.size, 100);
  assert.ok(queued.ring <= 2 * 100 + 1024 + 1, `ring queue holds ${queued.ring} entries for 100 exchanges`);
  assert.ok(queued.holders <= 2 * 100 + 1024 + 1, `holders queue holds ${queued.holders} entries for 100 exchanges`);
  assert.equal(queued.dirty, 0);
  assert.equal(capturedBytes(store), 100 * 10, 'what the kept exchanges hold, no more');
  assert.equal(store.totalBytes, retainedBytes(store));
  assert.ok(store.get(pinned.id), 'the pinned exchange survived 20,000 evictions');
  // The total cap still takes the oldest holders first after the pruning.
  // Room for every exchange's headers and URL, and 500 bytes of bodies.
  const cap = store.totalBytes - capturedBytes(store) + 500;
  store.setLimits({ maxExchanges: 100, maxBodyBytes: KiB, maxTotalBytes: cap });
  assert.ok(store.totalBytes <= cap);
  assert.ok(store.get(pinned.id), 'the pinned exchange survived the total cap');
  const kept = store.list();
  const holding = kept.filter((s) => store.get(s.id)?.responseBody.captured === 10).map((s) => s.id);
  assert.ok(holding.includes(pinned.id), 'pinned keeps its body');
  const unpinnedHolding = holding.filter((id) => id !== pinned.id);
  assert.deepEqual(unpinnedHolding, kept.slice(-unpinnedHolding.length).map((s) => s.id), 'the newest keep theirs');
  store.close();
});

test('batches list each changed exchange once, and only changed ones; evicted ones are left out', () => {
  const batches: ExchangeSummary[][] = [];
  const store = new TrafficStore({ maxExchanges: 3, maxBodyBytes: KiB, maxTotalBytes: 1024 * KiB }, { batchIntervalMs: 60_000, onBatch: (b) => batches.push(b) });
  const a = store.begin(meta('/a'));
  a.response(200, ['Content-Type', 'text/plain']);
  for (let i = 0; i < 50; i++) a.responseChunk(Buffer.from('x'));
  exchange(store, 1, '/b');
  store.flush();
  assert.deepEqual(
    batches.at(-1)?.map((s) => s.url),
    ['/a', '/b'],
  );
  a.responseChunk(Buffer.from('y'));
  store.flush();
  assert.deepEqual(
    batches.at(-1)?.map((s) => [s.url, s.responseSize]),
    [['/a', 51]],
  );
  store.flush();
  assert.equal(batches.length, 2, 'nothing changed, no batch');
  // Changed, then evicted before the batch: not reported (the exchange is gone).
  a.responseChunk(Buffer.from('z'));
  for (let i = 0; i < 3; i++) exchange(store, 1, `/c${i}`);
  store.flush();
  assert.deepEqual(
    batches.at(-1)?.map((s) => s.url),
    ['/c0', '/c1', '/c2'],
  );
  store.close();
});

test('evicted ids reach the batch listener once each, in eviction order, with the batch of that flush; pinned never', () => {
  const calls: { changed: string[]; evicted: string[] }[] = [];
  const urls = new Map<number, string>();
  const store = new TrafficStore({ maxExchanges: 3, maxBodyBytes: KiB, maxTotalBytes: 1024 * KiB }, {
    batchIntervalMs: 60_000,
    onBatch: (changed, evicted) => {
      for (const s of changed) urls.set(s.id, s.url);
      calls.push({ changed: changed.map((s) => s.url), evicted: evicted.map((id) => urls.get(id) ?? `#${id}`) });
    },
  });
  const [, b] = ['/a', '/b', '/c'].map((url) => exchange(store, 1, url));
  store.flush();
  assert.deepEqual(calls.at(-1), { changed: ['/a', '/b', '/c'], evicted: [] });
  store.pin(b?.id as number, true);
  exchange(store, 1, '/d');
  exchange(store, 1, '/e');
  store.flush();
  assert.deepEqual(calls.at(-1), { changed: ['/b', '/d', '/e'], evicted: ['/a', '/c'] }, 'the oldest unpinned went, /b (pinned) stayed');
  store.flush();
  assert.equal(calls.length, 2, 'each id is reported once');
  // Evicted before any batch named it: still reported (a traffic.list snapshot may have listed it).
  const f = exchange(store, 1, '/f');
  exchange(store, 1, '/g');
  exchange(store, 1, '/h');
  store.flush();
  assert.deepEqual(calls.at(-1), { changed: ['/g', '/h'], evicted: ['/d', '/e', `#${f.id}`] });
  // Evictions without any changed exchange (a lowered limit) still make a batch, with nothing changed.
  store.setLimits({ maxExchanges: 1, maxBodyBytes: KiB, maxTotalBytes: 1024 * KiB });
  store.flush();
  assert.deepEqual(calls.at(-1), { changed: [], evicted: ['/g', '/h'] });
  assert.deepEqual(store.list().map((s) => s.url), ['/b']);
  assert.ok(calls.every((c) => !c.evicted.includes('/b')), 'the pinned exchange is never reported evicted');
  store.close();
});

test('a listener that applies batches and evictions in order holds exactly what the store holds (total cap, pinned, timer)', async () => {
  const held = new Map<number, ExchangeSummary>();
  const reported: number[] = [];
  const store = new TrafficStore({ maxExchanges: 1000, maxBodyBytes: 4 * KiB, maxTotalBytes: 32 * KiB }, {
    batchIntervalMs: 2,
    onBatch: (changed, evicted) => {
      for (const id of evicted) held.delete(id);
      reported.push(...evicted);
      for (const s of changed) held.set(s.id, s);
    },
  });
  const pinned = exchange(store, 2 * KiB, '/pinned');
  store.pin(pinned.id, true);
  for (let i = 0; i < 200; i++) {
    // Big headers, so the total cap evicts whole exchanges and not only bodies.
    const rec = store.begin({ ...meta(`/${i}`), requestHeaders: ['Host', 'shop.localhost:7700', 'X-Pad', 'p'.repeat(1500)] });
    rec.response(200, ['Content-Type', 'text/plain']);
    rec.responseChunk(Buffer.alloc(i % 3 === 0 ? 3 * KiB : 10, 1));
    rec.end();
    if (i % 40 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  store.flush();
  const stats = store.stats();
  assert.ok(stats.evictedExchanges > 100, `the cap evicted ${stats.evictedExchanges}`);
  assert.equal(reported.length, stats.evictedExchanges, 'every eviction reported');
  assert.equal(new Set(reported).size, reported.length, 'each id once');
  assert.deepEqual(reported, [...reported].sort((x, y) => x - y), 'oldest first, across batches');
  assert.ok(!reported.includes(pinned.id), 'the pinned exchange is never evicted');
  assert.deepEqual([...held.keys()].sort((x, y) => x - y), store.list().map((s) => s.id));
  store.close();
});

test('list(limit) gives the newest, oldest first; clear() removes unpinned only', () => {
  const store = new TrafficStore();
  const recs = Array.from({ length: 6 }, (_, i) => exchange(store, 5, `/${i}`));
  assert.deepEqual(
    store.list(2).map((s) => s.url),
    ['/4', '/5'],
  );
  assert.equal(store.list().length, 6);
  assert.equal(store.list(0).length, 0);
  store.pin(recs[1]?.id as number, true);
  assert.equal(store.clear(), 5);
  assert.deepEqual(
    store.list().map((s) => s.url),
    ['/1'],
  );
  assert.equal(capturedBytes(store), 5);
  assert.equal(store.totalBytes, retainedBytes(store));
  assert.equal(store.pin(12345, true), undefined);
  store.close();
});

test('batching: changes arrive in batches as summaries, not once per chunk', async () => {
  const batches: ExchangeSummary[][] = [];
  const store = new TrafficStore(undefined, { batchIntervalMs: 20, onBatch: (b) => batches.push(b) });
  const rec = store.begin(meta('/stream'));
  rec.response(200, ['Content-Type', 'text/plain']);
  for (let i = 0; i < 100; i++) rec.responseChunk(Buffer.from('x'));
  await waitFor('a batch with the streaming exchange', () => batches.some((b) => b.some((s) => s.id === rec.id && s.state === 'streaming')));
  const first = batches.flat().filter((s) => s.id === rec.id);
  assert.ok(first.length < 10, `100 chunks gave ${first.length} updates`);
  rec.end();
  await waitFor('the completed exchange', () => batches.some((b) => b.some((s) => s.id === rec.id && s.state === 'complete')));
  const last = batches.flat().filter((s) => s.id === rec.id).at(-1);
  assert.equal(last?.responseSize, 100);
  assert.equal(last?.status, 200);
  assert.equal(typeof last?.duration, 'number');
  // A throwing listener does not stop later batches.
  const noisy = new TrafficStore(undefined, {
    batchIntervalMs: 5,
    onBatch: () => {
      throw new Error('listener bug');
    },
  });
  exchange(noisy, 1);
  noisy.flush();
  exchange(noisy, 1);
  noisy.close();
  store.close();
});

test('close() stops the batch timer and later recording', async () => {
  let delivered = 0;
  const store = new TrafficStore(undefined, { batchIntervalMs: 5, onBatch: () => delivered++ });
  exchange(store, 1);
  store.close();
  const before = delivered;
  const late = store.begin(meta());
  assert.equal(late.id, 0, 'a closed store hands out the no-op recorder');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(delivered, before);
});

test('disabled capture records nothing; enabling it again works', () => {
  const store = new TrafficStore(undefined, { enabled: false });
  const rec = store.begin(meta());
  rec.response(200, []);
  rec.end();
  assert.equal(store.size, 0);
  store.setEnabled(true);
  exchange(store, 1);
  assert.equal(store.size, 1);
  store.close();
});

test('an exchange through its life: timings, states, kinds, forwarding, trailers', () => {
  let clock = 1_000_000;
  const store = new TrafficStore(undefined, { now: () => clock });
  const rec = store.begin(meta('/api/users?x=1', { method: 'POST', project: 'shop', service: 'api', route: '/api', clientAddress: '127.0.0.1', replayOf: 3 }));
  assert.equal(store.summary(rec.id)?.state, 'pending');
  clock += 2;
  rec.forwarded('/users?x=1', ['Host', 'shop.localhost:7700', 'X-Forwarded-Proto', 'http'], 'http/1.1');
  rec.upstreamConnected('127.0.0.1:4123');
  clock += 1;
  rec.requestChunk(Buffer.from('{}'));
  rec.requestTrailers(['x-checksum', 'abc']);
  rec.requestSent();
  clock += 10;
  rec.response(201, ['Content-Type', 'application/json'], ['Content-Type', 'application/json', 'Via', '1.1 locald']);
  assert.equal(store.summary(rec.id)?.state, 'streaming');
  clock += 4;
  rec.responseChunk(Buffer.from('{"id":1}'));
  rec.responseTrailers([['x-done', 'yes']]);
  rec.end();
  rec.fail({ code: 'late', title: 'ignored', detail: 'after end' });
  const d = store.get(rec.id);
  assert.ok(d);
  assert.equal(d.state, 'complete');
  assert.equal(d.error, null);
  assert.deepEqual(d.timings, { start: 1_000_000, upstreamConnected: 2, requestSent: 3, firstByte: 13, end: 17 });
  assert.equal(d.duration, 17);
  assert.equal(d.forwardedUrl, '/users?x=1');
  assert.equal(d.upstreamProtocol, 'http/1.1');
  assert.equal(d.upstreamAddress, '127.0.0.1:4123');
  assert.deepEqual(d.requestTrailers, [['x-checksum', 'abc']]);
  assert.deepEqual(d.responseTrailers, [['x-done', 'yes']]);
  assert.deepEqual(d.forwardedResponseHeaders.at(-1), ['Via', '1.1 locald']);
  assert.equal(d.contentType, 'application/json');
  assert.equal(d.replayOf, 3);
  assert.equal(d.project, 'shop');
  assert.equal(d.route, '/api');
  assert.equal(d.requestSize, 2);
  assert.equal(d.responseSize, 8);
  store.close();
});

test('fail() keeps the error, the status and the service log lines; abort() marks the client leaving', () => {
  const store = new TrafficStore(undefined, { maxLogLines: 2 });
  const lines: LogLine[] = [1, 2, 3].map((seq) => ({ seq, time: seq, project: 'shop', service: 'api', stream: 'stderr', text: `line ${seq}` }));
  const failed = store.begin(meta());
  failed.fail({ code: 'service_crashed', title: "Service 'api' crashed", detail: 'exited with code 3' }, lines, 502);
  const d = store.get(failed.id);
  assert.equal(d?.state, 'error');
  assert.equal(d?.status, 502);
  assert.deepEqual(d?.error, { code: 'service_crashed', title: "Service 'api' crashed", detail: 'exited with code 3' });
  assert.deepEqual(
    d?.logLines.map((l) => l.text),
    ['line 2', 'line 3'],
  );
  const aborted = store.begin(meta());
  aborted.abort('socket hang up');
  assert.equal(store.summary(aborted.id)?.state, 'aborted');
  assert.equal(store.summary(aborted.id)?.error?.code, 'client_aborted');
  assert.equal(store.summary(aborted.id)?.error?.detail, 'socket hang up');
  store.close();
});

test('kinds: SSE and WebSocket are recognised from the response', () => {
  const store = new TrafficStore();
  const sse = store.begin(meta('/events'));
  sse.response(200, ['Content-Type', 'text/event-stream; charset=utf-8']);
  sse.responseChunk(Buffer.from('data: a\n\ndata: b\n'));
  sse.responseChunk(Buffer.from('\n'));
  sse.end();
  assert.equal(store.summary(sse.id)?.kind, 'sse');
  assert.deepEqual(
    store.get(sse.id)?.sseEvents.map((e) => e.data),
    ['a', 'b'],
  );
  const ws = store.begin(meta('/ws', { requestHeaders: ['Connection', 'Upgrade', 'Upgrade', 'websocket'] }));
  ws.response(101, ['Upgrade', 'websocket']);
  ws.websocketFrameBytes('server', Buffer.from([0x81, 0x02, 0x68, 0x69]));
  assert.equal(store.summary(ws.id)?.kind, 'websocket');
  assert.equal(Buffer.from(store.get(ws.id)?.websocketMessages[0]?.payload ?? '', 'base64').toString(), 'hi');
  assert.equal(store.summary(ws.id)?.responseSize, 4);
  store.close();
});

test('messages per exchange are bounded: the oldest go, the count goes on', () => {
  const store = new TrafficStore(undefined, { maxMessagesPerExchange: 10 });
  const ws = store.begin(meta('/ws', { kind: 'websocket' }));
  ws.response(101, []);
  for (let i = 0; i < 25; i++) ws.websocketFrameBytes('server', Buffer.from([0x81, 0x01, 0x30 + (i % 10)]));
  const d = store.get(ws.id);
  assert.ok((d?.websocketMessages.length ?? 0) <= 10);
  assert.equal(d?.messageCount, 25);
  assert.equal(Buffer.from(d?.websocketMessages.at(-1)?.payload ?? '', 'base64').toString(), '4');
  // Each kept message counts its payload (1 byte here) plus its bookkeeping.
  assert.equal(capturedBytes(store), (d?.websocketMessages.length ?? 0) * (1 + MESSAGE_OVERHEAD_BYTES));
  store.close();
});

test('setLimits() applies new limits to what is already captured', () => {
  const store = new TrafficStore({ maxExchanges: 100, maxBodyBytes: KiB, maxTotalBytes: 100 * KiB });
  for (let i = 0; i < 10; i++) exchange(store, KiB);
  store.setLimits({ maxExchanges: 5, maxBodyBytes: KiB, maxTotalBytes: 6 * KiB });
  assert.ok(store.size <= 5 && store.size > 0, `${store.size} exchanges kept`);
  assert.ok(store.totalBytes <= 6 * KiB);
  assert.ok(capturedBytes(store) < store.size * KiB, 'the oldest lost their bodies');
  assert.equal(store.get(store.list().at(-1)?.id ?? -1)?.responseBody.captured, KiB, 'the newest kept its body');
  assert.deepEqual(store.getLimits(), { maxExchanges: 5, maxBodyBytes: KiB, maxTotalBytes: 6 * KiB });
  store.close();
});

test('fuzz: thousands of random recorder calls with garbage never throw, and the store stays consistent', () => {
  let seed = 1234567;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const bytes = (): Buffer => {
    const b = Buffer.alloc(Math.floor(random() * (random() < 0.1 ? 5000 : 40)));
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(random() * 256);
    return b;
  };
  const garbage = (): unknown =>
    pick([undefined, null, 0, -1, NaN, 1e300, '', 'x', {}, [], [1, 2], ['a'], [['a']], Symbol('s'), () => 1, bytes(), new Uint8Array(3), { code: 5 }, ['Content-Type', 'text/event-stream']]);
  const store = new TrafficStore({ maxExchanges: 50, maxBodyBytes: 2 * KiB, maxTotalBytes: 20 * KiB }, { batchIntervalMs: 1, onBatch: () => undefined, maxMessagesPerExchange: 20 });
  const recorders: ExchangeRecorder[] = [];
  const contentTypes = ['text/event-stream', 'application/grpc', 'application/grpc-web-text', 'text/plain', 'application/json'];
  for (let i = 0; i < 5000; i++) {
    const roll = random();
    if (recorders.length === 0 || roll < 0.08) {
      const m = random() < 0.2 ? garbage() : meta('/f', { requestHeaders: ['content-type', pick(contentTypes)], kind: pick(['http', 'websocket', 'bogus' as 'http']) });
      recorders.push(store.begin(m as BeginMeta));
      continue;
    }
    const rec = pick(recorders) as unknown as Record<string, (...args: unknown[]) => void>;
    const method = pick([
      'forwarded',
      'upstreamConnected',
      'requestSent',
      'requestChunk',
      'requestTrailers',
      'response',
      'responseChunk',
      'responseTrailers',
      'websocketFrameBytes',
      'end',
      'fail',
      'abort',
    ] as const);
    const args: unknown[] = [];
    switch (method) {
      case 'requestChunk':
      case 'responseChunk':
        args.push(random() < 0.9 ? bytes() : garbage());
        break;
      case 'response':
        args.push(random() < 0.8 ? pick([200, 101, 500]) : garbage(), random() < 0.8 ? ['Content-Type', pick(contentTypes), 'Sec-WebSocket-Extensions', 'permessage-deflate'] : garbage(), garbage());
        break;
      case 'websocketFrameBytes':
        args.push(random() < 0.8 ? pick(['client', 'server']) : garbage(), random() < 0.9 ? bytes() : garbage());
        break;
      case 'end':
        if (random() < 0.7) continue;
        break;
      default:
        args.push(garbage(), garbage(), garbage());
    }
    assert.doesNotThrow(() => rec[method]?.(...args), `${method}(${args.map((a) => typeof a).join(', ')})`);
    if (i % 500 === 0) {
      const id = pick(store.list()).id;
      assert.doesNotThrow(() => store.pin(id, random() < 0.5));
    }
  }
  assert.ok(store.size <= 50 || store.list().filter((s) => s.pinned).length > 0);
  assert.ok(store.totalBytes <= 20 * KiB);
  assert.equal(store.totalBytes, retainedBytes(store), 'the total matches what exchanges hold');
  for (const s of store.list()) {
    const d = store.get(s.id);
    assert.ok(d);
    assert.ok(d.requestBody.captured <= 2 * KiB && d.responseBody.captured <= 2 * KiB);
    assert.ok(store.body(s.id, 'request', true));
    assert.ok(store.body(s.id, 'response', true));
  }
  const har = store.toHar();
  assert.equal(har.log.entries.length, store.size);
  JSON.stringify(har);
  store.close();
});
