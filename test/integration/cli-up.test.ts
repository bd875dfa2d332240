// `locald up` end to end: the built CLI as a child process, the shop example's three real
// services, and real clients through the proxy.
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { REPO, startLocald, type LocaldProcess } from '../helpers/locald-cli.js';
import { request, waitFor } from '../helpers/proxy-net.js';

const SHOP = join(REPO, 'examples', 'shop');

describe('locald up examples/shop', () => {
  let locald: LocaldProcess;
  let port: number;
  const host = (): string => `shop.localhost:${port}`;

  before(async () => {
    locald = startLocald(['up', SHOP, '--http-port', '0']);
    port = await locald.port();
    await locald.waitForOutput(/shop is running at http:\/\/shop\.localhost:\d+\//, 60_000);
  });

  after(async () => {
    await locald?.stop('SIGTERM');
  });

  test('prints the project URL, its routes and the dashboard URL with a token', () => {
    const out = locald.output();
    assert.match(out, new RegExp(`http://shop\\.localhost:${port}/api -> api`));
    assert.match(out, new RegExp(`http://api\\.shop\\.localhost:${port}/ -> api`));
    assert.match(out, /dashboard http:\/\/locald\.localhost:\d+\/\?token=[\w-]{20,}/);
    assert.match(out, /shop\/api\s+\| api: listening on \d+/);
  });

  test('a stripped prefix: /api/hello reaches the api as /hello, query intact', async () => {
    const res = await request(port, { host: host(), path: '/api/hello?x=%2F1&y' });
    assert.equal(res.status, 200);
    const body = JSON.parse(res.text) as { path: string; host: string };
    assert.equal(body.path, '/hello?x=%2F1&y');
    assert.equal(body.host, host(), 'Host is kept by default');
  });

  test('a kept prefix: /live/events reaches live with its prefix, and the first SSE event arrives before the stream ends', async () => {
    const first = await new Promise<string>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/live/events', headers: { host: host(), accept: 'text/event-stream' } }, (res) => {
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers['content-type']), /text\/event-stream/);
        res.once('data', (chunk: Buffer) => {
          resolve(chunk.toString());
          req.destroy();
        });
      });
      req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
    });
    assert.match(first, /event: tick\ndata: \{"n":1/);
  });

  test('/apix does not match /api: it falls through to the / route (web)', async () => {
    const res = await request(port, { host: host(), path: '/apix' });
    assert.equal(res.status, 404);
    assert.match(res.text, /^web: no page at \/apix/);
  });

  test('the frontend is served at /', async () => {
    const res = await request(port, { host: host(), path: '/' });
    assert.equal(res.status, 200);
    assert.match(res.text, /<h1>shop<\/h1>/);
  });

  test('<service>.<project>.localhost reaches the service unchanged, case-insensitively', async () => {
    const res = await request(port, { host: `API.Shop.localhost:${port}`, path: '/products' });
    assert.equal(res.status, 200);
    assert.deepEqual((JSON.parse(res.text) as { name: string }[]).map((p) => p.name), ['Teapot', 'Kettle']);
  });

  test('WebSocket echo through /live/ws', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/live/ws`, { headers: { host: host() } });
    const echoed = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('hello through locald'));
      ws.once('message', (data) => resolve(data.toString()));
      ws.once('error', reject);
    });
    ws.close();
    assert.equal(echoed, 'hello through locald');
  });

  test('a 3 MB POST streams through intact', async () => {
    const payload = randomBytes(3 * 1024 * 1024);
    const res = await request(port, {
      host: host(),
      method: 'POST',
      path: '/api/echo',
      headers: { 'content-type': 'application/octet-stream' },
      body: payload,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.text), { received: payload.length });
  });

  test('X-Forwarded-* and Forwarded are appended to what the client sent', async () => {
    const res = await request(port, {
      host: host(),
      path: '/api/hello',
      headers: { 'x-forwarded-for': '203.0.113.7', forwarded: 'for=203.0.113.7' },
    });
    const body = JSON.parse(res.text) as Record<string, string | null>;
    assert.equal(body.forwardedFor, '203.0.113.7, 127.0.0.1');
    assert.equal(body.forwardedHost, host());
    assert.equal(body.forwardedProto, 'http');
    assert.equal(body.forwarded, `for=203.0.113.7, for=127.0.0.1;host="${host()}";proto=http`);
  });

  test('an unknown host gets a 404 that lists the running projects', async () => {
    const html = await request(port, { host: `nope.localhost:${port}`, headers: { accept: 'text/html' } });
    assert.equal(html.status, 404);
    assert.equal(html.headers['cache-control'], 'no-store');
    assert.match(String(html.headers['content-type']), /text\/html/);
    assert.ok(html.text.includes(`http://shop.localhost:${port}/`), 'the page links the shop project');
    const json = await request(port, { host: `nope.localhost:${port}` });
    assert.match(String(json.headers['content-type']), /application\/problem\+json/);
    const problem = JSON.parse(json.text) as { status: number; projects: { name: string }[] };
    assert.equal(problem.status, 404);
    assert.deepEqual(problem.projects.map((p) => p.name), ['shop']);
  });

  test('garbage on the port does not take the engine down', async () => {
    const net = await import('node:net');
    for (const bytes of ['\x00\x01\x02\r\n\r\n', 'GET / HTTP/1.1\r\nHost: shop.localhost\r\nContent-Length: -1\r\n\r\n', 'GE\u00ff / HTTP/9.9\r\n\r\n']) {
      await new Promise<void>((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port }, () => socket.end(bytes));
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        socket.resume();
      });
    }
    const res = await request(port, { host: host(), path: '/api/products' });
    assert.equal(res.status, 200);
  });

  test('the dashboard refuses a request without the token, and accepts the printed URL', async () => {
    const refused = await request(port, { host: `locald.localhost:${port}`, path: '/' });
    assert.equal(refused.status, 401);
    const token = (await locald.waitForOutput(/\?token=([\w-]+)/))[1] as string;
    const accepted = await request(port, { host: `locald.localhost:${port}`, path: `/?token=${token}` });
    assert.equal(accepted.status, 303);
    assert.match(String(accepted.headers['set-cookie']), /locald_token=.*HttpOnly; SameSite=Strict/);
    const foreign = await request(port, { host: `evil.example:${port}`, path: `/?token=${token}` });
    assert.notEqual(foreign.status, 303, 'a foreign Host never reaches the dashboard');
  });

  test('a 3 MB chunked upload (no Content-Length) streams through too', async () => {
    const payload = randomBytes(3 * 1024 * 1024);
    const got = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: '/api/echo', headers: { host: host(), 'transfer-encoding': 'chunked' } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve((JSON.parse(text) as { received: number }).received));
        },
      );
      req.on('error', reject);
      for (let i = 0; i < payload.length; i += 256 * 1024) req.write(payload.subarray(i, i + 256 * 1024));
      req.end();
    });
    assert.equal(got, payload.length);
  });

  test('https on the same port: HTTP/2 via ALPN with the local CA, X-Forwarded-Proto https', async () => {
    const ca = readFileSync(join(locald.home, 'ca', 'ca.pem'));
    const session = http2.connect(`https://shop.localhost:${port}`, { ca, servername: 'shop.localhost', host: '127.0.0.1', port } as http2.SecureClientSessionOptions);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ':path': '/api/hello', ':authority': host() });
        let text = '';
        stream.on('data', (c: Buffer) => (text += c.toString()));
        stream.on('end', () => resolve(text));
        stream.on('error', reject);
      });
      const seen = JSON.parse(body) as { forwardedProto: string; host: string };
      assert.equal(seen.forwardedProto, 'https');
      assert.equal(seen.host, host(), ':authority becomes Host');
      assert.equal(session.alpnProtocol, 'h2');
    } finally {
      session.close();
    }
  });

  test('SIGTERM stops every service and exits 0', async () => {
    const code = await locald.stop('SIGTERM');
    assert.equal(code, 0);
    assert.match(locald.output(), /locald: stopped\./);
    await waitFor(async () => {
      try {
        await request(port, { host: host(), path: '/' });
        return undefined;
      } catch {
        return true;
      }
    }, 'the proxy port to close');
  });
});
