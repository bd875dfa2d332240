// Failures explained: every way a request can fail gets a page that says why, as HTML for
// browsers and RFC 9457 problem+json for other clients.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ProxyServer } from '../../engine/proxy/index.js';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { request, startUpstream, type ClientResponse, type Upstream } from '../helpers/proxy-net.js';

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const JSON_ACCEPT = { accept: 'application/json' };

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function problem(res: ClientResponse): Record<string, unknown> {
  assert.equal(res.headers['content-type'], 'application/problem+json', res.text);
  assert.equal(res.headers['cache-control'], 'no-store');
  const body = JSON.parse(res.text) as Record<string, unknown>;
  assert.equal(body.status, res.status);
  assert.equal(typeof body.type, 'string');
  assert.equal(typeof body.title, 'string');
  assert.equal(typeof body.detail, 'string');
  return body;
}

function html(res: ClientResponse): string {
  assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.match(res.headers['content-security-policy'] as string, /default-src 'none'/);
  assert.doesNotMatch(res.text, /<script/i);
  assert.doesNotMatch(res.text, /(src|href)="https?:\/\/(?!\w+\.localhost)/);
  return res.text;
}

describe('proxy: error pages', () => {
  const backend = new TestBackend();
  let proxy: ProxyServer;
  let port: number;
  let hang: Upstream;
  let reset: Upstream;
  let slowStream: Upstream;
  let refusedPort: number;
  const hanging = new Set<http.ServerResponse>();

  before(async () => {
    refusedPort = await closedPort();
    hang = await startUpstream((_req, res) => {
      hanging.add(res); // never answers
    });
    reset = await startUpstream((req, res) => {
      if (req.url === '/length') {
        res.writeHead(200, { 'content-length': '100000' });
        res.write('x'.repeat(1000));
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial ');
      }
      setImmediate(() => req.socket.destroy());
    });
    // Headers now, events later than the header timeout: a streaming response must not be cut.
    slowStream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      setTimeout(() => res.end('data: 2\n\n'), 700);
    });
    backend.add(
      makeProject(
        'shop',
        [
          makeService('web', { status: 'stopped', port: null }),
          makeService('api', { status: 'crashed', port: 4999, lastExit: { code: 3, signal: null, at: Date.now() } }),
          makeService('auth', { status: 'starting', port: 5000 }),
          makeService('jobs', { status: 'backoff', port: 5001, restarts: 2, lastExit: { code: 1, signal: null, at: Date.now() }, nextRestartAt: Date.now() + 4000 }),
          makeService('gone', { status: 'ready', port: refusedPort, diagnostics: [] }),
          makeService('hang', { status: 'ready', port: hang.port }),
          makeService('reset', { status: 'ready', port: reset.port }),
          makeService('stream', { status: 'ready', port: slowStream.port }),
          makeService('killed', { status: 'crashed', port: 5002, lastExit: { code: null, signal: 'SIGKILL', at: Date.now() } }),
        ],
        [
          route('/', 'web'),
          route('/api', 'api'),
          route('/auth', 'auth'),
          route('/jobs', 'jobs'),
          route('/gone', 'gone'),
          route('/hang', 'hang'),
          route('/reset', 'reset'),
          route('/stream', 'stream'),
          route('/killed', 'killed'),
        ],
      ),
    );
    backend.add(makeProject('blog', [makeService('site', { port: 1 })], [route('/docs', 'site')], { status: 'stopped' }));
    backend.log('shop', 'api', 'starting api', 'listening on 4999', '<script>alert("pwned")</script>', 'Error: boom');
    proxy = new ProxyServer({ backend, port: 0, instanceId: 'errs', upstreamTimeoutMs: 300 });
    port = (await proxy.listen()).port;
  });

  after(async () => {
    for (const res of hanging) res.destroy();
    await proxy.close();
    await Promise.all([hang.close(), reset.close(), slowStream.close()]);
  });

  it('unknown project: 404 listing the projects and their URLs', async () => {
    const json = await request(port, { host: 'nope.localhost', headers: JSON_ACCEPT });
    assert.equal(json.status, 404);
    const body = problem(json);
    assert.equal(body.type, 'urn:locald:problem:unknown-project');
    assert.equal(body.project, 'nope');
    assert.deepEqual(
      (body.projects as { name: string; url: string }[]).map((p) => [p.name, p.url]),
      [
        ['shop', 'http://shop.localhost:7700/'],
        ['blog', 'http://blog.localhost:7700/'],
      ],
    );
    const page = html(await request(port, { host: 'nope.localhost', headers: HTML }));
    assert.match(page, /There is no project named &#39;nope&#39;/);
    assert.match(page, /<a href="http:\/\/shop\.localhost:7700\/">shop<\/a>/);
  });

  it('bare localhost and IP hosts: 404 listing the projects', async () => {
    for (const host of ['localhost', `127.0.0.1:${port}`, `[::1]:${port}`]) {
      const res = await request(port, { host, headers: JSON_ACCEPT });
      assert.equal(res.status, 404, host);
      assert.equal(problem(res).type, 'urn:locald:problem:no-project');
    }
  });

  it('unknown service host: 404 listing the services', async () => {
    const res = await request(port, { host: 'nope.shop.localhost', headers: JSON_ACCEPT });
    assert.equal(res.status, 404);
    const body = problem(res);
    assert.equal(body.service, 'nope');
    assert.ok((body.services as string[]).includes('api'));
  });

  it('no matching route: 404 listing the project routes', async () => {
    const res = await request(port, { host: 'blog.localhost', path: '/other', headers: JSON_ACCEPT });
    assert.equal(res.status, 404);
    const body = problem(res);
    assert.equal(body.type, 'urn:locald:problem:no-route');
    assert.equal(body.path, '/other');
    assert.deepEqual(body.routes, [{ prefix: '/docs', service: 'site', stripPrefix: true }]);
    const page = html(await request(port, { host: 'blog.localhost', path: '/other', headers: HTML }));
    assert.match(page, /\/docs/);
  });

  it('stopped service: 503 saying it is not running and how to start it', async () => {
    const res = await request(port, { host: 'shop.localhost', path: '/', headers: JSON_ACCEPT });
    assert.equal(res.status, 503);
    const body = problem(res);
    assert.match(body.detail as string, /service 'web' of project 'shop' is not running/i);
    assert.match(body.hint as string, /dashboard/);
    const page = html(await request(port, { host: 'shop.localhost', path: '/', headers: HTML }));
    assert.match(page, /Service &#39;web&#39; of project &#39;shop&#39; is not running/);
  });

  it('starting service: 503 that reloads itself, with Retry-After', async () => {
    const res = await request(port, { host: 'shop.localhost', path: '/auth/login', headers: HTML });
    assert.equal(res.status, 503);
    assert.equal(res.headers['retry-after'], '1');
    assert.equal(res.headers.refresh, '1');
    assert.match(html(res), /starting/);
    const json = await request(port, { host: 'shop.localhost', path: '/auth/login', headers: JSON_ACCEPT });
    assert.equal(json.status, 503);
    assert.equal(json.headers['retry-after'], '1');
    assert.equal(problem(json).serviceStatus, 'starting');
  });

  it('backing-off service: 503 with the exit and a retry time', async () => {
    const res = await request(port, { host: 'shop.localhost', path: '/jobs', headers: JSON_ACCEPT });
    assert.equal(res.status, 503);
    const body = problem(res);
    assert.equal(body.exitCode, 1);
    assert.equal(body.restarts, 2);
    assert.ok(Number(res.headers['retry-after']) >= 1);
  });

  it('crashed service: 502 with its exit code and last log lines, HTML-escaped', async () => {
    const json = await request(port, { host: 'shop.localhost', path: '/api/x', headers: JSON_ACCEPT });
    assert.equal(json.status, 502);
    const body = problem(json);
    assert.equal(body.service, 'api');
    assert.equal(body.exitCode, 3);
    assert.match(body.detail as string, /exited with code 3/);
    assert.deepEqual(body.logs, ['starting api', 'listening on 4999', '<script>alert("pwned")</script>', 'Error: boom']);

    const page = html(await request(port, { host: 'shop.localhost', path: '/api/x', headers: HTML }));
    assert.match(page, /exited with code 3/);
    assert.match(page, /&lt;script&gt;alert\(&quot;pwned&quot;\)&lt;\/script&gt;/);

    const killed = problem(await request(port, { host: 'shop.localhost', path: '/killed', headers: JSON_ACCEPT }));
    assert.match(killed.detail as string, /killed by signal SIGKILL/);
    assert.equal(killed.signal, 'SIGKILL');
  });

  it('connection refused: 502 naming both loopback addresses and the port', async () => {
    const res = await request(port, { host: 'shop.localhost', path: '/gone', headers: JSON_ACCEPT });
    assert.equal(res.status, 502);
    const body = problem(res);
    assert.equal(body.detail, `Nothing is listening on 127.0.0.1:${refusedPort} or [::1]:${refusedPort} (service 'gone', $PORT=${refusedPort}).`);
    assert.equal(body.port, refusedPort);
  });

  it('upstream too slow to answer: 504', async () => {
    const res = await request(port, { host: 'shop.localhost', path: '/hang', headers: JSON_ACCEPT });
    assert.equal(res.status, 504);
    const body = problem(res);
    assert.equal(body.type, 'urn:locald:problem:upstream-timeout');
    assert.equal(body.timeoutMs, 300);
  });

  it('the header timeout never cuts a response that is already streaming', async () => {
    const res = await request(port, { host: 'shop.localhost', path: '/stream', headers: { accept: 'text/event-stream' } });
    assert.equal(res.status, 200);
    assert.equal(res.text, 'data: 1\n\ndata: 2\n\n');
  });

  for (const path of ['/reset/chunked', '/reset/length']) {
    it(`upstream reset mid-response aborts the client response (${path})`, async () => {
      const outcome = await new Promise<{ error?: string; complete: boolean }>((resolve) => {
        const req = http.request({ host: '127.0.0.1', port, path, headers: { host: 'shop.localhost' }, agent: false }, (res) => {
          assert.equal(res.statusCode, 200);
          res.on('data', () => undefined);
          res.on('error', (e) => resolve({ error: e.message, complete: res.complete }));
          res.on('end', () => resolve({ complete: res.complete }));
          res.on('close', () => resolve({ complete: res.complete }));
        });
        req.on('error', (e) => resolve({ error: e.message, complete: false }));
        req.end();
      });
      assert.equal(outcome.complete, false, 'the client must not see a complete response');
    });
  }

  it('bad Host: 400 naming the problem', async () => {
    const res = await request(port, { host: 'a..b.localhost', headers: JSON_ACCEPT });
    assert.equal(res.status, 400);
    assert.match(problem(res).detail as string, /not a valid DNS label/);
    const tooDeep = await request(port, { host: 'a.b.c.localhost', headers: JSON_ACCEPT });
    assert.equal(tooDeep.status, 400);
    const reserved = await request(port, { host: 'x.locald.localhost', headers: JSON_ACCEPT });
    assert.equal(reserved.status, 400);
  });

  it('dashboard host without dashboard hooks: 404', async () => {
    const res = await request(port, { host: `locald.localhost:${port}`, headers: JSON_ACCEPT });
    assert.equal(res.status, 404);
    assert.equal(problem(res).type, 'urn:locald:problem:dashboard-unavailable');
  });

  it('HEAD gets the status and headers of the error, no body', async () => {
    const res = await request(port, { host: 'nope.localhost', method: 'HEAD', headers: JSON_ACCEPT });
    assert.equal(res.status, 404);
    assert.equal(res.body.length, 0);
    assert.equal(res.headers['cache-control'], 'no-store');
  });
});

describe('proxy: dashboard hooks', () => {
  it('sends locald.localhost requests and upgrades to the dashboard', async () => {
    const seen: string[] = [];
    const proxy = new ProxyServer({
      backend: new TestBackend(),
      port: 0,
      dashboard: {
        handleRequest(req, res) {
          seen.push(`req ${req.url}`);
          res.end('dashboard');
        },
        handleUpgrade(req, socket) {
          seen.push(`upgrade ${req.url}`);
          socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        },
      },
    });
    const { port } = await proxy.listen();
    try {
      const res = await request(port, { host: `LOCALD.localhost:${port}`, path: '/ui' });
      assert.equal(res.text, 'dashboard');
      const up = await request(port, { host: 'locald.localhost', path: '/api/ws', headers: { connection: 'upgrade', upgrade: 'websocket' } });
      assert.equal(up.status, 403);
      assert.deepEqual(seen, ['req /ui', 'upgrade /api/ws']);
    } finally {
      await proxy.close();
    }
  });
});
