// Pure header translation for HTTP/2, ALPN choice, and h2c Upgrade offers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { h2HeadersToRaw, h2ResponseHeaders, joinCookies, parseH2Request, rawToH2Headers, relayableH2Headers } from '../../engine/proxy/headers/http2-headers.js';
import { bodyFraming, h2cRequestHeaders, http1RequestHeaders } from '../../engine/proxy/headers/request-headers.js';
import { chooseAlpn, http1OnlyServername } from '../../engine/proxy/listen/tls-listener.js';
import { headWithoutH2cOffer, isH2cUpgrade } from '../../engine/proxy/listen/h2c-upgrade.js';

const info = { clientIp: '127.0.0.1', proto: 'https' as const, viaToken: 'locald-abc' };

describe('parseH2Request', () => {
  it('splits pseudo-headers from fields; :authority wins over Host', () => {
    const head = parseH2Request([':method', 'POST', ':path', '/a?b', ':scheme', 'https', ':authority', 'shop.localhost:1', 'host', 'other', 'x-a', '1']);
    assert.equal(head.method, 'POST');
    assert.equal(head.path, '/a?b');
    assert.equal(head.authority, 'shop.localhost:1');
    assert.deepEqual(head.fields, ['x-a', '1']);
  });
  it('falls back to Host when there is no :authority', () => {
    assert.equal(parseH2Request([':method', 'GET', ':path', '/', 'host', 'h.localhost']).authority, 'h.localhost');
  });
  it('keeps :protocol for extended CONNECT', () => {
    assert.equal(parseH2Request([':method', 'CONNECT', ':protocol', 'websocket']).protocol, 'websocket');
  });
});

describe('joinCookies', () => {
  it('joins split cookie fields with "; " at the first one’s position', () => {
    assert.deepEqual(joinCookies(['a', '1', 'cookie', 'x=1', 'b', '2', 'cookie', 'y=2']), ['a', '1', 'cookie', 'x=1; y=2', 'b', '2']);
  });
  it('leaves lists without cookies alone', () => {
    assert.deepEqual(joinCookies(['a', '1']), ['a', '1']);
  });
});

describe('bodyFraming and http1RequestHeaders', () => {
  it('a body without length is chunked; a declared length is kept; no body is none', () => {
    assert.equal(bodyFraming([], false), 'chunked');
    assert.equal(bodyFraming(['content-length', '3'], false), 'length');
    assert.equal(bodyFraming([], true), 'none');
  });
  it('builds Host from :authority, adds framing and forwarding headers, strips hop-by-hop', () => {
    const head = parseH2Request([':method', 'POST', ':path', '/', ':authority', 'shop.localhost:7', 'te', 'trailers', 'cookie', 'a=1', 'cookie', 'b=2']);
    const raw = http1RequestHeaders(head, false, info);
    const get = (n: string): string[] => raw.flatMap((v, i) => (i % 2 === 0 && v.toLowerCase() === n ? [raw[i + 1] as string] : []));
    assert.deepEqual(get('host'), ['shop.localhost:7']);
    assert.deepEqual(get('cookie'), ['a=1; b=2']);
    assert.deepEqual(get('transfer-encoding'), ['chunked']);
    assert.deepEqual(get('te'), ['trailers']);
    assert.deepEqual(get('x-forwarded-proto'), ['https']);
  });
  it("never passes locald's replay marker on, to an HTTP/1.1 or an h2c service", () => {
    const head = parseH2Request([':method', 'GET', ':path', '/', ':authority', 'a', 'x-locald-replay-of', '12', 'x-keep', '1']);
    const raw = http1RequestHeaders(head, true, info);
    assert.ok(!raw.some((v, i) => i % 2 === 0 && v.toLowerCase() === 'x-locald-replay-of'));
    assert.ok(raw.includes('x-keep'));
    const h2c = h2cRequestHeaders(head, '/', info);
    assert.equal(h2c['x-locald-replay-of'], undefined);
    assert.equal(h2c['x-keep'], '1');
  });
  it('an empty POST gets Content-Length: 0, an empty GET nothing', () => {
    const post = http1RequestHeaders(parseH2Request([':method', 'POST', ':path', '/', ':authority', 'a']), true, info);
    assert.ok(post.includes('content-length'));
    const get = http1RequestHeaders(parseH2Request([':method', 'GET', ':path', '/', ':authority', 'a']), true, info);
    assert.ok(!get.includes('content-length') && !get.includes('transfer-encoding'));
  });
});

describe('h2ResponseHeaders', () => {
  it('gives what rawToH2Headers and h2HeadersToRaw give, in one pass', () => {
    const cases: string[][] = [
      ['Content-Type', 'text/javascript', 'Connection', 'keep-alive', 'ETag', 'W/"1"', 'Via', '1.1 locald-x'],
      ['Set-Cookie', 'a=1', 'X-A', '1', 'set-cookie', 'b=2', 'Keep-Alive', 'timeout=5'],
      ['X-B', '2', '123', 'digits first in objects', ':status', '999'],
      [],
    ];
    for (const raw of cases) {
      const expected = rawToH2Headers(raw);
      expected[':status'] = 200;
      const { headers, sent } = h2ResponseHeaders(raw, 200);
      assert.deepEqual(headers, expected);
      assert.deepEqual(sent, h2HeadersToRaw(expected));
    }
  });
});

describe('rawToH2Headers / relayableH2Headers', () => {
  it('drops what HTTP/2 forbids and folds repeats into arrays', () => {
    const out = rawToH2Headers(['Connection', 'close', 'Keep-Alive', 't=1', 'Transfer-Encoding', 'chunked', 'Upgrade', 'x', 'Proxy-Connection', 'k', 'Set-Cookie', 'a', 'Set-Cookie', 'b', 'X-A', '1']);
    assert.deepEqual(out, { 'set-cookie': ['a', 'b'], 'x-a': '1' });
  });
  it('drops pseudo-headers from an upstream HTTP/2 response', () => {
    assert.deepEqual(relayableH2Headers({ ':status': 200, 'grpc-status': '0', connection: 'x' }), { 'grpc-status': '0' });
  });
});

describe('chooseAlpn', () => {
  it('prefers h2, keeps the dashboard on HTTP/1.1, refuses unknown protocols', () => {
    assert.equal(chooseAlpn('shop.localhost', ['h2', 'http/1.1']), 'h2');
    assert.equal(chooseAlpn('shop.localhost', ['http/1.1']), 'http/1.1');
    assert.equal(chooseAlpn('locald.localhost', ['h2', 'http/1.1']), 'http/1.1');
    assert.equal(chooseAlpn(undefined, ['h2']), 'h2');
    assert.equal(chooseAlpn('shop.localhost', ['spdy/3']), undefined);
    assert.equal(http1OnlyServername('LOCALD.localhost.'), true);
  });
  it('takes h2 from a client that sent no SNI (Node passes servername false, as for curl -k https://127.0.0.1/)', () => {
    assert.equal(chooseAlpn(false, ['h2', 'http/1.1']), 'h2');
    assert.equal(chooseAlpn(false, ['http/1.1']), 'http/1.1');
    assert.equal(http1OnlyServername(false), false);
  });
});

describe('h2c Upgrade offers', () => {
  it('recognises offers made only of h2c', () => {
    assert.equal(isH2cUpgrade(['Upgrade', 'h2c', 'Connection', 'Upgrade, HTTP2-Settings']), true);
    assert.equal(isH2cUpgrade(['Upgrade', 'websocket']), false);
    assert.equal(isH2cUpgrade(['Upgrade', 'h2c, websocket']), false);
    assert.equal(isH2cUpgrade([]), false);
  });
  it('rewrites the head without Upgrade, HTTP2-Settings and their Connection tokens', () => {
    const head = headWithoutH2cOffer('POST', '/x', '1.1', ['Host', 'a', 'Connection', 'Upgrade, HTTP2-Settings, keep-alive', 'Upgrade', 'h2c', 'HTTP2-Settings', 'AAMA', 'Content-Length', '2']);
    assert.equal(head.toString('latin1'), 'POST /x HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n');
    const noConn = headWithoutH2cOffer('GET', '/', '1.1', ['Host', 'a', 'Connection', 'Upgrade, HTTP2-Settings', 'Upgrade', 'h2c']);
    assert.equal(noConn.toString('latin1'), 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  });
});
