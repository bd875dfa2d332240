import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  addForwardingHeaders,
  appendToList,
  connectionTokens,
  forwardedElement,
  forwardedValue,
  headerValues,
  normalizeClientIp,
  responseHeadersForClient,
  setHeader,
  stripHopByHop,
  trailerPairs,
  upgradeProtocol,
  viaContains,
} from '../../engine/proxy/headers/headers.js';

describe('stripHopByHop', () => {
  it('removes the fixed hop-by-hop set, any case', () => {
    const raw = [
      'Host', 'a', 'CONNECTION', 'keep-alive', 'Keep-Alive', 'timeout=5', 'Proxy-Connection', 'x', 'Proxy-Authenticate', 'B',
      'proxy-authorization', 'C', 'Trailer', 'x', 'Transfer-Encoding', 'chunked', 'Upgrade', 'websocket', 'X-Keep', '1',
    ];
    assert.deepEqual(stripHopByHop(raw), ['Host', 'a', 'X-Keep', '1']);
  });

  it('removes headers named in Connection (all Connection headers, any case, with spaces)', () => {
    const raw = ['Connection', 'X-A ,  x-b', 'connection', 'X-C', 'X-A', '1', 'x-b', '2', 'X-C', '3', 'X-D', '4'];
    assert.deepEqual(stripHopByHop(raw), ['X-D', '4']);
  });

  it('removes a Connection-named header that comes before the Connection header', () => {
    assert.deepEqual(stripHopByHop(['X-Early', '1', 'Y', '2', 'Connection', 'close, x-early']), ['Y', '2']);
  });

  it('drops the extra names it is given, any case', () => {
    const drop = new Set(['x-locald-replay-of']);
    assert.deepEqual(stripHopByHop(['A', '1', 'X-Locald-Replay-Of', '7', 'B', '2'], { drop }), ['A', '1', 'B', '2']);
  });

  it('never lets Connection remove Content-Length', () => {
    assert.deepEqual(stripHopByHop(['Content-Length', '3', 'Connection', 'Content-Length']), ['Content-Length', '3']);
  });

  it('never lets Connection remove Host', () => {
    assert.deepEqual(stripHopByHop(['Host', 'h', 'Connection', 'host']), ['Host', 'h']);
  });

  it('keeps TE: trailers for requests, and only that', () => {
    assert.deepEqual(stripHopByHop(['TE', 'trailers, deflate', 'X', '1'], { keepTeTrailers: true }), ['X', '1', 'TE', 'trailers']);
    assert.deepEqual(stripHopByHop(['TE', 'deflate'], { keepTeTrailers: true }), []);
    assert.deepEqual(stripHopByHop(['TE', 'trailers']), []);
  });

  it('notes Content-Length, the first Content-Type and Trailer on the same pass', () => {
    const notes = { contentLength: false, contentType: undefined as string | undefined, trailer: false };
    const raw = ['content-type', 'text/event-stream', 'Content-Type', 'text/plain', 'TRAILER', 'X-Sum', 'Content-Length', '5'];
    assert.deepEqual(stripHopByHop(raw, {}, notes), ['content-type', 'text/event-stream', 'Content-Type', 'text/plain', 'Content-Length', '5']);
    assert.deepEqual(notes, { contentLength: true, contentType: 'text/event-stream', trailer: true });
  });

  it('keeps duplicates and order of everything else', () => {
    const raw = ['Set-Cookie', 'a=1', 'X-B', '2', 'Set-Cookie', 'b=2'];
    assert.deepEqual(stripHopByHop(raw), raw);
  });
});

describe('responseHeadersForClient', () => {
  it('strips hop-by-hop and folds our Via element into the service\'s', () => {
    const raw = ['Content-Type', 'text/plain', 'Connection', 'keep-alive, X-Hop', 'X-Hop', '1', 'via', '1.0 cache', 'Keep-Alive', 'timeout=5'];
    assert.deepEqual(responseHeadersForClient(raw, 'locald-ab12'), ['Content-Type', 'text/plain', 'via', '1.0 cache, 1.1 locald-ab12']);
    assert.deepEqual(responseHeadersForClient(['A', '1'], 'locald-ab12'), ['A', '1', 'Via', '1.1 locald-ab12']);
  });
});

describe('list and single-value helpers', () => {
  it('headerValues / connectionTokens / upgradeProtocol', () => {
    const raw = ['Connection', 'Upgrade, keep-alive', 'Upgrade', 'WebSocket', 'x', '1', 'X', '2'];
    assert.deepEqual(headerValues(raw, 'X'), ['1', '2']);
    assert.deepEqual([...connectionTokens(raw)], ['upgrade', 'keep-alive']);
    assert.equal(upgradeProtocol(raw), 'websocket');
    assert.equal(upgradeProtocol(['Upgrade', 'websocket']), null);
    assert.equal(upgradeProtocol(['Connection', 'upgrade']), null);
  });

  it('setHeader replaces in place and drops duplicates, or appends', () => {
    assert.deepEqual(setHeader(['A', '1', 'x-y', '2', 'B', '3', 'X-Y', '4'], 'X-Y', 'v'), ['A', '1', 'x-y', 'v', 'B', '3']);
    assert.deepEqual(setHeader(['A', '1'], 'X-Y', 'v'), ['A', '1', 'X-Y', 'v']);
  });

  it('appendToList folds repeated headers and appends', () => {
    assert.deepEqual(appendToList(['X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', ' 2.2.2.2 '], 'X-Forwarded-For', '127.0.0.1'), [
      'X-Forwarded-For',
      '1.1.1.1, 2.2.2.2, 127.0.0.1',
    ]);
    assert.deepEqual(appendToList(['X-Forwarded-For', ''], 'X-Forwarded-For', '127.0.0.1'), ['X-Forwarded-For', '127.0.0.1']);
    assert.deepEqual(appendToList([], 'Via', '1.1 a'), ['Via', '1.1 a']);
  });

  it('trailerPairs', () => {
    assert.deepEqual(trailerPairs(['A', '1', 'b', '2']), [
      ['A', '1'],
      ['b', '2'],
    ]);
  });
});

describe('forwarding headers', () => {
  it('normalizes client addresses', () => {
    assert.equal(normalizeClientIp('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(normalizeClientIp('::1'), '::1');
    assert.equal(normalizeClientIp('127.0.0.1'), '127.0.0.1');
    assert.equal(normalizeClientIp(undefined), 'unknown');
  });

  it('quotes Forwarded values that are not tokens (RFC 7239)', () => {
    assert.equal(forwardedValue('shop.localhost'), 'shop.localhost');
    assert.equal(forwardedValue('shop.localhost:7700'), '"shop.localhost:7700"');
    assert.equal(forwardedValue('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(forwardedElement('127.0.0.1', 'shop.localhost:7700', 'http'), 'for=127.0.0.1;host="shop.localhost:7700";proto=http');
    assert.equal(forwardedElement('::1', 'shop.localhost', 'https'), 'for="[::1]";host=shop.localhost;proto=https');
    assert.equal(forwardedElement('127.0.0.1', undefined, 'http'), 'for=127.0.0.1;proto=http');
  });

  it('adds X-Forwarded-*, Forwarded and Via, appending to prior values', () => {
    const out = addForwardingHeaders(
      ['Host', 'shop.localhost:7700', 'X-Forwarded-For', '203.0.113.9', 'X-Forwarded-Host', 'evil', 'X-Forwarded-Proto', 'https', 'Forwarded', 'for=203.0.113.9', 'Via', '1.0 corp'],
      { clientIp: '::1', host: 'shop.localhost:7700', proto: 'http', viaToken: 'locald-abc' },
    );
    assert.deepEqual(out, [
      'Host', 'shop.localhost:7700',
      'X-Forwarded-For', '203.0.113.9, ::1',
      'X-Forwarded-Host', 'shop.localhost:7700',
      'X-Forwarded-Proto', 'http',
      'Forwarded', 'for=203.0.113.9, for="[::1]";host="shop.localhost:7700";proto=http',
      'Via', '1.0 corp, 1.1 locald-abc',
    ]);
  });

  it('adds them when absent', () => {
    const out = addForwardingHeaders(['Host', 'a.localhost'], { clientIp: '127.0.0.1', host: 'a.localhost', proto: 'http', viaToken: 'locald-x' });
    assert.deepEqual(headerValues(out, 'x-forwarded-for'), ['127.0.0.1']);
    assert.deepEqual(headerValues(out, 'via'), ['1.1 locald-x']);
    assert.deepEqual(headerValues(out, 'forwarded'), ['for=127.0.0.1;host=a.localhost;proto=http']);
  });

  it('viaContains finds our received-by token only', () => {
    assert.equal(viaContains(['Via', '1.1 locald-abc'], 'locald-abc'), true);
    assert.equal(viaContains(['Via', '1.0 corp, 1.1 LOCALD-ABC (comment)'], 'locald-abc'), true);
    assert.equal(viaContains(['Via', '1.0 corp', 'via', 'HTTP/1.1 locald-abc'], 'locald-abc'), true);
    assert.equal(viaContains(['Via', '1.1 locald-abcd'], 'locald-abc'), false);
    assert.equal(viaContains(['Via', '1.1 other, locald-abc'], 'locald-abc'), false);
    assert.equal(viaContains(['X-Via', '1.1 locald-abc'], 'locald-abc'), false);
  });
});

it('addForwardingHeaders (one pass) equals applying appendToList/setHeader header by header', async () => {
  const { addForwardingHeaders, appendToList, setHeader, forwardedElement } = await import('../../engine/proxy/headers/headers.js');
  const names = ['X-Forwarded-For', 'x-forwarded-for', 'X-Forwarded-Host', 'X-FORWARDED-PROTO', 'Forwarded', 'Via', 'Host', 'Accept', 'X-Other'];
  const values = ['', ' 203.0.113.9 ', 'a, b', 'for=1.2.3.4', '1.0 fred', 'shop.localhost:7700', 'https'];
  let seed = 7;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 2000; round++) {
    const raw: string[] = [];
    const count = next(8);
    for (let i = 0; i < count; i++) raw.push(names[next(names.length)] as string, values[next(values.length)] as string);
    const host = next(4) === 0 ? undefined : 'shop.localhost:7700';
    const info = { clientIp: '127.0.0.1', host, proto: next(2) === 0 ? 'http' : 'https', viaToken: 'locald-x' } as const;
    let expected = appendToList([...raw], 'X-Forwarded-For', info.clientIp);
    if (info.host !== undefined) expected = setHeader(expected, 'X-Forwarded-Host', info.host);
    expected = setHeader(expected, 'X-Forwarded-Proto', info.proto);
    expected = appendToList(expected, 'Forwarded', forwardedElement(info.clientIp, info.host, info.proto));
    expected = appendToList(expected, 'Via', `1.1 ${info.viaToken}`);
    assert.deepEqual(addForwardingHeaders([...raw], info), expected, JSON.stringify({ raw, host }));
  }
});
