// `protocol = "h2c"` for HTTP/1.1 clients: plain http.request clients through the real proxy
// to a real node:http2 h2c server. Status, headers, bodies both ways (large ones too),
// trailers both ways, resets, cancels, an unreachable service, WebSocket refusal, capture.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { ExchangeDetail, HeaderList } from '../../shared/traffic.js';
import { TrafficStore } from '../../engine/capture/index.js';
import { ProxyServer } from '../../engine/proxy/index.js';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { request, waitFor } from '../helpers/proxy-net.js';
import { startEchoServer, type EchoServer } from '../helpers/h2-grpc.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function header(list: HeaderList, name: string): string | undefined {
  return list.find(([n]) => n.toLowerCase() === name)?.[1];
}

interface Seen {
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders | null;
  size: number;
  sha: string;
}

/** A plain h2c (prior knowledge) service that can only speak HTTP/2. */
function startH2cService(events: { cancelled: string[] }): Promise<{ server: http2.Http2Server; port: number }> {
  const big = randomBytes(3 * 1024 * 1024);
  const server = http2.createServer();
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    stream.on('error', () => undefined);
    const path = String(headers[':path']);
    if (path === '/hang') {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.write('waiting');
      stream.on('close', () => {
        if (stream.rstCode === http2.constants.NGHTTP2_CANCEL) events.cancelled.push(path);
      });
      return;
    }
    if (path === '/reset-early') {
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    if (path === '/reset-mid') {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.write('partial', () => setTimeout(() => stream.destroy(new Error('service breaks off')), 30));
      return;
    }
    if (path === '/big') {
      stream.respond({ ':status': 200, 'content-type': 'application/octet-stream', 'x-sha': sha(big) });
      stream.end(big);
      return;
    }
    if (path === '/no-content') {
      stream.respond({ ':status': 204, 'x-empty': 'yes' }, { endStream: true });
      return;
    }
    const chunks: Buffer[] = [];
    let trailers: IncomingHttpHeaders | null = null;
    stream.on('trailers', (t: IncomingHttpHeaders) => {
      trailers = t;
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      const seen: Seen = { headers, trailers, size: body.length, sha: sha(body) };
      if (path === '/trailers') {
        stream.respond({ ':status': 200, 'content-type': 'application/json' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'c0ffee', 'grpc-status': '0' }));
        stream.end(JSON.stringify(seen));
        return;
      }
      stream.respond({ ':status': 201, 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'], 'x-service': 'h2c' });
      stream.end(JSON.stringify(seen));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as net.AddressInfo).port })));
}

describe('protocol = "h2c": HTTP/1.1 clients reach the service over h2c', () => {
  const backend = new TestBackend();
  const store = new TrafficStore(undefined, { batchIntervalMs: 50 });
  const events = { cancelled: [] as string[] };
  let service: http2.Http2Server;
  let proxy: ProxyServer;
  let port: number;
  let deadPort: number;
  let echo: EchoServer;
  const host = (): string => `shop.localhost:${port}`;

  before(async () => {
    const started = await startH2cService(events);
    service = started.server;
    deadPort = await freePort();
    echo = await startEchoServer();
    backend.add(
      makeProject(
        'shop',
        [makeService('api', { port: started.port, protocol: 'h2c' }), makeService('gone', { port: deadPort, protocol: 'h2c' }), makeService('rpc', { port: echo.port })],
        [route('/api', 'api'), route('/gone', 'gone'), route('/locald.test.Echo', 'rpc', false)],
      ),
    );
    proxy = new ProxyServer({ backend, port: 0, host: ['127.0.0.1'], capture: store });
    port = (await proxy.listen()).port;
  });
  after(async () => {
    await proxy.close();
    await new Promise<void>((resolve) => service.close(() => resolve()));
    await echo.close();
    store.close();
  });

  const find = (pred: (d: ExchangeDetail) => boolean, what: string): Promise<ExchangeDetail> =>
    waitFor(() => {
      for (const s of store.list()) {
        const d = store.get(s.id);
        if (d !== undefined && pred(d)) return d;
      }
      return undefined;
    }, what, 15_000);

  it('a plain request: status, headers both ways, :authority from Host, hop-by-hop dropped, body', async () => {
    const res = await request(port, {
      host: host(),
      method: 'POST',
      path: '/api/echo?x=1',
      headers: { 'content-type': 'text/plain', connection: 'keep-alive, x-hop', 'x-hop': 'secret', 'x-client': 'one' },
      body: 'hello h2c',
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers['x-service'], 'h2c');
    assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2']);
    assert.match(String(res.headers.via), /locald-/);
    const seen = JSON.parse(res.text) as Seen;
    assert.equal(seen.headers[':authority'], host());
    assert.equal(seen.headers[':path'], '/echo?x=1');
    assert.equal(seen.headers[':method'], 'POST');
    assert.equal(seen.headers['x-client'], 'one');
    assert.equal(seen.headers['x-hop'], undefined, 'a header named in Connection is hop-by-hop');
    assert.equal(seen.headers.host, undefined, 'Host became :authority');
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.size, 'hello h2c'.length);
  });

  it('large bodies both ways arrive whole (backpressure through the h2c stream)', async () => {
    const upload = randomBytes(4 * 1024 * 1024);
    const up = await request(port, { host: host(), method: 'PUT', path: '/api/upload', body: upload });
    assert.equal(up.status, 201);
    const seen = JSON.parse(up.text) as Seen;
    assert.equal(seen.size, upload.length);
    assert.equal(seen.sha, sha(upload));

    const down = await request(port, { host: host(), path: '/api/big' });
    assert.equal(down.status, 200);
    assert.equal(down.body.length, 3 * 1024 * 1024);
    assert.equal(sha(down.body), down.headers['x-sha']);
  });

  it('trailers both ways: chunked request trailers reach the service, its trailers reach the client', async () => {
    const result = await new Promise<{ status: number; body: string; trailers: NodeJS.Dict<string> }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: '/api/trailers', headers: { host: host(), te: 'trailers', trailer: 'x-req-sum' }, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), trailers: res.trailers }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.write('part one,');
      req.write('part two');
      req.addTrailers({ 'x-req-sum': '42' });
      req.end();
    });
    assert.equal(result.status, 200);
    const seen = JSON.parse(result.body) as Seen;
    assert.equal(seen.size, 'part one,part two'.length);
    assert.equal(seen.headers.te, 'trailers');
    assert.equal(seen.trailers?.['x-req-sum'], '42');
    assert.equal(result.trailers['x-checksum'], 'c0ffee');
    assert.equal(result.trailers['grpc-status'], '0');

    const d = await find((e) => e.url === '/api/trailers' && e.state === 'complete', 'the trailers exchange');
    assert.equal(d.clientProtocol, 'http/1.1');
    assert.equal(d.upstreamProtocol, 'h2c');
    assert.equal(header(d.requestTrailers, 'x-req-sum'), '42');
    assert.equal(header(d.responseTrailers, 'x-checksum'), 'c0ffee');
    assert.equal(header(d.forwardedRequestHeaders, ':authority'), host());
    assert.equal(Buffer.from(store.body(d.id, 'request')?.base64 ?? '', 'base64').toString(), 'part one,part two');
  });

  it('Expect: 100-continue gets its 100 from the proxy once the service stream is open', async () => {
    const result = await new Promise<{ status: number; seen: Seen; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: '/api/expect', headers: { host: host(), expect: '100-continue', 'content-length': '4' }, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, seen: JSON.parse(Buffer.concat(chunks).toString()) as Seen, continued }));
        },
      );
      req.on('continue', () => {
        continued = true;
        req.end('body');
      });
      req.on('error', reject);
    });
    assert.equal(result.continued, true);
    assert.equal(result.status, 201);
    assert.equal(result.seen.size, 4);
    assert.equal(result.seen.headers.expect, undefined, 'Expect is answered by the proxy, not forwarded');
  });

  it('HEAD and 204 answers carry no body', async () => {
    const none = await request(port, { host: host(), path: '/api/no-content' });
    assert.equal(none.status, 204);
    assert.equal(none.headers['x-empty'], 'yes');
    assert.equal(none.body.length, 0);
    const head = await request(port, { host: host(), method: 'HEAD', path: '/api/echo' });
    assert.equal(head.status, 201);
    assert.equal(head.body.length, 0);
  });

  it('a service that resets before answering gets an explained 502', async () => {
    const res = await request(port, { host: host(), path: '/api/reset-early', headers: { accept: 'application/json' } });
    assert.equal(res.status, 502);
    const problem = JSON.parse(res.text) as { code?: string; detail: string; type: string };
    assert.match(problem.detail, /REFUSED_STREAM/);
    assert.match(problem.detail, /api/);
  });

  it('a service that resets mid-response aborts the client connection and is recorded as failed', async () => {
    const outcome = await new Promise<{ body: string; aborted: boolean }>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/api/reset-mid', headers: { host: host() }, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('error', () => undefined);
        res.on('close', () => resolve({ body, aborted: !res.complete }));
      });
      req.on('error', () => resolve({ body: '', aborted: true }));
    });
    assert.equal(outcome.aborted, true, 'the client must not see a clean end');
    assert.equal(outcome.body, 'partial');
    const d = await find((e) => e.url === '/api/reset-mid' && e.state === 'error', 'the reset exchange');
    assert.equal(d.error?.code, 'upstream-reset');
    assert.match(d.error?.detail ?? '', /INTERNAL_ERROR/);
  });

  it('a client that disconnects cancels the service stream', async () => {
    await new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/api/hang', headers: { host: host() }, agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
    });
    await waitFor(() => (events.cancelled.includes('/hang') ? true : undefined), 'the service to see RST_STREAM CANCEL');
    const d = await find((e) => e.url === '/api/hang' && e.state !== 'streaming', 'the aborted exchange');
    assert.equal(d.state, 'aborted');
  });

  it('an unreachable h2c service gets the same explained 502 as HTTP/1.1', async () => {
    const res = await request(port, { host: host(), path: '/gone/x', headers: { accept: 'application/json' } });
    assert.equal(res.status, 502);
    const problem = JSON.parse(res.text) as { type: string; detail: string };
    assert.equal(problem.type, 'urn:locald:problem:connection-refused');
    assert.ok(problem.detail.includes(String(deadPort)), problem.detail);
    const d = await find((e) => e.url === '/gone/x' && e.state === 'error', 'the refused exchange');
    assert.equal(d.error?.code, 'connection-refused');
    assert.equal(d.upstreamProtocol, 'h2c');
  });

  it('a WebSocket upgrade to an h2c service is refused with a 502 that says why', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        path: '/api/socket',
        headers: {
          host: host(),
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': randomBytes(16).toString('base64'),
          accept: 'application/json',
        },
        agent: false,
      });
      req.on('upgrade', () => reject(new Error('the upgrade must not succeed')));
      req.on('response', (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.status, 502);
    const problem = JSON.parse(res.body) as { title: string; detail: string };
    assert.match(problem.title, /h2c/);
    assert.match(problem.detail, /protocol = "h2c".*websocket/);
    const d = await find((e) => e.url === '/api/socket' && e.state === 'error', 'the refused upgrade');
    assert.equal(d.kind, 'websocket');
    assert.equal(d.status, 502);
  });

  it('a gRPC request over HTTP/1.1 (a replayed call) goes to the service over h2c, trailers included', async () => {
    const text = Buffer.from('over-http1');
    const message = Buffer.concat([Buffer.from([0x0a, text.length]), text]);
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
    const res = await request(port, {
      host: host(),
      method: 'POST',
      path: '/locald.test.Echo/Unary',
      headers: { 'content-type': 'application/grpc', te: 'trailers', 'content-length': String(frame.length) },
      body: frame,
    });
    assert.equal(res.status, 200);
    assert.equal(res.trailers['grpc-status'], '0');
    assert.ok(res.body.toString().includes('echo:over-http1'), res.body.toString());
  });
});
