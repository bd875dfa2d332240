import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExchangeDetail } from '../../shared/traffic.js';
import { buildReplayRequest } from '../../engine/capture/replay.js';

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
    [[exchange(), captured, { headers: [['X-A', 'a\r\nInjected: 1']] }], /contains a line break/],
    [[exchange({ requestBody: { size: 5, captured: 0, truncated: false, dropped: true } }), null, {}], /no longer stored/],
  ];
  for (const [args, message] of cases) {
    const r = buildReplayRequest(...args);
    assert.ok('error' in r, String(message));
    assert.match(r.error, message);
  }
});
