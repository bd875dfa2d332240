// The listener: loopback binding, clear errors, first-bytes dispatch, and no crash on
// malformed or hostile input (fuzzed), after which normal requests still work.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ProxyServer, ProxyListenError } from '../../engine/proxy/index.js';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { echoHandler, rawExchange, request, startUpstream, type EchoBody, type Upstream } from '../helpers/proxy-net.js';

function statusOf(data: Buffer): number | undefined {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(data.toString('latin1'));
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** Deterministic PRNG, so a failing fuzz case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function ipv6Available(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '::1', port: 0, ipv6Only: true }, () => s.close(() => resolve(true)));
  });
}

describe('proxy: listener', () => {
  const backend = new TestBackend();
  let proxy: ProxyServer;
  let port: number;
  let addresses: string[];
  let api: Upstream;

  before(async () => {
    api = await startUpstream(echoHandler('api'));
    backend.add(makeProject('shop', [makeService('api', { port: api.port })], [route('/', 'api')]));
    proxy = new ProxyServer({ backend, port: 0 });
    ({ port, addresses } = await proxy.listen());
  });

  after(async () => {
    await proxy.close();
    await api.close();
  });

  const healthy = async (): Promise<void> => {
    const res = await request(port, { host: 'shop.localhost', path: '/still/here' });
    assert.equal(res.status, 200);
    assert.equal((JSON.parse(res.text) as EchoBody).url, '/still/here');
  };

  it('binds loopback only: 127.0.0.1 and ::1 when available', async () => {
    const v6 = await ipv6Available();
    assert.deepEqual(addresses, v6 ? ['127.0.0.1', '::1'] : ['127.0.0.1']);
    if (v6) {
      const res = await new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '::1', port, headers: { host: 'shop.localhost' }, agent: false }, (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(res, 200);
    }
  });

  it('rejects listen() with a clear error when the port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const other = new ProxyServer({ backend, port: taken });
      await assert.rejects(other.listen(), (err: unknown) => {
        assert.ok(err instanceof ProxyListenError);
        assert.equal(err.code, 'port_in_use');
        assert.equal(err.port, taken);
        assert.match(err.message, new RegExp(`port ${taken} is already in use.*--http-port`));
        return true;
      });
      await other.close();
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });

  it('serves pipelined requests on one connection', async () => {
    const req = (p: string): string => `GET ${p} HTTP/1.1\r\nHost: shop.localhost\r\n\r\n`;
    const { data } = await rawExchange(port, req('/one') + req('/two') + req('/three').replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'));
    const text = data.toString('utf8');
    assert.equal(text.match(/HTTP\/1\.1 200/g)?.length, 3, text);
    assert.ok(text.indexOf('"/one"') < text.indexOf('"/two"') && text.indexOf('"/two"') < text.indexOf('"/three"'));
  });

  it('dispatches a request whose first bytes arrive one at a time', async () => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    await new Promise<void>((r) => socket.on('connect', () => r()));
    const bytes = 'PUT /slow HTTP/1.1\r\nHost: shop.localhost\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi';
    for (const ch of bytes.slice(0, 4)) {
      await new Promise<void>((r) => socket.write(ch, () => r()));
      await new Promise((r) => setImmediate(r));
    }
    socket.write(bytes.slice(4));
    await closed;
    const text = Buffer.concat(chunks).toString('utf8');
    assert.equal(statusOf(Buffer.concat(chunks)), 200, text);
    assert.match(text, /"url":"\/slow".*"body":"hi"/s);
  });

  it('serves an HTTP/2 prior-knowledge (h2c) connection for real', async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => undefined);
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({ ':method': 'POST', ':path': '/h2c?x=1', ':authority': 'shop.localhost', 'content-type': 'text/plain' });
        let status = 0;
        const chunks: Buffer[] = [];
        stream.on('response', (h) => {
          status = Number(h[':status']);
        });
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', reject);
        stream.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
        stream.end('over h2c');
      });
      assert.equal(status, 200, body);
      const echo = JSON.parse(body) as EchoBody;
      // The HTTP/1.1 service sees an ordinary request: authority became Host, the body arrived.
      assert.equal(echo.method, 'POST');
      assert.equal(echo.url, '/h2c?x=1');
      assert.equal(echo.headers.host, 'shop.localhost');
      assert.equal(echo.body, 'over h2c');
    } finally {
      await new Promise<void>((r) => session.close(() => r()));
    }
    await healthy();
  });

  it('answers a TLS ClientHello with a handshake_failure alert and closes', async () => {
    const hello = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00]);
    const { data, closed } = await rawExchange(port, hello);
    assert.ok(closed);
    assert.deepEqual([...data], [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
  });

  const malformed: [string, string | Buffer, number | 'closed'][] = [
    ['garbage request line', 'HELLO WORLD\r\n\r\n', 400],
    ['bad method chars', 'G@T / HTTP/1.1\r\nHost: shop.localhost\r\n\r\n', 400],
    ['bad version', 'GET / HTTP/9.9\r\nHost: shop.localhost\r\n\r\n', 400],
    ['header without colon', 'GET / HTTP/1.1\r\nHost: shop.localhost\r\nNoColonHere\r\n\r\n', 400],
    ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\n\r\n', 400],
    ['duplicate Content-Length with TE', 'POST / HTTP/1.1\r\nHost: shop.localhost\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['negative Content-Length', 'POST / HTTP/1.1\r\nHost: shop.localhost\r\nContent-Length: -1\r\n\r\n', 400],
    ['bad chunk size', 'POST / HTTP/1.1\r\nHost: shop.localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
    ['NUL in header value', Buffer.from('GET / HTTP/1.1\r\nHost: shop.localhost\r\nX-A: a\0b\r\n\r\n', 'latin1'), 400],
    ['headers too large', `GET / HTTP/1.1\r\nHost: shop.localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['absurd Host', `GET / HTTP/1.1\r\nHost: ${'a.'.repeat(3000)}localhost\r\n\r\n`, 400],
    ['Host with spaces and symbols', 'GET / HTTP/1.1\r\nHost: sh op!$.localhost\r\n\r\n', 400],
    ['Host with a bad port', 'GET / HTTP/1.1\r\nHost: shop.localhost:99999\r\n\r\n', 400],
    ['Host as an unterminated IPv6 literal', 'GET / HTTP/1.1\r\nHost: [::1\r\n\r\n', 400],
    ['asterisk target', 'OPTIONS * HTTP/1.1\r\nHost: shop.localhost\r\n\r\n', 400],
    ['CONNECT (forward proxying)', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 405],
    ['HTTP/1.0 without Host', 'GET / HTTP/1.0\r\n\r\n', 404],
    ['absolute-form target to an unknown host', 'GET http://nope.localhost/x HTTP/1.1\r\nHost: shop.localhost\r\n\r\n', 404],
    ['only a CRLF then EOF', '\r\n', 'closed'],
    ['a prefix of the h2 preface then EOF', 'PRI * HT', 'closed'],
  ];
  for (const [name, bytes, expected] of malformed) {
    it(`malformed input: ${name}`, async () => {
      const { data, closed } = await rawExchange(port, bytes, 10_000, true);
      assert.ok(closed, 'the proxy must close the connection');
      if (expected === 'closed') assert.ok(data.length === 0 || statusOf(data) === 400, data.toString('latin1'));
      else assert.equal(statusOf(data), expected, data.toString('latin1').slice(0, 200));
    });
  }

  it('absolute-form targets route by their authority', async () => {
    const { data } = await rawExchange(port, 'GET http://shop.localhost/abs?x=1 HTTP/1.1\r\nHost: other.localhost\r\nConnection: close\r\n\r\n');
    assert.equal(statusOf(data), 200);
    assert.match(data.toString('utf8'), /"url":"\/abs\?x=1"/);
  });

  it('survives fuzzed input, then serves a normal request', async () => {
    const rand = prng(0x10cad);
    const valid = 'POST /api/x?y=1 HTTP/1.1\r\nHost: shop.localhost\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello';
    const cases: Buffer[] = [];
    for (let i = 0; i < 150; i++) {
      const kind = i % 3;
      if (kind === 0) {
        cases.push(Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256))));
      } else if (kind === 1) {
        const b = Buffer.from(valid, 'latin1');
        const flips = 1 + Math.floor(rand() * 6);
        for (let f = 0; f < flips; f++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
        cases.push(b);
      } else {
        const pieces = ['GET', ' ', '/', 'HTTP/1.1', '\r\n', 'Host:', 'shop.localhost', ':', '\0', '\n', 'Transfer-Encoding: chunked', 'Content-Length: 9', 'Upgrade: websocket', 'Connection: upgrade', '0\r\n\r\n', '%', '[', ']'];
        cases.push(Buffer.from(Array.from({ length: 3 + Math.floor(rand() * 20) }, () => pieces[Math.floor(rand() * pieces.length)]).join(''), 'latin1'));
      }
    }
    const queue = [...cases];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const { closed, data } = await rawExchange(port, next, 15_000, true);
        assert.ok(closed, `connection left open for input ${next.toString('hex')}`);
        const status = statusOf(data);
        if (status !== undefined) assert.ok(status >= 200 && status < 600, data.toString('latin1').slice(0, 100));
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await healthy();
  });

  it('close() drops open connections and frees the port', async () => {
    const p = new ProxyServer({ backend, port: 0, host: ['127.0.0.1'] });
    const { port: ephemeral } = await p.listen();
    const idle = net.connect({ host: '127.0.0.1', port: ephemeral });
    await new Promise<void>((r) => idle.on('connect', () => r()));
    const idleClosed = new Promise<void>((r) => idle.on('close', () => r()));
    idle.on('error', () => undefined);
    await p.close();
    await idleClosed;
    const again = net.createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(ephemeral, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((r) => again.close(() => r()));
  });
});
