// Capture of HTTP/2, gRPC and gRPC-Web exchanges: a real ProxyServer with HTTPS from a fresh
// local CA and a real TrafficStore, real clients (node:http2, @grpc/grpc-js, http.request)
// and real services (node:http, grpc-js, a raw node:http2 h2c server).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExchangeDetail, ExchangeSummary, HeaderList } from '../../shared/traffic.js';
import { TrafficStore } from '../../engine/capture/index.js';
import { ProxyServer } from '../../engine/proxy/index.js';
import { LocalCa, secureServerOptions } from '../../engine/tls/index.js';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { startUpstream, waitFor, type Upstream } from '../helpers/proxy-net.js';
import { echoClient, grpc, startEchoServer, unary, type EchoClient, type EchoReply, type EchoServer } from '../helpers/h2-grpc.js';
import { closeSession, connectH2Tls, connectH2c, h2Request } from '../helpers/h2-kit.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function header(list: HeaderList, name: string): string | undefined {
  return list.find(([n]) => n.toLowerCase() === name)?.[1];
}

// Just enough protobuf for EchoRequest { text = 1 }.
function grpcWebFrame(text: string): Buffer {
  const t = Buffer.from(text, 'utf8');
  const message = Buffer.concat([Buffer.from([0x0a, t.length]), t]);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

describe('capture: HTTP/2, gRPC and gRPC-Web exchanges', () => {
  const backend = new TestBackend();
  const store = new TrafficStore(undefined, { batchIntervalMs: 50 });
  let home: string;
  let caPem: string;
  let proxy: ProxyServer;
  let port: number;
  let web: Upstream;
  let echo: EchoServer;
  let raw: http2.Http2Server;
  let client: EchoClient;
  /** Requests to the hanging upstream that it saw closed by the proxy. */
  let hangClosed = 0;
  let deadPort: number;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'locald-capture-h2-'));
    const ca = await LocalCa.open(home);
    caPem = ca.certPem;
    web = await startUpstream((req, res) => {
      if (req.url === '/hang') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('started');
        res.on('close', () => hangClosed++);
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-served-by': 'web' });
        res.end(`got ${Buffer.concat(chunks).toString()} at ${req.url ?? ''}`);
      });
    });
    echo = await startEchoServer();
    // A raw h2c service that answers and then resets its stream mid-body.
    raw = http2.createServer();
    raw.on('stream', (stream) => {
      stream.on('error', () => undefined);
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      // destroy() resets without END_STREAM first (close(code) would end the body cleanly).
      stream.write('partial', () => setTimeout(() => stream.destroy(new Error('service breaks off')), 50));
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const rawPort = (raw.address() as net.AddressInfo).port;
    deadPort = await freePort();
    backend.add(
      makeProject(
        'shop',
        [
          makeService('web', { port: web.port }),
          makeService('rpc', { port: echo.port }),
          makeService('dead', { port: deadPort }),
          makeService('flaky', { port: rawPort, protocol: 'h2c' }),
          makeService('off', { status: 'stopped' }),
        ],
        [route('/locald.test.Echo', 'rpc', false), route('/flaky', 'flaky'), route('/off', 'off'), route('/', 'web')],
      ),
    );
    backend.add(makeProject('dead', [makeService('dead', { port: deadPort })], [route('/', 'dead')]));
    proxy = new ProxyServer({ backend, port: 0, host: ['127.0.0.1'], tls: await secureServerOptions(ca, backend), capture: store });
    port = (await proxy.listen()).port;
    client = echoClient(port, `shop.localhost:${port}`);
  });
  after(async () => {
    client.close();
    await proxy.close();
    await web.close();
    await echo.close();
    await new Promise<void>((resolve) => raw.close(() => resolve()));
    store.close();
    await rm(home, { recursive: true, force: true });
  });

  const find = (pred: (s: ExchangeSummary) => boolean, what: string): Promise<ExchangeDetail> =>
    waitFor(() => {
      const s = store.list().find(pred);
      return s === undefined ? undefined : store.get(s.id);
    }, what, 15_000);
  const bodyText = (id: number, which: 'request' | 'response'): string => Buffer.from(store.body(id, which)?.base64 ?? '', 'base64').toString();

  it('an h2 request over TLS: protocol, :authority, raw HTTP/2 headers, forwarded headers, bodies, status', async () => {
    const session = connectH2Tls(port, 'shop.localhost', caPem);
    try {
      const res = await h2Request(
        session,
        { ':method': 'POST', ':path': '/echo?tls', ':authority': `shop.localhost:${port}`, 'content-type': 'text/plain', cookie: ['a=1', 'b=2'] },
        ['hel', 'lo'],
      );
      assert.equal(res.status, 200);
      assert.equal(res.text, 'got hello at /echo?tls');
    } finally {
      await closeSession(session);
    }
    const d = await find((e) => e.url === '/echo?tls' && e.state === 'complete', 'the h2 exchange');
    assert.equal(d.clientProtocol, 'h2');
    assert.equal(d.upstreamProtocol, 'http/1.1');
    assert.equal(d.kind, 'http');
    assert.equal(d.host, `shop.localhost:${port}`);
    assert.equal(d.method, 'POST');
    assert.equal(d.status, 200);
    assert.equal(d.service, 'web');
    assert.equal(header(d.requestHeaders, ':authority'), `shop.localhost:${port}`);
    assert.equal(header(d.requestHeaders, ':method'), 'POST');
    assert.equal(d.requestHeaders.filter(([n]) => n === 'cookie').length, 2, 'split cookies as received');
    assert.equal(header(d.forwardedRequestHeaders, 'host'), `shop.localhost:${port}`);
    assert.equal(header(d.forwardedRequestHeaders, 'cookie'), 'a=1; b=2');
    assert.equal(header(d.forwardedRequestHeaders, 'x-forwarded-proto'), 'https');
    assert.equal(header(d.responseHeaders, 'x-served-by'), 'web');
    assert.equal(header(d.forwardedResponseHeaders, ':status'), '200');
    assert.equal(bodyText(d.id, 'request'), 'hello');
    assert.equal(bodyText(d.id, 'response'), 'got hello at /echo?tls');
    assert.ok(d.timings.upstreamConnected !== null && d.timings.firstByte !== null && d.timings.end !== null, JSON.stringify(d.timings));
    assert.equal(d.upstreamAddress, `127.0.0.1:${web.port}`);
  });

  it('a HEAD over h2 (END_STREAM with the response headers) is recorded as complete', async () => {
    const session = connectH2Tls(port, 'shop.localhost', caPem);
    try {
      const res = await h2Request(session, { ':method': 'HEAD', ':path': '/head-check', ':authority': `shop.localhost:${port}` });
      assert.equal(res.status, 200);
      assert.equal(res.headersEndedStream, true);
    } finally {
      await closeSession(session);
    }
    const d = await find((e) => e.url === '/head-check' && e.state !== 'streaming' && e.state !== 'pending', 'the HEAD exchange');
    assert.equal(d.state, 'complete');
    assert.equal(d.method, 'HEAD');
  });

  it('h2c prior knowledge is recorded as h2c; an error page keeps its explanation', async () => {
    const session = connectH2c(port);
    try {
      const res = await h2Request(session, { ':method': 'GET', ':path': '/off/x', ':authority': `shop.localhost:${port}` });
      assert.equal(res.status, 503);
    } finally {
      await closeSession(session);
    }
    const d = await find((e) => e.url === '/off/x' && e.state === 'error', 'the error exchange');
    assert.equal(d.clientProtocol, 'h2c');
    assert.equal(d.status, 503);
    assert.equal(d.service, 'off');
    assert.equal(d.error?.code, 'service-stopped');
  });

  it('a gRPC unary call: kind grpc, frames both ways, response trailers with grpc-status', async () => {
    const { reply, status } = await unary(client, { text: 'capture-unary' });
    assert.equal(reply.text, 'echo:capture-unary');
    assert.equal(status.code, grpc.status.OK);
    const d = await find((e) => e.url === '/locald.test.Echo/Unary' && e.state === 'complete', 'the unary exchange');
    assert.equal(d.kind, 'grpc');
    assert.equal(d.clientProtocol, 'h2c');
    assert.equal(d.upstreamProtocol, 'h2c');
    assert.equal(d.status, 200);
    assert.equal(header(d.forwardedRequestHeaders, ':path'), '/locald.test.Echo/Unary');
    assert.equal(header(d.forwardedRequestHeaders, 'te'), 'trailers');
    const sent = d.grpcFrames.filter((f) => f.direction === 'client');
    const received = d.grpcFrames.filter((f) => f.direction === 'server');
    assert.equal(sent.length, 1);
    assert.equal(received.length, 1);
    assert.ok(Buffer.from(sent[0]?.payload ?? '', 'base64').toString().includes('capture-unary'));
    assert.ok(Buffer.from(received[0]?.payload ?? '', 'base64').toString().includes('echo:capture-unary'));
    assert.equal(header(d.responseTrailers, 'grpc-status'), '0');
    assert.equal(header(d.responseTrailers, 'x-trailer'), 'from-service');
    assert.equal(header(d.responseHeaders, 'x-header'), 'from-service');
  });

  it('a gRPC server-streaming call: one request frame, every reply frame, trailers', async () => {
    const call = (client.ServerStream as (r: object) => grpc.ClientReadableStream<EchoReply>)({ text: 'many', count: 3 });
    const messages: EchoReply[] = [];
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      call.on('data', (m: EchoReply) => messages.push(m));
      call.on('error', () => undefined);
      call.on('status', resolve);
    });
    assert.equal(status.code, grpc.status.OK);
    assert.equal(messages.length, 3);
    const d = await find((e) => e.url === '/locald.test.Echo/ServerStream' && e.state === 'complete', 'the streaming exchange');
    assert.equal(d.kind, 'grpc');
    assert.equal(d.grpcFrames.filter((f) => f.direction === 'client').length, 1);
    const replies = d.grpcFrames.filter((f) => f.direction === 'server').map((f) => Buffer.from(f.payload, 'base64').toString());
    assert.equal(replies.length, 3);
    assert.ok(replies[2]?.includes('many#2'), replies.join(' | '));
    assert.equal(header(d.responseTrailers, 'grpc-status'), '0');
  });

  it('a gRPC call to an unreachable service records the trailers-only answer and its explanation', async () => {
    const dead = echoClient(port, `dead.localhost:${port}`);
    try {
      await assert.rejects(unary(dead, { text: 'x' }), (err: grpc.ServiceError) => err.code === grpc.status.UNAVAILABLE);
    } finally {
      dead.close();
    }
    const d = await find((e) => e.host === `dead.localhost:${port}` && e.state === 'error', 'the failed gRPC exchange');
    assert.equal(d.kind, 'grpc');
    assert.equal(d.status, 200, 'the client got a trailers-only 200');
    assert.equal(d.error?.code, 'connection-refused');
    assert.ok(d.error?.detail.includes(`$PORT=${deadPort}`), d.error?.detail);
  });

  it('a cancelled h2 stream is recorded as aborted and the upstream request is closed', async () => {
    const session = connectH2Tls(port, 'shop.localhost', caPem);
    try {
      const req = session.request({ ':method': 'GET', ':path': '/hang', ':authority': `shop.localhost:${port}` });
      req.on('error', () => undefined);
      await new Promise<void>((resolve) => req.once('data', () => resolve()));
      await find((e) => e.url === '/hang' && e.state === 'streaming', 'the streaming exchange');
      req.close(http2.constants.NGHTTP2_CANCEL);
      const d = await find((e) => e.url === '/hang' && e.state !== 'streaming', 'the cancelled exchange');
      assert.equal(d.state, 'aborted');
      assert.equal(d.error?.code, 'client_aborted');
      assert.match(d.error?.detail ?? '', /CANCEL/);
      assert.equal(bodyText(d.id, 'response'), 'started');
      await waitFor(() => (hangClosed > 0 ? true : undefined), 'the upstream request to close');
    } finally {
      await closeSession(session);
    }
  });

  it('a cancelled gRPC call is recorded as aborted', async () => {
    const call = (client.ServerStream as (r: object) => grpc.ClientReadableStream<EchoReply>)({ text: 'cancel-me', count: 1, hang: true });
    call.on('error', () => undefined);
    await new Promise<void>((resolve) => call.once('data', () => resolve()));
    call.cancel();
    const d = await find((e) => e.kind === 'grpc' && e.state === 'aborted', 'the cancelled gRPC exchange');
    assert.equal(d.url, '/locald.test.Echo/ServerStream');
    assert.equal(d.grpcFrames.filter((f) => f.direction === 'server').length, 1);
    await waitFor(() => (echo.cancelled.includes('ServerStream') ? true : undefined), 'the service to see the cancel');
  });

  it('an h2c service resetting mid-response is recorded as failed with an explanation', async () => {
    const session = connectH2c(port);
    try {
      const res = await h2Request(session, { ':method': 'GET', ':path': '/flaky/x', ':authority': `shop.localhost:${port}` });
      assert.ok(res.rstCode !== undefined, 'the client stream was reset');
    } finally {
      await closeSession(session);
    }
    const d = await find((e) => e.url === '/flaky/x' && e.state === 'error', 'the reset exchange');
    assert.equal(d.upstreamProtocol, 'h2c');
    assert.equal(d.error?.code, 'upstream-reset');
    assert.match(d.error?.detail ?? '', /flaky.*INTERNAL_ERROR/);
    assert.equal(bodyText(d.id, 'response'), 'partial');
  });

  it('gRPC-Web over HTTP/1.1 and HTTP/2: kind grpc-web, frames, trailers', async () => {
    const body = grpcWebFrame('web-one');
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/locald.test.Echo/Unary',
          headers: { host: `shop.localhost:${port}`, 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1', 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(status, 200);
    const d = await find((e) => e.kind === 'grpc-web' && e.clientProtocol === 'http/1.1' && e.state === 'complete', 'the gRPC-Web exchange');
    assert.equal(d.upstreamProtocol, 'h2c');
    assert.equal(header(d.forwardedRequestHeaders, 'content-type'), 'application/grpc+proto');
    assert.equal(header(d.forwardedResponseHeaders, 'content-type'), 'application/grpc-web+proto');
    assert.equal(d.grpcFrames.filter((f) => f.direction === 'client').length, 1);
    assert.ok(d.grpcFrames.some((f) => f.direction === 'server' && Buffer.from(f.payload, 'base64').toString().includes('echo:web-one')));
    assert.equal(header(d.responseTrailers, 'grpc-status'), '0');

    const text = Buffer.from(grpcWebFrame('web-two').toString('base64'));
    const session = connectH2c(port);
    try {
      const res = await h2Request(
        session,
        { ':method': 'POST', ':path': '/locald.test.Echo/Unary', ':authority': `shop.localhost:${port}`, 'content-type': 'application/grpc-web-text' },
        text,
      );
      assert.equal(res.status, 200);
    } finally {
      await closeSession(session);
    }
    const t = await find((e) => e.kind === 'grpc-web' && e.clientProtocol === 'h2c' && e.state !== 'streaming', 'the gRPC-Web-text exchange');
    assert.equal(t.state, 'complete', JSON.stringify(t));
    assert.ok(t.grpcFrames.some((f) => f.direction === 'client' && Buffer.from(f.payload, 'base64').toString().includes('web-two')), 'base64 request decoded into frames');
    assert.ok(t.grpcFrames.some((f) => f.direction === 'server' && Buffer.from(f.payload, 'base64').toString().includes('echo:web-two')));
    assert.equal(header(t.responseTrailers, 'grpc-status'), '0');
  });
});
