// The service-side HTTP/1.1 response parser and request-head writer: framing, 1xx, trailers,
// keep-alive, and the malformed responses it must refuse with a located reason. Each input
// is also fed one byte at a time, since a TCP read can end anywhere.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResponseParseError, ResponseParser, type ParsedHead } from '../../engine/proxy/upstream/h1-response-parser.js';
import { RequestHeadError, hostFor, requestHead } from '../../engine/proxy/upstream/h1-request-head.js';

interface Seen {
  info: Array<[number, string[]]>;
  head: ParsedHead | null;
  body: string;
  trailers: string[] | null;
  parser: ResponseParser;
}

function parse(wire: string, method = 'GET', split: 'whole' | 'bytes' = 'whole'): Seen {
  const seen: Seen = { info: [], head: null, body: '', trailers: null, parser: null as unknown as ResponseParser };
  const parser = new ResponseParser({
    informational: (status, raw) => seen.info.push([status, raw]),
    head: (h) => (seen.head = h),
    body: (c) => (seen.body += c.toString('latin1')),
    complete: (t) => (seen.trailers = t),
  });
  seen.parser = parser;
  parser.expect(method);
  const bytes = Buffer.from(wire, 'latin1');
  if (split === 'whole') parser.execute(bytes);
  else for (let i = 0; i < bytes.length; i++) parser.execute(bytes.subarray(i, i + 1));
  return seen;
}

function both(wire: string, method = 'GET'): Seen {
  const whole = parse(wire, method);
  const bytes = parse(wire, method, 'bytes');
  assert.deepEqual({ ...bytes, parser: null }, { ...whole, parser: null }, 'byte-at-a-time parse differs');
  return whole;
}

function refuses(wire: string, reason: RegExp, method = 'GET'): void {
  for (const split of ['whole', 'bytes'] as const) {
    assert.throws(() => parse(wire, method, split), (err: unknown) => err instanceof ResponseParseError && err.code === 'EPROTO' && reason.test(err.message), `${split}: ${JSON.stringify(wire)}`);
  }
}

describe('upstream HTTP/1.1 response parser', () => {
  it('reads a Content-Length response, its fields as sent, and keeps the connection', () => {
    const s = both('HTTP/1.1 200 OK\r\nContent-Type: text/javascript\r\nETag:  W/"1"  \r\nContent-Length: 5\r\n\r\nhello');
    assert.equal(s.head?.status, 200);
    assert.equal(s.head?.statusMessage, 'OK');
    assert.deepEqual(s.head?.rawHeaders, ['Content-Type', 'text/javascript', 'ETag', 'W/"1"', 'Content-Length', '5']);
    assert.equal(s.head?.keepAlive, true);
    assert.equal(s.body, 'hello');
    assert.deepEqual(s.trailers, []);
    assert.equal(s.parser.done, true);
    assert.equal(s.parser.extraBytes, false);
  });

  it('decodes chunked bodies with extensions and trailers', () => {
    const s = both('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n8;ext=1\r\npart one\r\n9\r\n,part two\r\n0\r\nX-Checksum: abc123\r\n\r\n');
    assert.equal(s.body, 'part one,part two');
    assert.deepEqual(s.trailers, ['X-Checksum', 'abc123']);
    assert.equal(s.head?.keepAlive, true);
  });

  it('ends a chunked body without trailers at the empty line', () => {
    const s = both('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n');
    assert.equal(s.body, '0123456789');
    assert.deepEqual(s.trailers, []);
  });

  it('relays 1xx heads before the final one', () => {
    const s = both('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n');
    assert.deepEqual(s.info, [
      [100, []],
      [103, ['Link', '</a.css>; rel=preload']],
    ]);
    assert.equal(s.head?.status, 204);
    assert.equal(s.head?.hasBody, false);
    assert.deepEqual(s.trailers, []);
  });

  it('gives HEAD, 204 and 304 responses no body whatever their Content-Length says', () => {
    assert.equal(both('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n', 'HEAD').head?.hasBody, false);
    assert.equal(both('HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n').trailers?.length, 0);
    const extra = parse('HTTP/1.1 204 No Content\r\n\r\nsurprise');
    assert.equal(extra.parser.extraBytes, true, 'bytes after a complete response mark the connection unusable');
  });

  it('reads a body without framing until the connection closes, and never reuses that connection', () => {
    const s = both('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nbody until FIN');
    assert.equal(s.head?.untilClose, true);
    assert.equal(s.head?.keepAlive, false);
    assert.equal(s.trailers, null);
    assert.equal(s.parser.end(), true);
    assert.deepEqual(s.trailers, []);
    assert.equal(s.body, 'body until FIN');
  });

  it('says a Content-Length body cut short is not complete', () => {
    const s = parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
    assert.equal(s.parser.end(), false);
    assert.equal(s.trailers, null);
  });

  it('follows Connection and Keep-Alive: close, HTTP/1.0 without keep-alive, the timeout hint', () => {
    assert.equal(both('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').head?.keepAlive, false);
    assert.equal(both('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').head?.keepAlive, false);
    const kept = both('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n');
    assert.equal(kept.head?.keepAlive, true);
    assert.equal(kept.head?.keepAliveMs, 5000);
  });

  it('takes Transfer-Encoding over Content-Length, and then closes the connection', () => {
    const s = both('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    assert.equal(s.body, 'hello');
    assert.equal(s.head?.keepAlive, false);
  });

  it('accepts a list of equal Content-Length values', () => {
    assert.equal(both('HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok').body, 'ok');
  });

  it('refuses malformed responses and says where', () => {
    refuses('HTTP/2 200 OK\r\n\r\n', /status line "HTTP\/2 200 OK"/);
    refuses('HTTP/1.1 2000 OK\r\n\r\n', /status line/);
    refuses('HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n', /Content-Length "12x" is not a number/);
    refuses('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', /two different Content-Length values \(1 and 2\)/);
    refuses('HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n', /response head line 3 has a folded line/);
    refuses('HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n', /line 2: "Bad Name" is not a valid field name/);
    refuses('HTTP/1.1 200 OK\r\nX-A: 1\nX-B: 2\r\n\r\n', /line 2 ends with a bare LF/);
    refuses('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', /line 2 has no colon/);
    refuses('HTTP/1.1 200 OK\r\nX-A: a\x01b\r\n\r\n', /field "X-A" has a control character/);
    refuses('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n', /101 Switching Protocols/);
    refuses('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /chunk size "zz" is not a hexadecimal number/);
    refuses('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', /chunk is longer than its size says/);
    refuses(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\n\r\n`, /larger than 64 KiB/);
  });
});

describe('upstream HTTP/1.1 request head', () => {
  it('writes the fields as given, adding Host and Connection only when missing', () => {
    assert.equal(
      requestHead('GET', '/src/m1.js?v=1', ['Host', 'shop.localhost', 'Accept', '*/*'], '127.0.0.1:5173'),
      'GET /src/m1.js?v=1 HTTP/1.1\r\nHost: shop.localhost\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n',
    );
    assert.equal(requestHead('POST', '/', ['Connection', 'close', 'Content-Length', '0'], hostFor('::1', 8080)), 'POST / HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\nHost: [::1]:8080\r\n\r\n');
  });

  it('refuses what would split the request: CR/LF in a value, a bad name, method or path', () => {
    const bad: Array<[string, string, string[]]> = [
      ['GET', '/', ['X-Rule', 'a\r\nX-Injected: 1']],
      ['GET', '/', ['Bad Name', '1']],
      ['GE T', '/', []],
      ['GET', '/a b', []],
      ['GET', '/a\r\nb', []],
      ['GET', '', []],
      ['GET', '/', ['X-Wide', 'snow☃']],
    ];
    for (const [method, path, fields] of bad) {
      assert.throws(() => requestHead(method, path, fields, 'h:1'), RequestHeadError, JSON.stringify([method, path, fields]));
    }
  });
});
