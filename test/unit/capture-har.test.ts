import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { fromHar, harTimings } from '../../engine/capture/har.js';
import { TrafficStore } from '../../engine/capture/store.js';
import type { Har, HarEntry } from '../../shared/har.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The fields HAR 1.2 requires, checked on every entry (http://www.softwareishard.com/blog/har-12-spec/). */
function assertHar12(har: unknown): void {
  assert.ok(isObject(har) && isObject(har.log), 'log');
  const log = har.log as Record<string, unknown>;
  assert.equal(log.version, '1.2');
  assert.ok(isObject(log.creator) && typeof log.creator.name === 'string' && typeof log.creator.version === 'string');
  assert.ok(Array.isArray(log.entries));
  const nameValues = (list: unknown, where: string): void => {
    assert.ok(Array.isArray(list), where);
    for (const item of list) assert.ok(isObject(item) && typeof item.name === 'string' && typeof item.value === 'string', `${where} item`);
  };
  for (const [i, e] of (log.entries as unknown[]).entries()) {
    const at = `entries[${i}]`;
    assert.ok(isObject(e), at);
    assert.ok(typeof e.startedDateTime === 'string' && !Number.isNaN(Date.parse(e.startedDateTime)) && e.startedDateTime.endsWith('Z'), `${at}.startedDateTime`);
    assert.ok(typeof e.time === 'number' && e.time >= 0, `${at}.time`);
    assert.ok(isObject(e.cache), `${at}.cache`);
    const req = e.request;
    assert.ok(isObject(req), `${at}.request`);
    assert.equal(typeof req.method, 'string');
    assert.ok(typeof req.url === 'string' && new URL(req.url).host !== '', `${at}.request.url absolute`);
    assert.equal(typeof req.httpVersion, 'string');
    assert.ok(Array.isArray(req.cookies), `${at}.request.cookies`);
    nameValues(req.headers, `${at}.request.headers`);
    nameValues(req.queryString, `${at}.request.queryString`);
    assert.equal(req.headersSize, -1);
    assert.equal(typeof req.bodySize, 'number');
    if (req.postData !== undefined) {
      assert.ok(isObject(req.postData) && typeof req.postData.mimeType === 'string' && typeof req.postData.text === 'string', `${at}.request.postData`);
    }
    const res = e.response;
    assert.ok(isObject(res), `${at}.response`);
    assert.equal(typeof res.status, 'number');
    assert.equal(typeof res.statusText, 'string');
    assert.equal(typeof res.httpVersion, 'string');
    assert.ok(Array.isArray(res.cookies));
    nameValues(res.headers, `${at}.response.headers`);
    assert.ok(isObject(res.content) && typeof res.content.size === 'number' && typeof res.content.mimeType === 'string', `${at}.response.content`);
    assert.equal(typeof res.redirectURL, 'string');
    assert.equal(res.headersSize, -1);
    assert.equal(typeof res.bodySize, 'number');
    const t = e.timings;
    assert.ok(isObject(t), `${at}.timings`);
    for (const k of ['send', 'wait', 'receive']) assert.ok(typeof t[k] === 'number' && t[k] >= 0, `${at}.timings.${k}`);
    for (const k of ['blocked', 'dns', 'connect', 'ssl']) assert.ok(t[k] === undefined || (typeof t[k] === 'number' && (t[k] >= 0 || t[k] === -1)), `${at}.timings.${k}`);
    // `time` is the sum of the applicable timings (ssl is included in connect).
    const sum = ['blocked', 'dns', 'connect', 'send', 'wait', 'receive'].map((k) => t[k] as number | undefined).reduce<number>((n, v) => n + (v !== undefined && v > 0 ? v : 0), 0);
    assert.ok(Math.abs(sum - (e.time as number)) < 1e-6, `${at}: timings sum ${sum} != time ${e.time}`);
  }
}

/** Captures a mix of exchanges with a controllable clock. */
function sampleStore(): { store: TrafficStore; ids: Record<string, number> } {
  let clock = Date.UTC(2025, 0, 2, 3, 4, 5, 600) + 0.25;
  const store = new TrafficStore(undefined, { now: () => clock, version: '9.9.9' });
  const ids: Record<string, number> = {};

  const json = store.begin({
    clientProtocol: 'http/1.1',
    method: 'POST',
    host: 'shop.localhost:7700',
    url: '/api/users?page=2&q=a%20b',
    requestHeaders: ['Host', 'shop.localhost:7700', 'Content-Type', 'application/json', 'Cookie', 'sid=abc; theme=dark'],
    project: 'shop',
    service: 'api',
    route: '/api',
  });
  ids.json = json.id;
  json.forwarded('/users?page=2&q=a%20b', ['Host', 'shop.localhost:7700', 'X-Forwarded-Proto', 'http'], 'http/1.1');
  clock += 1.5;
  json.upstreamConnected('127.0.0.1:4123');
  json.requestChunk(Buffer.from('{"name":"Ada"}'));
  clock += 0.75;
  json.requestSent();
  clock += 12.125;
  const body = zlib.gzipSync(Buffer.from(JSON.stringify({ id: 7, name: 'Ada' })));
  json.response(201, ['Content-Type', 'application/json', 'Content-Encoding', 'gzip', 'Set-Cookie', 'sid=def; Path=/; HttpOnly; SameSite=Lax; Expires=Wed, 21 Oct 2037 07:28:00 GMT'], ['Content-Type', 'application/json', 'Content-Encoding', 'gzip', 'Set-Cookie', 'sid=def; Path=/; HttpOnly; SameSite=Lax; Expires=Wed, 21 Oct 2037 07:28:00 GMT', 'Via', '1.1 locald-x']);
  clock += 3;
  json.responseChunk(body);
  json.end();

  const png = store.begin({ clientProtocol: 'h2', method: 'GET', host: 'shop.localhost:7700', url: '/logo.png', requestHeaders: [[':method', 'GET'], [':path', '/logo.png']] });
  ids.png = png.id;
  png.forwarded('/logo.png', [], 'http/1.1');
  png.upstreamConnected('[::1]:5000');
  png.requestSent();
  clock += 2;
  png.response(200, ['content-type', 'image/png']);
  png.responseChunk(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]));
  clock += 1;
  png.end();

  const redirect = store.begin({ clientProtocol: 'http/1.1', method: 'GET', host: 'shop.localhost:7700', url: '/old', requestHeaders: [] });
  ids.redirect = redirect.id;
  redirect.response(302, ['Location', '/new']);
  redirect.end();

  const replay = store.begin({ clientProtocol: 'http/1.1', method: 'GET', host: 'shop.localhost:7700', url: '/old', requestHeaders: [], replayOf: redirect.id });
  ids.replay = replay.id;
  replay.fail({ code: 'connection_refused', title: "Service 'web' is not listening", detail: 'nothing on port 5173' }, [{ seq: 1, time: clock, project: 'shop', service: 'web', stream: 'stderr', text: 'Error: boom' }], 502);

  const ws = store.begin({ kind: 'websocket', clientProtocol: 'http/1.1', method: 'GET', host: 'chat.shop.localhost:7700', url: '/socket', requestHeaders: ['Upgrade', 'websocket', 'Connection', 'Upgrade'] });
  ids.ws = ws.id;
  ws.response(101, ['Upgrade', 'websocket']);
  const mask = [1, 2, 3, 4];
  const hello = Buffer.from('hello');
  ws.websocketFrameBytes('client', Buffer.from([0x81, 0x85, ...mask, ...hello.map((b, i) => b ^ (mask[i % 4] as number))]));
  clock += 5;
  ws.websocketFrameBytes('server', Buffer.from([0x82, 0x03, 0x00, 0x01, 0xfe]));
  ws.end();

  const sse = store.begin({ clientProtocol: 'http/1.1', method: 'GET', host: 'shop.localhost:7700', url: '/events', requestHeaders: [] });
  ids.sse = sse.id;
  sse.response(200, ['Content-Type', 'text/event-stream']);
  sse.responseChunk(Buffer.from('event: tick\ndata: 1\n\n'));
  // Still streaming when exported.

  return { store, ids };
}

function entryFor(har: Har, id: number): HarEntry {
  const e = har.log.entries.find((x) => x._locald?.id === id);
  assert.ok(e, `entry for ${id}`);
  return e;
}

test('HAR export: every entry has the HAR 1.2 required fields and timings that sum to time', () => {
  const { store, ids } = sampleStore();
  const har = store.toHar();
  assertHar12(har);
  assertHar12(JSON.parse(JSON.stringify(har)));
  assert.equal(har.log.entries.length, 6);
  assert.deepEqual(har.log.creator, { name: 'locald', version: '9.9.9' });

  const json = entryFor(har, ids.json as number);
  assert.equal(json.startedDateTime, '2025-01-02T03:04:05.600Z');
  assert.equal(json.request.url, 'http://shop.localhost:7700/api/users?page=2&q=a%20b');
  assert.equal(json.request.httpVersion, 'HTTP/1.1');
  assert.deepEqual(json.request.queryString, [
    { name: 'page', value: '2' },
    { name: 'q', value: 'a b' },
  ]);
  assert.deepEqual(json.request.cookies, [
    { name: 'sid', value: 'abc' },
    { name: 'theme', value: 'dark' },
  ]);
  assert.deepEqual(json.request.postData, { mimeType: 'application/json', text: '{"name":"Ada"}' });
  assert.equal(json.request.bodySize, 14);
  assert.equal(json.response.status, 201);
  assert.equal(json.response.statusText, 'Created');
  assert.equal(json.response.content.text, '{"id":7,"name":"Ada"}', 'the body is decoded from gzip');
  assert.equal(json.response.content.size, 21);
  assert.equal(json.response.content.encoding, undefined);
  assert.ok(json.response.bodySize > 0);
  assert.deepEqual(json.response.cookies, [{ name: 'sid', value: 'def', path: '/', httpOnly: true, sameSite: 'Lax', expires: '2037-10-21T07:28:00.000Z' }]);
  assert.ok(json.response.headers.some((h) => h.name === 'Via'), 'response headers are the ones the client got');
  assert.deepEqual(json.timings, { blocked: 0, dns: -1, connect: 1.5, send: 0.75, wait: 12.125, receive: 3, ssl: -1 });
  assert.equal(json.time, 17.375);
  assert.equal(json.serverIPAddress, '127.0.0.1');
  assert.deepEqual(
    { project: json._locald?.project, service: json._locald?.service, route: json._locald?.route, kind: json._locald?.kind, error: json._locald?.error },
    { project: 'shop', service: 'api', route: '/api', kind: 'http', error: null },
  );

  const png = entryFor(har, ids.png as number);
  assert.equal(png.request.url, 'https://shop.localhost:7700/logo.png', 'h2 is TLS');
  assert.equal(png.request.httpVersion, 'HTTP/2');
  assert.equal(png.response.content.encoding, 'base64');
  assert.ok(Buffer.from(png.response.content.text ?? '', 'base64').equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff])));
  assert.equal(png.serverIPAddress, '::1');

  assert.equal(entryFor(har, ids.redirect as number).response.redirectURL, '/new');
  const replay = entryFor(har, ids.replay as number);
  assert.equal(replay._locald?.replayOf, ids.redirect);
  assert.equal(replay._locald?.error?.code, 'connection_refused');
  assert.equal(replay.response.status, 502);
  assert.equal(replay._locald?.logLines?.[0]?.text, 'Error: boom');

  const ws = entryFor(har, ids.ws as number);
  assert.equal(ws.request.url, 'ws://chat.shop.localhost:7700/socket');
  assert.equal(ws._resourceType, 'websocket');
  assert.deepEqual(
    ws._webSocketMessages?.map((m) => ({ type: m.type, opcode: m.opcode, data: m.data })),
    [
      { type: 'send', opcode: 1, data: 'hello' },
      { type: 'receive', opcode: 2, data: Buffer.from([0x00, 0x01, 0xfe]).toString('base64') },
    ],
  );
  assert.ok(Math.abs((ws._webSocketMessages?.[1]?.time ?? 0) * 1000 - (Date.UTC(2025, 0, 2, 3, 4, 5, 600) + 0.25 + 25.375)) < 1, 'time in seconds');

  const sse = entryFor(har, ids.sse as number);
  assert.equal(sse._locald?.kind, 'sse');
  assert.equal(sse._locald?.state, 'streaming');
  assert.equal(sse._locald?.sseEvents?.[0]?.event, 'tick');

  assert.deepEqual(
    store.toHar([ids.png as number, 424242]).log.entries.map((e) => e._locald?.id),
    [ids.png],
  );
  store.close();
});

test('HAR timings: missing points are clamped so the parts stay non-negative and sum to time', () => {
  const cases = [
    { start: 0, upstreamConnected: null, requestSent: null, firstByte: null, end: null },
    { start: 0, upstreamConnected: 5, requestSent: 3, firstByte: 10, end: 9 },
    { start: 0, upstreamConnected: null, requestSent: null, firstByte: null, end: 7.123 },
    { start: 0, upstreamConnected: 0.1, requestSent: 0.2, firstByte: 0.3, end: 0.7 },
  ];
  for (const t of cases) {
    const { time, timings } = harTimings(t);
    for (const k of ['connect', 'send', 'wait', 'receive'] as const) assert.ok((timings[k] ?? 0) >= 0, `${k} in ${JSON.stringify(t)}`);
    const sum = (timings.blocked ?? 0) + (timings.connect ?? 0) + timings.send + timings.wait + timings.receive;
    assert.ok(Math.abs(sum - time) < 1e-9, JSON.stringify({ t, timings, time }));
  }
  assert.equal(harTimings(cases[2] as (typeof cases)[number]).time, 7.123);
});

test('HAR round trip: export, import into a fresh store, export again gives the same entries', () => {
  const { store } = sampleStore();
  const har = JSON.parse(JSON.stringify(store.toHar())) as Har;
  const target = new TrafficStore(undefined, { version: '9.9.9' });
  exchange(target);
  const { imported, issues } = target.importHar(har);
  assert.deepEqual(issues, []);
  assert.equal(imported.length, 6);
  const byUrl = new Map(imported.map((s) => [`${s.method} ${s.url} ${s.kind} ${s.replayOf === null ? '' : 'replay'}`, s]));
  const json = [...byUrl.values()].find((s) => s.url === '/api/users?page=2&q=a%20b');
  assert.ok(json);
  assert.equal(json.project, 'shop');
  assert.equal(json.status, 201);
  // The imported body is the decoded content; it is not decoded twice.
  const body = target.body(json.id, 'response', true);
  assert.equal(Buffer.from(body?.base64 ?? '', 'base64').toString(), '{"id":7,"name":"Ada"}');
  assert.equal(body?.decodeError, null);
  // Replay links point at the new ids.
  const replay = imported.find((s) => s.replayOf !== null);
  const original = imported.find((s) => s.url === '/old' && s.replayOf === null);
  assert.equal(replay?.replayOf, original?.id);
  assert.equal(target.get(replay?.id ?? -1)?.error?.code, 'connection_refused');
  assert.deepEqual(
    target.get(imported.find((s) => s.kind === 'websocket')?.id ?? -1)?.websocketMessages.map((m) => [m.direction, m.opcode, Buffer.from(m.payload, 'base64').toString('hex')]),
    [
      ['client', 1, Buffer.from('hello').toString('hex')],
      ['server', 2, '0001fe'],
    ],
  );
  // Export again: same requests, responses, timings and locald fields (ids aside).
  const again = target.toHar(imported.map((s) => s.id));
  assertHar12(again);
  const strip = (e: HarEntry): unknown => {
    const copy = JSON.parse(JSON.stringify(e)) as HarEntry;
    if (copy._locald !== undefined) {
      delete copy._locald.id;
      delete (copy._locald as { replayOf?: unknown }).replayOf;
    }
    // The first export measured the wire size of the gzip body; a HAR cannot carry the encoded bytes.
    delete copy.response.content.compression;
    return copy;
  };
  assert.deepEqual(again.log.entries.map(strip), har.log.entries.map(strip));
  store.close();
  target.close();
});

function exchange(store: TrafficStore): void {
  const r = store.begin({ clientProtocol: 'http/1.1', method: 'GET', host: 'x.localhost', url: '/', requestHeaders: [] });
  r.response(204, []);
  r.end();
}

test('HAR import: entries from other tools, and bad entries reported with their path, never thrown', () => {
  const foreign = {
    log: {
      version: '1.2',
      creator: { name: 'WebInspector', version: '537.36' },
      entries: [
        {
          startedDateTime: '2024-05-01T10:00:00.000+02:00',
          time: 30,
          request: {
            method: 'GET',
            url: 'https://example.localhost/data?x=1',
            httpVersion: 'h2',
            headers: [{ name: 'accept', value: 'application/json' }],
            queryString: [],
            cookies: [],
            headersSize: -1,
            bodySize: 0,
          },
          response: {
            status: 200,
            statusText: '',
            httpVersion: 'h2',
            headers: [{ name: 'content-type', value: 'application/json' }],
            cookies: [],
            content: { size: 2, mimeType: 'application/json', text: 'e30=', encoding: 'base64' },
            redirectURL: '',
            headersSize: -1,
            bodySize: 2,
          },
          cache: {},
          timings: { blocked: 1, dns: -1, ssl: 2, connect: 5, send: 1, wait: 20, receive: 3 },
        },
        'not an entry',
        { request: { method: 'GET', url: '/relative' }, response: { status: 200 } },
        { request: { method: 'GET', url: 'http://a.localhost/' } },
        { request: { url: 'http://a.localhost/' }, response: { status: 200 } },
        {
          startedDateTime: 'yesterday',
          request: { method: 'PUT', url: 'http://a.localhost/x', headers: [{ name: 'ok', value: 'y' }, { name: 5 }], postData: { mimeType: 'text/plain', text: 'hi' } },
          response: { status: '200', content: 'nope' },
        },
      ],
    },
  };
  const { entries, issues } = fromHar(foreign);
  assert.equal(entries.length, 2);
  const first = entries[0]?.detail;
  assert.equal(first?.host, 'example.localhost');
  assert.equal(first?.url, '/data?x=1');
  assert.equal(first?.clientProtocol, 'h2');
  assert.equal(first?.start, Date.parse('2024-05-01T08:00:00.000Z'));
  assert.deepEqual(first?.timings, { start: first?.start, upstreamConnected: 6, requestSent: 7, firstByte: 27, end: 30 });
  assert.equal(entries[0]?.responseBody?.toString(), '{}');
  const second = entries[1]?.detail;
  assert.equal(second?.method, 'PUT');
  assert.equal(second?.start, 0);
  assert.equal(second?.status, null);
  assert.deepEqual(second?.requestHeaders, [['ok', 'y']]);
  assert.equal(entries[1]?.requestBody?.toString(), 'hi');
  const paths = issues.map((i) => i.path);
  for (const p of [
    'log.entries[1]',
    'log.entries[2].request.url',
    'log.entries[3].response',
    'log.entries[4].request.method',
    'log.entries[5].startedDateTime',
    'log.entries[5].request.headers[1]',
    'log.entries[5].response.status',
    'log.entries[5].response.content',
    'log.entries[5].timings',
  ]) {
    assert.ok(paths.includes(p), `expected an issue at ${p}; got ${paths.join(', ')}`);
  }
  for (const i of issues) assert.ok(i.message.length > 0);

  for (const bad of [null, 42, 'har', {}, { log: {} }, { log: { entries: 'x' } }, [], { log: { entries: [null, [], 7] } }]) {
    const result = fromHar(bad);
    assert.equal(result.entries.length, 0);
    assert.ok(result.issues.length > 0, JSON.stringify(bad));
  }

  // The store imports what it can and reports the rest.
  const store = new TrafficStore();
  const out = store.importHar(foreign);
  assert.equal(out.imported.length, 2);
  assert.equal(Buffer.from(store.body(out.imported[0]?.id ?? -1, 'response')?.base64 ?? '', 'base64').toString(), '{}');
  assert.ok(out.issues.length >= 9);
  store.close();
});
