// HTTP/1.1 forwarding through a real ProxyServer to real upstream servers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { ProxyServer } from '../../engine/proxy/index.js';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { echoHandler, request, startUpstream, waitFor, type EchoBody, type Upstream } from '../helpers/proxy-net.js';

async function ipv6Available(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '::1', port: 0, ipv6Only: true }, () => s.close(() => resolve(true)));
  });
}

describe('proxy: HTTP/1.1 forwarding', () => {
  const backend = new TestBackend();
  let proxy: ProxyServer;
  let port: number;
  let web: Upstream;
  let api: Upstream;
  let special: Upstream;
  let v6: Upstream | undefined;
  const sse = { release: (): void => undefined };
  const cancelled: string[] = [];

  before(async () => {
    web = await startUpstream(echoHandler('web'));
    api = await startUpstream(echoHandler('api'));
    special = await startUpstream((req, res) => {
      switch (req.url) {
        case '/hop': {
          res.writeHead(200, 'Fine', [
            'Connection', 'X-Resp-Secret, keep-alive',
            'X-Resp-Secret', 'leak',
            'Keep-Alive', 'timeout=99',
            'Proxy-Authenticate', 'Basic',
            'X-Kept', 'yes',
            'Set-Cookie', 'a=1',
            'Set-Cookie', 'b=2',
            'Content-Length', '2',
          ]);
          res.end('ok');
          return;
        }
        case '/sha': {
          const hash = createHash('sha256');
          let n = 0;
          req.on('data', (c: Buffer) => {
            hash.update(c);
            n += c.length;
          });
          req.on('end', () => res.end(JSON.stringify({ n, sha: hash.digest('hex') })));
          return;
        }
        case '/mirror':
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          req.pipe(res);
          return;
        case '/trailers':
          res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
          res.write('part one,');
          res.write('part two');
          res.addTrailers({ 'X-Checksum': 'abc123' });
          res.end();
          return;
        case '/sse':
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          res.write('data: first\n\n');
          sse.release = () => {
            res.write('data: second\n\n');
            res.end();
          };
          return;
        case '/forever':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: open\n\n');
          res.on('close', () => cancelled.push(req.url ?? ''));
          return;
        case '/continue':
          req.on('data', () => undefined);
          req.on('end', () => res.end('got it'));
          return;
        default:
          res.writeHead(404);
          res.end();
      }
    });
    // 100-continue: the service decides, and the decision must reach the client.
    special.server.on('checkContinue', (req, res) => {
      if (req.headers['x-allow'] === 'no') {
        res.writeHead(417);
        res.end('nope');
        return;
      }
      res.writeContinue();
      special.server.emit('request', req, res);
    });
    if (await ipv6Available()) v6 = await startUpstream(echoHandler('v6'), '::1');

    backend.add(
      makeProject(
        'shop',
        [
          makeService('web', { port: web.port }),
          makeService('api', { port: api.port }),
          makeService('special', { port: special.port }),
          makeService('vite', { port: v6?.port ?? 1 }),
        ],
        [route('/', 'web'), route('/api', 'api'), route('/v2/api', 'api', false), route('/special', 'special'), route('/vite', 'vite')],
      ),
    );
    proxy = new ProxyServer({ backend, port: 0, instanceId: 'test' });
    port = (await proxy.listen()).port;
    // The loop: a service whose port is the proxy itself.
    backend.add(makeProject('loop', [makeService('self', { port })], [route('/', 'self')]));
  });

  after(async () => {
    await proxy.close();
    await Promise.all([web.close(), api.close(), special.close(), v6?.close()]);
  });

  const echo = async (host: string, path: string, headers: Record<string, string> = {}): Promise<EchoBody & { servedBy: string | undefined }> => {
    const res = await request(port, { host, path, headers });
    assert.equal(res.status, 200, res.text);
    return { ...(JSON.parse(res.text) as EchoBody), servedBy: res.headers['x-served-by'] as string | undefined };
  };

  it('listens on the port it reports, on loopback', () => {
    assert.equal(proxy.port, port);
    assert.ok(port > 0);
  });

  it('strips the route prefix', async () => {
    const e = await echo('shop.localhost', '/api/users?x=1');
    assert.equal(e.servedBy, 'api');
    assert.equal(e.url, '/users?x=1');
    assert.equal((await echo('shop.localhost', '/api')).url, '/');
    assert.equal((await echo('shop.localhost', '/api/')).url, '/');
    assert.equal((await echo('shop.localhost', '/api?x')).url, '/?x');
  });

  it('keeps the prefix when strip_prefix is false, and prefers the longest prefix', async () => {
    const e = await echo('shop.localhost', '/v2/api/items?page=2');
    assert.equal(e.servedBy, 'api');
    assert.equal(e.url, '/v2/api/items?page=2');
  });

  it('matches prefixes on segment boundaries: /apix is not /api', async () => {
    const e = await echo('shop.localhost', '/apix');
    assert.equal(e.servedBy, 'web');
    assert.equal(e.url, '/apix');
  });

  it('sends <service>.<project>.localhost to that service, path unchanged', async () => {
    const e = await echo('api.shop.localhost', '/api/users?x=1');
    assert.equal(e.servedBy, 'api');
    assert.equal(e.url, '/api/users?x=1');
  });

  it('matches the host case-insensitively, with a port and a trailing dot, and keeps Host', async () => {
    const e = await echo(`SHOP.LocalHost.:${port}`, '/api/x');
    assert.equal(e.servedBy, 'api');
    assert.equal(e.headers.host, `SHOP.LocalHost.:${port}`);
  });

  it('passes percent-encoding and query strings through untouched', async () => {
    const path = '/api/a%2Fb/%E2%9C%93/%zz?q=%20x+y&q=2&empty=&%3D=%26#';
    const e = await echo('shop.localhost', path.replace('#', ''));
    assert.equal(e.url, '/a%2Fb/%E2%9C%93/%zz?q=%20x+y&q=2&empty=&%3D=%26');
    // Encoded prefix bytes are not the prefix: no decoding before matching.
    const encoded = await echo('shop.localhost', '/%61pi/x');
    assert.equal(encoded.servedBy, 'web');
    assert.equal(encoded.url, '/%61pi/x');
  });

  it('sets X-Forwarded-*, Forwarded and Via, appending to what the client sent', async () => {
    const host = `shop.localhost:${port}`;
    const e = await echo(host, '/api/h', { 'x-forwarded-for': '203.0.113.9', forwarded: 'for=203.0.113.9' });
    assert.equal(e.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
    assert.equal(e.headers['x-forwarded-host'], host);
    assert.equal(e.headers['x-forwarded-proto'], 'http');
    assert.equal(e.headers.forwarded, `for=203.0.113.9, for=127.0.0.1;host="${host}";proto=http`);
    assert.equal(e.headers.via, '1.1 locald-test');
  });

  it('keeps header order and case', async () => {
    const e = await echo('shop.localhost', '/api/', { 'X-Custom-Case': 'A', 'x-lower': 'b' });
    const names = e.rawHeaders.filter((_, i) => i % 2 === 0);
    assert.ok(names.includes('X-Custom-Case'), names.join(','));
    assert.ok(names.indexOf('X-Custom-Case') < names.indexOf('x-lower'));
  });

  it('removes hop-by-hop headers, including those named in Connection, both ways', async () => {
    const e = await echo('shop.localhost', '/api/hop', {
      connection: 'keep-alive, X-Secret',
      'x-secret': 'leak',
      'keep-alive': 'timeout=99',
      'proxy-authorization': 'Basic Zm9vOmJhcg==',
      'proxy-connection': 'keep-alive',
      te: 'trailers, deflate',
      'x-end-to-end': 'kept',
    });
    assert.equal(e.headers['x-secret'], undefined);
    assert.equal(e.headers['keep-alive'], undefined);
    assert.equal(e.headers['proxy-authorization'], undefined);
    assert.equal(e.headers['proxy-connection'], undefined);
    assert.equal(e.headers.te, 'trailers');
    assert.equal(e.headers['x-end-to-end'], 'kept');

    const res = await request(port, { host: 'shop.localhost', path: '/special/hop' });
    assert.equal(res.status, 200);
    assert.equal(res.text, 'ok');
    assert.equal(res.headers['x-resp-secret'], undefined);
    assert.equal(res.headers['proxy-authenticate'], undefined);
    assert.notEqual(res.headers['keep-alive'], 'timeout=99');
    assert.equal(res.headers['x-kept'], 'yes');
    assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(res.headers.via, '1.1 locald-test');
  });

  it('reuses one upstream connection for sequential requests (keep-alive pool)', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const one = JSON.parse((await request(port, { host: 'shop.localhost', path: '/api/1', agent })).text) as EchoBody;
      const two = JSON.parse((await request(port, { host: 'shop.localhost', path: '/api/2', agent })).text) as EchoBody;
      assert.equal(one.remotePort, two.remotePort);
      // A fresh client connection still gets the pooled upstream socket.
      const three = JSON.parse((await request(port, { host: 'shop.localhost', path: '/api/3' })).text) as EchoBody;
      assert.equal(three.remotePort, one.remotePort);
    } finally {
      agent.destroy();
    }
  });

  it('reaches a service that listens on ::1 only', async (t) => {
    if (v6 === undefined) {
      t.skip('this machine has no IPv6 loopback');
      return;
    }
    const e = await echo('shop.localhost', '/vite/page');
    assert.equal(e.servedBy, 'v6');
    assert.equal(e.url, '/page');
    assert.equal(e.remoteAddress, '::1');
    const again = await echo('shop.localhost', '/vite/again');
    assert.equal(again.servedBy, 'v6');
  });

  it('streams a 3 MB upload intact', async () => {
    const body = randomBytes(3 * 1024 * 1024);
    const res = await request(port, { host: 'shop.localhost', path: '/special/sha', method: 'POST', body });
    assert.equal(res.status, 200);
    const got = JSON.parse(res.text) as { n: number; sha: string };
    assert.equal(got.n, body.length);
    assert.equal(got.sha, createHash('sha256').update(body).digest('hex'));
  });

  it('streams a 3 MB chunked upload back intact', async () => {
    const body = randomBytes(3 * 1024 * 1024 + 17);
    const digest = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: 'PUT', path: '/special/mirror', headers: { host: 'shop.localhost', 'transfer-encoding': 'chunked' }, agent: false },
        (res) => {
          const hash = createHash('sha256');
          res.on('data', (c: Buffer) => hash.update(c));
          res.on('end', () => resolve(hash.digest('hex')));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < body.length; i += 65536) req.write(body.subarray(i, i + 65536));
      req.end();
    });
    assert.equal(digest, createHash('sha256').update(body).digest('hex'));
  });

  it('relays response trailers', async () => {
    const res = await request(port, { host: 'shop.localhost', path: '/special/trailers' });
    assert.equal(res.text, 'part one,part two');
    assert.equal(res.trailers['x-checksum'], 'abc123');
  });

  it('delivers the first SSE event before the stream ends', async () => {
    const { firstEvent, rest } = await new Promise<{ firstEvent: string; rest: Promise<string> }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/special/sse', headers: { host: 'shop.localhost', accept: 'text/event-stream' }, agent: false }, (res) => {
        assert.equal(res.headers['content-type'], 'text/event-stream');
        let text = '';
        let resolved = false;
        const rest = new Promise<string>((done) => res.on('end', () => done(text)));
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
          if (!resolved && text.includes('\n\n')) {
            resolved = true;
            assert.equal(res.readableEnded, false);
            resolve({ firstEvent: text, rest });
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(firstEvent, 'data: first\n\n');
    sse.release();
    assert.equal(await rest, 'data: first\n\ndata: second\n\n');
  });

  it('cancels the upstream request when the client goes away', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/special/forever', headers: { host: 'shop.localhost' }, agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.on('close', () => resolve());
      req.end();
      setTimeout(() => reject(new Error('no first event')), 10_000).unref();
    });
    await waitFor(() => (cancelled.includes('/forever') ? true : undefined), 'the service to see the cancel');
  });

  it('lets the service decide on Expect: 100-continue', async () => {
    const ok = await request(port, { host: 'shop.localhost', path: '/special/continue', method: 'POST', headers: { expect: '100-continue' }, body: 'payload' });
    assert.equal(ok.status, 200);
    assert.equal(ok.text, 'got it');
    const refused = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/special/continue', headers: { host: 'shop.localhost', expect: '100-continue', 'x-allow': 'no', 'content-length': '7' }, agent: false });
      req.on('continue', () => reject(new Error('got 100 Continue although the service refused')));
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.equal(refused, 417);
  });

  it('answers HEAD without a body', async () => {
    const res = await request(port, { host: 'shop.localhost', path: '/api/x', method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 0);
  });

  it('forwards a POST with no body as Content-Length: 0', async () => {
    const e = JSON.parse((await request(port, { host: 'shop.localhost', path: '/api/p', method: 'POST' })).text) as EchoBody;
    assert.equal(e.method, 'POST');
    assert.equal(e.headers['content-length'], '0');
    assert.equal(e.headers['transfer-encoding'], undefined);
  });

  it('answers 508 when a request loops back into the proxy', async () => {
    const res = await request(port, { host: 'loop.localhost', path: '/', headers: { accept: 'application/json' } });
    assert.equal(res.status, 508);
    assert.equal(res.headers['content-type'], 'application/problem+json');
    const problem = JSON.parse(res.text) as { title: string; detail: string };
    assert.equal(problem.title, 'Loop detected');
    assert.match(problem.detail, /locald-test/);
  });

  it('keeps serving after many requests on one keep-alive client connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => request(port, { host: 'shop.localhost', path: `/api/n${i}`, agent })));
      results.forEach((r, i) => assert.equal((JSON.parse(r.text) as EchoBody).url, `/n${i}`));
      await waitFor(() => (agent.freeSockets['127.0.0.1:' + port + ':'] ?? []).length === 1 || undefined, 'the client socket to be free');
    } finally {
      agent.destroy();
    }
  });
});
