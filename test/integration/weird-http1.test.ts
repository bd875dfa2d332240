// Weird HTTP/1.1 through the proxy: request smuggling vectors (none may ever reach the
// service as a request of its own), duplicate Host, absolute-form targets, bodies on GET,
// DELETE and OPTIONS, Expect: 100-continue refused by the service, and keep-alive reuse
// races. The service is real and sits behind a tap that records every byte the proxy sent.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rawExchange, waitFor } from '../helpers/proxy-net.js';
import { curl, listen, proxyOver, splitResponses, startTappedUpstream, type ProxyOver, type TappedUpstream } from '../helpers/weird-kit.js';

const HOST = 'Host: shop.localhost\r\n';
const SMUGGLED = `GET /smuggled HTTP/1.1\r\n${HOST}\r\n`;

function statusOf(data: Buffer): number | undefined {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(data.toString('latin1'));
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

describe('weird HTTP/1.1: smuggling, Host, targets, bodies', () => {
  let up: TappedUpstream;
  let px: ProxyOver;
  let port: number;

  before(async () => {
    up = await startTappedUpstream();
    px = await proxyOver(up.port);
    port = px.port;
  });
  after(async () => {
    await px.proxy.close();
    await up.close();
  });

  /** Sends `bytes` (then FIN), returns what came back and the requests the service saw meanwhile. */
  const exchange = async (bytes: string): Promise<{ data: Buffer; seen: TappedUpstream['seen']; raw: string }> => {
    const before = up.seen.length;
    const rawBefore = up.raw().length;
    const { data, closed } = await rawExchange(port, bytes, 15_000, true);
    assert.ok(closed, 'the proxy must close the connection');
    // Anything forwarded has reached the service by the time the client got its answer;
    // give a stray second request a moment to show up before concluding there is none.
    await new Promise((r) => setTimeout(r, 100));
    return { data, seen: up.seen.slice(before), raw: up.raw().slice(rawBefore) };
  };

  const assertNeverSmuggled = (seen: TappedUpstream['seen'], raw: string): void => {
    assert.ok(!seen.some((s) => s.url === '/smuggled'), `the service parsed the smuggled request: ${JSON.stringify(seen.map((s) => s.url))}`);
    void raw;
  };

  // Node's parser (llhttp) rejects these before any routing: the proxy answers 400 and closes.
  const rejected: [string, string][] = [
    ['Content-Length and Transfer-Encoding together (CL.TE)', `POST / HTTP/1.1\r\n${HOST}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`],
    ['Transfer-Encoding then Content-Length (TE.CL)', `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\n${SMUGGLED}\r\n0\r\n\r\n`],
    ['two different Content-Lengths', `POST / HTTP/1.1\r\n${HOST}Content-Length: 3\r\nContent-Length: ${3 + SMUGGLED.length}\r\n\r\nabc${SMUGGLED}`],
    // RFC 9112 §6.3 would allow collapsing identical values; llhttp rejects them and so do we.
    ['two identical Content-Lengths', `POST / HTTP/1.1\r\n${HOST}Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc`],
    ['a Content-Length list', `POST / HTTP/1.1\r\n${HOST}Content-Length: 3, 3\r\n\r\nabc`],
    ['obs-fold hiding Transfer-Encoding', `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: \r\n chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n`],
    ['obs-fold in an ordinary header', `GET / HTTP/1.1\r\n${HOST}X-A: a\r\n b\r\n\r\n`],
    ['bare LF line endings', `POST / HTTP/1.1\n${HOST.replace('\r', '')}Content-Length: 3\n\nabc`],
    ['bare LF after a chunk size', `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n`],
    ['Transfer-Encoding: chunked, identity', `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked, identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n${SMUGGLED}`],
    ['Transfer-Encoding: identity with Content-Length', `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: identity\r\nContent-Length: 3\r\n\r\nabc`],
    ['a Transfer-Encoding that does not end in chunked', `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: gzip\r\n\r\n${SMUGGLED}`],
    ['Transfer-Encoding repeated', `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`],
    ['whitespace before the colon', `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`],
  ];
  for (const [name, bytes] of rejected) {
    it(`smuggling: ${name} → 400, nothing forwarded`, async () => {
      const { data, seen, raw } = await exchange(bytes);
      assert.equal(statusOf(data), 400, data.toString('latin1').slice(0, 200));
      assert.equal(seen.length, 0, `forwarded: ${JSON.stringify(seen.map((s) => `${s.method} ${s.url}`))}`);
      assert.equal(raw, '');
      assertNeverSmuggled(seen, raw);
    });
  }

  it('smuggling: Connection: Transfer-Encoding cannot turn a chunked body into a request', async () => {
    const body = `GET /smuggled HTTP/1.1\r\n${HOST}\r\n`;
    const bytes = `POST /outer HTTP/1.1\r\n${HOST}Connection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const { data, seen, raw } = await exchange(bytes);
    const [res] = splitResponses(data, ['POST']);
    assert.equal(res?.status, 200);
    assert.deepEqual(
      seen.map((s) => [s.method, s.url, s.body.toString('latin1')]),
      [['POST', '/outer', body]],
      'the service must see one request whose body is the would-be request',
    );
    // Re-framed as chunked for the service: the body cannot end early and leave a request behind.
    assert.match(raw, /^Transfer-Encoding: chunked\r$/im);
    assertNeverSmuggled(seen, raw);
  });

  it('smuggling: Connection: Content-Length keeps the body framed by its length', async () => {
    const bytes = `POST /outer HTTP/1.1\r\n${HOST}Connection: Content-Length\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`;
    const { data, seen, raw } = await exchange(bytes);
    assert.equal(splitResponses(data, ['POST'])[0]?.status, 200);
    assert.deepEqual(seen.map((s) => [s.url, s.body.toString('latin1')]), [['/outer', SMUGGLED]]);
    assert.match(raw, new RegExp(`^Content-Length: ${SMUGGLED.length}\\r$`, 'im'));
    assertNeverSmuggled(seen, raw);
  });

  it('smuggling: bytes after the last chunk are a request of their own, routed (and refused) by the proxy', async () => {
    // The trailing request names a host no project has: if it rode along to the service
    // inside the first message, the service would answer it; the proxy must answer 404.
    const trailing = 'GET /smuggled HTTP/1.1\r\nHost: evil.localhost\r\n\r\n';
    const bytes = `POST /first HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n${trailing}`;
    const { data, seen, raw } = await exchange(bytes);
    const responses = splitResponses(data, ['POST', 'GET']);
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 404],
    );
    assert.match(responses[0]?.body.toString('latin1') ?? '', /^POST \/first body="abc"$/);
    assert.deepEqual(seen.map((s) => s.url), ['/first']);
    assertNeverSmuggled(seen, raw);
    // The service got exactly one complete message: the chunked body ends at its last chunk.
    assert.ok(raw.endsWith('3\r\nabc\r\n0\r\n\r\n'), JSON.stringify(raw));
  });

  it('smuggling: a pipelined request after a chunked body is forwarded as its own request, with our headers', async () => {
    const bytes = `POST /first HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /second HTTP/1.1\r\n${HOST}X-N: 2\r\n\r\n`;
    const { data, seen } = await exchange(bytes);
    assert.deepEqual(splitResponses(data, ['POST', 'GET']).map((r) => r.status), [200, 200]);
    assert.deepEqual(seen.map((s) => s.url), ['/first', '/second']);
    // Went through the proxy's own routing: forwarding headers prove it was not relayed as body bytes.
    assert.match(String(seen[1]?.headers.via), /locald-/);
  });

  for (const [name, hosts] of [
    ['the same Host twice', ['shop.localhost', 'shop.localhost']],
    ['two different Hosts', ['shop.localhost', 'evil.localhost']],
  ] as const) {
    it(`duplicate Host (${name}) → 400, nothing forwarded`, async () => {
      const { data, seen } = await exchange(`GET /dup HTTP/1.1\r\n${hosts.map((h) => `Host: ${h}\r\n`).join('')}\r\n`);
      assert.equal(statusOf(data), 400);
      assert.match(data.toString('latin1'), /more than one Host header/);
      assert.equal(seen.length, 0);
    });
  }

  it('duplicate Host on an Upgrade request → 400, nothing forwarded', async () => {
    const { data, seen } = await exchange(
      `GET /ws HTTP/1.1\r\n${HOST}Host: evil.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    assert.equal(statusOf(data), 400);
    assert.equal(seen.length, 0);
  });

  it('absolute-form target (curl through the port as an HTTP proxy) routes by its authority and becomes Host', async () => {
    const r = await curl(['--proxy', `http://127.0.0.1:${port}`, '--noproxy', '', `http://shop.localhost:${port}/abs?q=1`, '-H', 'X-Probe: abs']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'GET /abs?q=1 body=""');
    const seen = up.seen.findLast((s) => s.headers['x-probe'] === 'abs');
    assert.equal(seen?.headers.host, `shop.localhost:${port}`);
    assert.equal(seen?.headers['x-forwarded-host'], `shop.localhost:${port}`);
  });

  it('absolute-form target overrides a different Host header (RFC 9112 §3.2.2)', async () => {
    const { data, seen } = await exchange(`GET http://shop.localhost:${port}/abs2 HTTP/1.1\r\nHost: other.localhost\r\n\r\n`);
    assert.equal(statusOf(data), 200);
    assert.equal(seen[0]?.url, '/abs2');
    assert.equal(seen[0]?.headers.host, `shop.localhost:${port}`);
    assert.deepEqual(
      seen[0]?.rawHeaders.filter((_, i, a) => i % 2 === 0 && a[i]?.toLowerCase() === 'host'),
      ['Host'],
      'exactly one Host upstream',
    );
  });

  for (const method of ['GET', 'DELETE', 'OPTIONS']) {
    it(`${method} with a Content-Length body: forwarded intact and framed`, async () => {
      const body = `payload for ${method}`;
      const r = await curl(['-X', method, '--data-binary', body, '-H', 'Content-Type: text/plain', '-H', 'Host: shop.localhost', `http://127.0.0.1:${port}/with-body`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${method} /with-body body=${JSON.stringify(body)}`);
      const seen = up.seen.findLast((s) => s.method === method && s.url === '/with-body');
      assert.equal(seen?.headers['content-length'], String(body.length));
    });

    it(`${method} with a chunked body (node:http client): forwarded intact and framed`, async () => {
      const parts = ['one,', 'two,', 'three'];
      const text = await new Promise<string>((resolve, reject) => {
        // Node's client frames a GET body only when asked to (else it sends it unframed).
        const headers = { host: 'shop.localhost', 'transfer-encoding': 'chunked' };
        const req = http.request({ host: '127.0.0.1', port, method, path: '/chunked-body', headers, agent: false }, (res) => {
          let t = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (t += c));
          res.on('end', () => resolve(t));
        });
        req.on('error', reject);
        for (const p of parts) req.write(p);
        req.end();
      });
      assert.equal(text, `${method} /chunked-body body=${JSON.stringify(parts.join(''))}`);
      const seen = up.seen.findLast((s) => s.method === method && s.url === '/chunked-body');
      assert.equal(seen?.headers['transfer-encoding'], 'chunked');
    });
  }

  it('a bodyless GET reaches the service with no framing headers at all', async () => {
    const { seen, raw } = await exchange(`GET /plain HTTP/1.1\r\n${HOST}\r\n`);
    assert.equal(seen[0]?.url, '/plain');
    assert.doesNotMatch(raw, /content-length|transfer-encoding/i);
  });
});

describe('weird HTTP/1.1: Expect: 100-continue refused by the service', () => {
  let service: http.Server;
  let px: ProxyOver;

  before(async () => {
    service = http.createServer((_req, res) => res.end('unexpected'));
    // The service decides on 100-continue itself and refuses without reading the body.
    service.on('checkContinue', (req, res) => {
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' });
      res.end('log in first');
    });
    px = await proxyOver(await listen(service));
  });
  after(async () => {
    await px.proxy.close();
    service.closeAllConnections();
    await new Promise<void>((r) => service.close(() => r()));
  });

  it('curl gets the 401 without sending its body, and nothing hangs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'locald-expect-'));
    const file = path.join(dir, 'body.bin');
    writeFileSync(file, randomBytes(2 * 1024 * 1024));
    const r = await curl(
      ['-H', 'Host: shop.localhost', '-H', 'Expect: 100-continue', '--expect100-timeout', '30', '--data-binary', `@${file}`, '-w', '\n%{http_code}', `http://127.0.0.1:${px.port}/upload`],
      20_000,
    ).finally(() => rmSync(dir, { recursive: true, force: true }));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'log in first\n401');
  });

  it('a service that keeps its connection after refusing: the half-sent request is released, no body forwarded', async () => {
    // Unlike Node, many servers answer the refusal and keep the connection for a next request.
    let bodyBytes = 0;
    let serviceConnClosed = false;
    const keeper = net.createServer((socket) => {
      let head = '';
      socket.on('error', () => undefined);
      socket.on('close', () => (serviceConnClosed = true));
      socket.on('data', (c: Buffer) => {
        if (head.includes('\r\n\r\n')) {
          bodyBytes += c.length;
          return;
        }
        head += c.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        bodyBytes += head.length - end - 4;
        socket.write('HTTP/1.1 401 Unauthorized\r\nContent-Length: 12\r\nConnection: keep-alive\r\n\r\nlog in first');
      });
    });
    const kp = await proxyOver(await listen(keeper));
    try {
      const socket = net.connect({ host: '127.0.0.1', port: kp.port });
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', () => undefined);
      const closed = new Promise<void>((r) => socket.on('close', () => r()));
      socket.write(`POST /raw-upload HTTP/1.1\r\n${HOST}Content-Length: 1000000\r\nExpect: 100-continue\r\n\r\n`);
      const text = await waitFor(() => {
        const t = Buffer.concat(chunks).toString('latin1');
        return t.includes('log in first') ? t : undefined;
      }, 'the 401');
      assert.match(text, /^HTTP\/1\.1 401 /);
      assert.doesNotMatch(text, /100 Continue/);
      // Node closes a client connection whose Expect: 100-continue got a final answer instead of 100.
      assert.match(text, /^Connection: close\r$/im);
      await closed;
      // The service's connection carries a request that can never complete: the proxy lets it go.
      await waitFor(() => (serviceConnClosed ? true : undefined), 'the service connection to be released', 15_000);
      assert.equal(bodyBytes, 0, 'no body byte may reach the service');
    } finally {
      await kp.proxy.close();
      await new Promise<void>((r) => keeper.close(() => r()));
    }
  });
});

describe('weird HTTP/1.1: keep-alive reuse races', () => {
  // A service that keeps connections alive but drops a reused one the moment a request
  // arrives on it, without answering: what a service closing idle connections looks like
  // when the close and our reuse cross on the wire.
  let service: net.Server;
  let px: ProxyOver;
  const arrivals: string[] = [];

  before(async () => {
    service = net.createServer((socket) => {
      let served = 0;
      let buffered = '';
      socket.on('error', () => undefined);
      socket.on('data', (c: Buffer) => {
        buffered += c.toString('latin1');
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const line = buffered.slice(0, buffered.indexOf('\r\n'));
        const length = Number(/^content-length:\s*(\d+)/im.exec(buffered)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        arrivals.push(`${line.split(' ')[0]} ${line.split(' ')[1]} on ${served === 0 ? 'fresh' : 'reused'}`);
        if (served++ > 0) {
          socket.destroy();
          return;
        }
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nfresh');
      });
    });
    px = await proxyOver(await listen(service));
  });
  after(async () => {
    await px.proxy.close();
    await new Promise<void>((r) => service.close(() => r()));
  });

  const send = (method: string, path: string, body?: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: px.port, method, path, headers: { host: 'shop.localhost', accept: 'application/json' }, agent: false }, (res) => {
        let t = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (t += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: t }));
      });
      req.on('error', reject);
      req.end(body);
    });

  it('a GET on a connection the service drops is retried once, transparently', async () => {
    arrivals.length = 0;
    assert.deepEqual(await send('GET', '/warm'), { status: 200, text: 'fresh' });
    // The pooled connection is reused, dropped, and the GET goes again on a new one.
    assert.deepEqual(await send('GET', '/again'), { status: 200, text: 'fresh' });
    assert.deepEqual(arrivals, ['GET /warm on fresh', 'GET /again on reused', 'GET /again on fresh']);
  });

  it('a POST on a connection the service drops is not retried: an explained 502', async () => {
    assert.deepEqual(await send('GET', '/warm2'), { status: 200, text: 'fresh' });
    arrivals.length = 0;
    const res = await send('POST', '/order', '{"pay":1}');
    assert.equal(res.status, 502);
    const problem = JSON.parse(res.text) as { detail: string };
    assert.match(problem.detail, /api/);
    assert.deepEqual(arrivals, ['POST /order on reused'], 'the POST must reach the service once at most');
  });
});
