import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExchangeDetail } from '../../shared/traffic.js';
import { buildReplayRequest } from '../../engine/capture/replay.js';
import { headerValueProblem, parseReplayEdits, targetProblem } from '../../engine/capture/replay-validate.js';

function exchange(over: Partial<ExchangeDetail> = {}): ExchangeDetail {
  const body = { size: 5, captured: 5, truncated: false, dropped: false };
  return {
    id: 1, replayOf: null, project: 'shop', service: 'api', route: '/api', kind: 'http', clientProtocol: 'http/1.1',
    upstreamProtocol: 'http/1.1', method: 'POST', host: 'shop.localhost:7700', url: '/api/echo?x=1', forwardedUrl: '/echo?x=1',
    status: 200, state: 'complete', start: 0, duration: 1, requestSize: 5, responseSize: 2, messageCount: 0, error: null,
    pinned: false, contentType: 'application/json',
    requestHeaders: [['Host', 'shop.localhost:7700'], ['Content-Type', 'text/plain'], ['Content-Length', '5'], ['Connection', 'keep-alive'], ['X-Trace', 'a']],
    forwardedRequestHeaders: [], responseHeaders: [], forwardedResponseHeaders: [], requestTrailers: [], responseTrailers: [],
    timings: { start: 0, upstreamConnected: null, requestSent: null, firstByte: null, end: null },
    requestBody: body, responseBody: body, websocketMessages: [], sseEvents: [], grpcFrames: [], logLines: [],
    upstreamAddress: null, clientAddress: null,
    ...over,
  };
}
const captured = { bytes: Buffer.from('hello'), truncated: false };

test('an unchanged replay keeps method, target, headers and body, and recomputes framing', () => {
  const r = buildReplayRequest(exchange(), captured, {});
  assert.ok(!('error' in r));
  assert.equal(r.method, 'POST');
  assert.equal(r.path, '/api/echo?x=1');
  assert.deepEqual(r.headers, [['Host', 'shop.localhost:7700'], ['Content-Type', 'text/plain'], ['X-Trace', 'a'], ['Content-Length', '5']]);
  assert.equal(r.body.toString(), 'hello');
});

test('edits: method, absolute URL (which sets Host), headers, and a body whose Content-Length is fixed', () => {
  const r = buildReplayRequest(exchange(), captured, {
    method: 'put',
    url: 'http://api.shop.localhost:7700/echo?y=2',
    headers: [['Host', 'ignored'], ['X-Edited', 'yes'], ['Content-Length', '999']],
    body: Buffer.from('longer body').toString('base64'),
  });
  assert.ok(!('error' in r));
  assert.equal(r.method, 'PUT');
  assert.equal(r.path, '/echo?y=2');
  assert.deepEqual(r.headers, [['Host', 'api.shop.localhost:7700'], ['X-Edited', 'yes'], ['Content-Length', '11']]);
});

test('HTTP/2 captures: pseudo-headers are dropped and :authority becomes Host', () => {
  const r = buildReplayRequest(
    exchange({ method: 'GET', requestHeaders: [[':method', 'GET'], [':authority', 'shop.localhost:7700'], [':path', '/x'], ['accept', '*/*']] }),
    { bytes: Buffer.alloc(0), truncated: false },
    {},
  );
  assert.ok(!('error' in r));
  assert.deepEqual(r.headers, [['Host', 'shop.localhost:7700'], ['accept', '*/*']]);
});

test('what cannot be replayed faithfully is refused with a reason', () => {
  const cases: [Parameters<typeof buildReplayRequest>, RegExp][] = [
    [[exchange(), { bytes: Buffer.from('hel'), truncated: true }, {}], /cut at 3 bytes; paste the whole body/],
    [[exchange({ kind: 'websocket' }), captured, {}], /WebSocket connection cannot be replayed/],
    [[exchange(), captured, { method: 'GE T' }], /not a valid HTTP method/],
    [[exchange(), captured, { url: 'shop.localhost/x' }], /must be absolute .* or start with '\/'/],
    [[exchange(), captured, { headers: [['Bad Name', 'x']] }], /not a valid header name/],
    [[exchange(), captured, { headers: [['X-A', 'a\r\nInjected: 1']] }], /^headers\[0\]\.value: contains CR\/LF$/],
    [[exchange({ requestBody: { size: 5, captured: 0, truncated: false, dropped: true } }), null, {}], /no longer stored/],
  ];
  for (const [args, message] of cases) {
    const r = buildReplayRequest(...args);
    assert.ok('error' in r, String(message));
    assert.match(r.error, message);
  }
});

test('every refusal names its field, before anything is sent', () => {
  const h2 = exchange({ method: 'GET', requestHeaders: [[':method', 'GET'], [':authority', 'shop.localhost:7700'], [':path', '/x'], ['accept', '*/*']] });
  const cases: [Parameters<typeof buildReplayRequest>, string, RegExp][] = [
    // An edited :authority is a Host: a CR/LF in it is a split request, not an internal error.
    [[h2, captured, { headers: [[':method', 'GET'], [':authority', 'shop.localhost\r\nX-Evil: 1'], ['accept', '*/*']] }], 'headers[1].value', /^headers\[1\]\.value: contains CR\/LF$/],
    [[exchange(), captured, { headers: [['X-A', 'ok'], ['X-B', 'a\u0001b']] }], 'headers[1].value', /control character 0x01/],
    [[exchange(), captured, { headers: [['X-A', '日本']] }], 'headers[0].value', /U\+65E5/],
    [[exchange(), captured, { headers: [['X-A', 'a'], ['Bad Name', 'x']] }], 'headers[1].name', /^headers\[1\]\.name: 'Bad Name' is not a valid header name$/],
    [[exchange(), captured, { headers: [['Host', 'shop.localhost'], ['host', 'other.localhost']] }], 'headers', /^headers: two Host headers/],
    [[h2, captured, { headers: [[':authority', 'shop.localhost'], ['Host', 'other.localhost']] }], 'headers', /two Host headers/],
    [[exchange(), captured, { url: 'http://locald.localhost:7700/api/ws' }], 'url', /^url: targets the locald dashboard/],
    [[exchange(), captured, { headers: [['X-A', 'a'], ['Host', 'locald.localhost:7700']] }], 'headers[1].value', /^headers\[1\]\.value: targets the locald dashboard/],
    [[exchange(), captured, { headers: [['Host', 'bad host!']] }], 'headers[0].value', /not a valid DNS label/],
    [[exchange(), captured, { url: '/caf\u00e9' }], 'url', /^url: contains 'é'; percent-encode/],
    [[exchange(), captured, { url: '/a b' }], 'url', /must not contain spaces/],
    [[exchange(), captured, { method: 'GE T' }], 'method', /^method: /],
    [[exchange(), { bytes: Buffer.from('hel'), truncated: true }, {}], 'body', /^body: /],
  ];
  for (const [args, field, message] of cases) {
    const r = buildReplayRequest(...args);
    assert.ok('error' in r, `${field}: accepted`);
    assert.equal(r.field, field, r.error);
    assert.match(r.error, message);
  }
  // An :authority and a Host that agree are one Host (RFC 9113 §8.3.1), in either order.
  for (const headers of [
    [[':authority', 'shop.localhost'], ['host', 'shop.localhost']],
    [['host', 'shop.localhost'], [':authority', 'shop.localhost']],
  ] as [string, string][][]) {
    const r = buildReplayRequest(h2, captured, { headers });
    assert.ok(!('error' in r), JSON.stringify(r));
    assert.equal(r.headers.filter(([n]) => n.toLowerCase() === 'host').length, 1);
  }
  // A foreign or unknown host is fine: the proxy answers it with a 404 that is captured.
  assert.ok(!('error' in buildReplayRequest(exchange(), captured, { url: 'http://nope.localhost:7700/' })));
  assert.ok(!('error' in buildReplayRequest(exchange(), captured, { headers: [['Host', 'example.com']] })));
});

test('the header value and target checks', () => {
  assert.equal(headerValueProblem('text/html; q=0.9\tcaf\u00e9'), null);
  assert.equal(headerValueProblem('a\rb'), 'contains CR/LF');
  assert.equal(headerValueProblem('a\nb'), 'contains CR/LF');
  assert.equal(headerValueProblem('a\0b'), 'contains the control character 0x00');
  assert.equal(headerValueProblem('a\u007fb'), 'contains the control character 0x7F');
  assert.equal(targetProblem('/a/%20b?x=%C3%A9'), null);
  assert.match(targetProblem('/a\tb') ?? '', /spaces or line breaks/);
});

test('the edits from the engine API are checked for shape, field by field', () => {
  assert.deepEqual(parseReplayEdits(undefined), {});
  const edits = { method: 'GET', url: '/x', headers: [['A', 'b']], body: 'aGk=' };
  assert.deepEqual(parseReplayEdits(edits), edits);
  const cases: [unknown, string][] = [
    ['GET', 'edits'],
    [null, 'edits'],
    [{ method: 5 }, 'method'],
    [{ url: ['/x'] }, 'url'],
    [{ headers: 'Host: x' }, 'headers'],
    [{ headers: [['A', 'b'], ['C']] }, 'headers[1]'],
    [{ headers: [['A', 1]] }, 'headers[0]'],
    [{ body: 'not base64!' }, 'body'],
  ];
  for (const [input, field] of cases) {
    const r = parseReplayEdits(input);
    assert.ok('field' in r && r.field === field, `${JSON.stringify(input)} → ${JSON.stringify(r)}`);
  }
});
