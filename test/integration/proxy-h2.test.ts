// HTTP/2 (TLS with ALPN, and h2c prior knowledge), HTTPS with HTTP/1.1, and h2c Upgrade
// offers, all on the proxy's one port, against real HTTP/1.1 upstreams and real clients
// (Node's http2 client, curl, h2load, ws).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http2 from 'node:http2';
import tls from 'node:tls';
import { WebSocket, WebSocketServer } from 'ws';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { echoHandler, startUpstream, waitFor, type EchoBody, type Upstream } from '../helpers/proxy-net.js';
import { closeSession, connectH2Tls, connectH2c, curl, h2Request, startTlsProxy, type TlsProxy } from '../helpers/h2-kit.js';

const { NGHTTP2_INTERNAL_ERROR } = http2.constants;

describe('proxy: HTTP/2 and HTTPS on the shared port', () => {
  const backend = new TestBackend();
  let tp: TlsProxy;
  let port: number;
  let web: Upstream;
  let special: Upstream;
  let wss: WebSocketServer;
  const slowClosed: string[] = [];
  let closeAll: () => Promise<void> = async () => undefined;

  before(async () => {
    web = await startUpstream(echoHandler('web'));
    special = await startUpstream((req, res) => {
      const url = req.url ?? '/';
      if (url.startsWith('/slow')) {
        // Never answers; records when the proxy gives up on it.
        req.on('close', () => slowClosed.push(url));
        req.resume();
        return;
      }
      if (url === '/forbidden-headers') {
        res.setHeader('Keep-Alive', 'timeout=5');
        res.setHeader('Upgrade', 'h2c');
        res.setHeader('Proxy-Connection', 'keep-alive');
        res.setHeader('X-Kept', 'yes');
        res.setHeader('Set-Cookie', ['a=1', 'b=2']);
        res.write('chunk-1 ');
        res.end('chunk-2');
        return;
      }
      if (url === '/late') {
        setTimeout(() => res.end('late answer'), 200);
        return;
      }
      if (url === '/die-mid-body') {
        res.writeHead(200, { 'content-length': '100000' });
        res.write(Buffer.alloc(1000, 'x'));
        setTimeout(() => res.socket?.destroy(), 50);
        return;
      }
      res.writeHead(404);
      res.end();
    });
    const wsUpstream = await startUpstream((_req, res) => {
      res.writeHead(426);
      res.end();
    });
    wss = new WebSocketServer({ server: wsUpstream.server });
    wss.on('connection', (ws, req) => {
      ws.send(`hello ${req.headers['x-forwarded-proto']}`);
      ws.on('message', (m) => ws.send(`echo ${String(m)}`));
    });
    backend.add(
      makeProject(
        'shop',
        [
          makeService('web', { port: web.port }),
          makeService('special', { port: special.port }),
          makeService('ws', { port: wsUpstream.port }),
          makeService('off', { status: 'stopped', port: null }),
        ],
        [route('/', 'web'), route('/special', 'special'), route('/ws', 'ws'), route('/off', 'off')],
      ),
    );
    tp = await startTlsProxy(backend, { upstreamTimeoutMs: 30_000 });
    port = tp.port;
    closeAll = async () => {
      wss.close();
      await tp.close();
      await Promise.all([web.close(), special.close(), wsUpstream.close()]);
    };
  });
  after(() => closeAll());

  it('serves https://shop.localhost:<port>/ over HTTP/2 (curl --http2, CA as --cacert)', async () => {
    const r = await curl([
      '--http2',
      '--cacert', tp.caFile,
      '--resolve', `shop.localhost:${port}:127.0.0.1`,
      '-H', 'Cookie: a=1',
      '-w', '\n%{http_version}',
      `https://shop.localhost:${port}/hello?x=1`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [json, version] = r.stdout.split('\n');
    assert.equal(version, '2');
    const seen = JSON.parse(json ?? '') as EchoBody;
    assert.equal(seen.url, '/hello?x=1');
    assert.equal(seen.headers.host, `shop.localhost:${port}`);
    assert.equal(seen.headers['x-forwarded-proto'], 'https');
    assert.match(String(seen.headers.forwarded), /proto=https/);
  });

  it('serves HTTPS over HTTP/1.1 when the client offers only http/1.1', async () => {
    const r = await curl(['--http1.1', '--cacert', tp.caFile, '--resolve', `shop.localhost:${port}:127.0.0.1`, '-w', '\n%{http_version}', `https://shop.localhost:${port}/one`]);
    assert.equal(r.code, 0, r.stderr);
    const [json, version] = r.stdout.split('\n');
    assert.equal(version, '1.1');
    const seen = JSON.parse(json ?? '') as EchoBody;
    assert.equal(seen.headers['x-forwarded-proto'], 'https');
  });

  it('HTTPS/1.1: a client that sends its request and FIN still gets the answer', async () => {
    const received = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'shop.localhost', ca: [tp.caPem], ALPNProtocols: ['http/1.1'] }, () => {
        socket.end('GET /special/late HTTP/1.1\r\nHost: shop.localhost\r\n\r\n');
      });
      let data = '';
      socket.setEncoding('utf8');
      socket.on('data', (c: string) => (data += c));
      socket.on('error', reject);
      socket.on('close', () => resolve(data));
    });
    assert.match(received, /^HTTP\/1\.1 200 /);
    assert.match(received, /late answer$/);
  });

  it('keeps the dashboard host on HTTP/1.1 over TLS even when h2 is offered', async () => {
    const r = await curl(['--http2', '--cacert', tp.caFile, '--resolve', `locald.localhost:${port}:127.0.0.1`, '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `https://locald.localhost:${port}/`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '1.1 404');
  });

  it('negotiates h2 with a client that sends no SNI (curl -k https://127.0.0.1:<port>/)', async () => {
    const bare = await curl(['--http2', '-k', '-o', '/dev/null', '-w', '%{http_version}', `https://127.0.0.1:${port}/`]);
    assert.equal(bare.code, 0, bare.stderr);
    assert.equal(bare.stdout, '2');
    const routed = await curl(['--http2', '-k', '-H', 'Host: shop.localhost', '-w', '\n%{http_version}', `https://127.0.0.1:${port}/no-sni`]);
    assert.equal(routed.code, 0, routed.stderr);
    const [json, version] = routed.stdout.split('\n');
    assert.equal(version, '2');
    assert.equal((JSON.parse(json ?? '') as EchoBody).url, '/no-sni');
  });

  it('serves h2c with prior knowledge (curl --http2-prior-knowledge)', async () => {
    const r = await curl(['--http2-prior-knowledge', '--resolve', `shop.localhost:${port}:127.0.0.1`, '-w', '\n%{http_version}', `http://shop.localhost:${port}/plain`]);
    assert.equal(r.code, 0, r.stderr);
    const [json, version] = r.stdout.split('\n');
    assert.equal(version, '2');
    const seen = JSON.parse(json ?? '') as EchoBody;
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.headers.host, `shop.localhost:${port}`);
  });

  it('answers an HTTP/1.1 Upgrade: h2c offer in HTTP/1.1 and never forwards the offer', async () => {
    for (const extra of [[], ['--data-binary', 'payload-body']]) {
      const r = await curl(['--http2', '--resolve', `shop.localhost:${port}:127.0.0.1`, ...extra, '-w', '\n%{http_version}', `http://shop.localhost:${port}/offer`]);
      assert.equal(r.code, 0, r.stderr);
      const [json, version] = r.stdout.split('\n');
      assert.equal(version, '1.1');
      const seen = JSON.parse(json ?? '') as EchoBody;
      assert.equal(seen.headers.upgrade, undefined);
      assert.equal(seen.headers['http2-settings'], undefined);
      assert.doesNotMatch(String(seen.headers.connection ?? ''), /upgrade|http2-settings/i);
      if (extra.length > 0) assert.equal(seen.body, 'payload-body');
    }
  });

  it('translates HTTP/2 requests: :authority → Host, split cookies joined, chunked body without a length', async () => {
    const session = connectH2Tls(port, 'shop.localhost', tp.caPem);
    try {
      const r = await h2Request(
        session,
        { ':method': 'POST', ':path': '/upload', ':authority': `shop.localhost:${port}`, cookie: ['a=1', 'b=2', 'c=3'], 'x-custom': 'v' },
        ['part-1 ', 'part-2'],
      );
      assert.equal(r.status, 200);
      const seen = JSON.parse(r.text) as EchoBody;
      assert.equal(seen.headers.host, `shop.localhost:${port}`);
      assert.equal(seen.headers.cookie, 'a=1; b=2; c=3');
      assert.equal(seen.headers['transfer-encoding'], 'chunked');
      assert.equal(seen.body, 'part-1 part-2');
      assert.equal(seen.headers['x-custom'], 'v');
      assert.match(String(seen.headers.via), /locald-/);

      const withLength = await h2Request(session, { ':method': 'PUT', ':path': '/len', ':authority': `shop.localhost:${port}`, 'content-length': '5' }, 'abcde');
      const seen2 = JSON.parse(withLength.text) as EchoBody;
      assert.equal(seen2.headers['content-length'], '5');
      assert.equal(seen2.headers['transfer-encoding'], undefined);
      assert.equal(seen2.body, 'abcde');

      const empty = await h2Request(session, { ':method': 'POST', ':path': '/empty', ':authority': `shop.localhost:${port}` });
      assert.equal((JSON.parse(empty.text) as EchoBody).headers['content-length'], '0');
    } finally {
      await closeSession(session);
    }
  });

  it('drops response headers HTTP/2 forbids and keeps the rest', async () => {
    const session = connectH2c(port);
    try {
      const r = await h2Request(session, { ':path': '/special/forbidden-headers', ':authority': `shop.localhost:${port}` });
      assert.equal(r.status, 200);
      assert.equal(r.text, 'chunk-1 chunk-2');
      for (const name of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']) assert.equal(r.headers[name], undefined, name);
      assert.equal(r.headers['x-kept'], 'yes');
      assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
    } finally {
      await closeSession(session);
    }
  });

  it('serves error pages over HTTP/2', async () => {
    const session = connectH2Tls(port, 'shop.localhost', tp.caPem);
    try {
      const off = await h2Request(session, { ':path': '/off/x', ':authority': `shop.localhost:${port}` });
      assert.equal(off.status, 503);
      assert.equal(off.headers['content-type'], 'application/problem+json');
      assert.match(off.text, /Service 'off' of project 'shop' is not running/);
      const unknown = await h2Request(session, { ':path': '/', ':authority': `nope.localhost:${port}`, accept: 'text/html' });
      assert.equal(unknown.status, 404);
      assert.match(String(unknown.headers['content-type']), /text\/html/);
      assert.match(unknown.text, /no project named &#39;nope&#39;/);
    } finally {
      await closeSession(session);
    }
  });

  it('propagates a client cancel (RST_STREAM) to the upstream request', async () => {
    const session = connectH2c(port);
    try {
      const req = session.request({ ':path': '/special/slow-cancel', ':authority': `shop.localhost:${port}` });
      req.on('error', () => undefined);
      await waitFor(() => (web.server.listening ? true : undefined), 'server up');
      // Cancel once the proxy has the upstream request open.
      await new Promise((r) => setTimeout(r, 200));
      req.close(http2.constants.NGHTTP2_CANCEL);
      await waitFor(() => (slowClosed.includes('/slow-cancel') ? true : undefined), 'the upstream request to be aborted');
    } finally {
      await closeSession(session);
    }
  });

  it('resets the client stream when the upstream dies mid-body', async () => {
    const session = connectH2c(port);
    try {
      const r = await h2Request(session, { ':path': '/special/die-mid-body', ':authority': `shop.localhost:${port}` });
      assert.equal(r.status, 200);
      assert.equal(r.rstCode, NGHTTP2_INTERNAL_ERROR);
      assert.ok(r.body.length < 100000);
    } finally {
      await closeSession(session);
    }
  });

  it('survives bursts of cancelled streams (hot-reload clients) without GOAWAY', async () => {
    const session = connectH2Tls(port, 'shop.localhost', tp.caPem);
    let goaway = false;
    session.on('goaway', () => {
      goaway = true;
    });
    try {
      for (let round = 0; round < 4; round++) {
        const closed: Promise<void>[] = [];
        for (let i = 0; i < 150; i++) {
          const req = session.request({ ':path': `/special/slow-burst-${round}-${i}`, ':authority': `shop.localhost:${port}` });
          req.on('error', () => undefined);
          closed.push(new Promise((resolve) => req.on('close', () => resolve())));
          setImmediate(() => req.close(http2.constants.NGHTTP2_CANCEL));
        }
        await Promise.all(closed);
        const ok = await h2Request(session, { ':path': `/after-${round}`, ':authority': `shop.localhost:${port}` });
        assert.equal(ok.status, 200);
      }
      assert.equal(goaway, false);
      assert.equal(session.destroyed, false);
    } finally {
      await closeSession(session);
    }
  });

  it('carries WebSockets over TLS (wss, HTTP/1.1 Upgrade)', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, {
      headers: { host: `shop.localhost:${port}` },
      servername: 'shop.localhost',
      ca: [tp.caPem],
    } as ConstructorParameters<typeof WebSocket>[2]);
    const messages: string[] = [];
    ws.on('message', (m) => messages.push(String(m)));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send('ping');
    await waitFor(() => (messages.length >= 2 ? true : undefined), 'two messages');
    assert.deepEqual(messages, ['hello https', 'echo ping']);
    ws.close();
  });

  it('h2load: 2000 requests over h2c with zero errors', async () => {
    const out = await new Promise<string>((resolve) => {
      execFile(
        'h2load',
        ['-n', '2000', '-c', '4', '-m', '10', '-H', `:authority: shop.localhost:${port}`, `http://127.0.0.1:${port}/load`],
        { timeout: 60_000 },
        (_err, stdout) => resolve(stdout),
      );
    });
    assert.match(out, /requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored/);
    assert.match(out, /status codes: 2000 2xx/);
  });
});
