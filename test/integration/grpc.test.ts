// gRPC through locald with @grpc/grpc-js on both ends: the client speaks h2c with prior
// knowledge to the proxy's port, the proxy speaks h2c to a real grpc-js server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyServer } from '../../engine/proxy/index.js';
import { rulesHooks } from '../../engine/proxy/rules/rules-hooks.js';
import { RulesService } from '../../engine/rules/store.js';
import type { ServiceState } from '../../shared/state.js';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { waitFor } from '../helpers/proxy-net.js';
import { echoClient, grpc, startEchoServer, unary, type EchoClient, type EchoReply, type EchoServer } from '../helpers/h2-grpc.js';
import { closeSession, connectH2c, h2Request } from '../helpers/h2-kit.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function collect<T>(call: grpc.ClientReadableStream<T>): Promise<{ messages: T[]; status: grpc.StatusObject }> {
  return new Promise((resolve) => {
    const messages: T[] = [];
    call.on('data', (m: T) => messages.push(m));
    call.on('error', () => undefined);
    call.on('status', (status: grpc.StatusObject) => resolve({ messages, status }));
  });
}

describe('proxy: gRPC end to end (grpc-js client → locald → grpc-js server)', () => {
  const backend = new TestBackend();
  let proxy: ProxyServer;
  let port: number;
  let echo: EchoServer;
  let client: EchoClient;
  let deadPort: number;
  let authority: string;

  before(async () => {
    echo = await startEchoServer();
    deadPort = await freePort();
    backend.add(
      makeProject('shop', [makeService('rpc', { port: echo.port }), makeService('gone', { port: deadPort }), makeService('off', { status: 'stopped' })], [
        route('/locald.test.Echo', 'rpc', false),
        route('/', 'gone'),
      ]),
    );
    backend.add(makeProject('dead', [makeService('gone', { port: deadPort })], [route('/', 'gone')]));
    backend.add(makeProject('off', [makeService('off', { status: 'stopped' })], [route('/', 'off')]));
    proxy = new ProxyServer({ backend, port: 0, host: ['127.0.0.1'] });
    port = (await proxy.listen()).port;
    authority = `shop.localhost:${port}`;
    client = echoClient(port, authority);
  });
  after(async () => {
    client.close();
    await proxy.close();
    await echo.close();
  });

  it('unary: reply, headers, trailers metadata and :authority carried through', async () => {
    const { reply, metadata, status } = await unary(client, { text: 'hi' });
    assert.equal(reply.text, 'echo:hi');
    assert.equal(reply.authority, authority);
    assert.equal(reply.forwardedProto, 'http');
    assert.deepEqual(metadata.get('x-header'), ['from-service']);
    assert.equal(status.code, grpc.status.OK);
    assert.deepEqual(status.metadata.get('x-trailer'), ['from-service']);
  });

  it('status codes and their trailers come through (trailers-only error responses)', async () => {
    for (const code of [grpc.status.NOT_FOUND, grpc.status.PERMISSION_DENIED, grpc.status.RESOURCE_EXHAUSTED]) {
      await assert.rejects(unary(client, { text: 'x', failCode: code }), (err: grpc.ServiceError & { trailers: grpc.Metadata }) => {
        assert.equal(err.code, code);
        assert.equal(err.details, 'failed as asked: x');
        assert.deepEqual(err.trailers.get('x-fail'), ['yes']);
        return true;
      });
    }
  });

  it('server streaming delivers every message, then the trailers', async () => {
    const call = (client.ServerStream as (r: unknown) => grpc.ClientReadableStream<EchoReply>)({ text: 's', count: 5 });
    const { messages, status } = await collect(call);
    assert.deepEqual(
      messages.map((m) => m.text),
      ['s#0', 's#1', 's#2', 's#3', 's#4'],
    );
    assert.equal(status.code, grpc.status.OK);
    assert.deepEqual(status.metadata.get('x-trailer'), ['from-service']);
  });

  it('client streaming: the half-close reaches the service, which then answers', async () => {
    const reply = await new Promise<EchoReply>((resolve, reject) => {
      const call = (client.ClientStream as (cb: (e: grpc.ServiceError | null, r?: EchoReply) => void) => grpc.ClientWritableStream<unknown>)((err, r) =>
        err !== null ? reject(err) : resolve(r as EchoReply),
      );
      call.write({ text: 'a' });
      call.write({ text: 'b' });
      call.write({ text: 'c' });
      call.end();
    });
    assert.equal(reply.text, 'a+b+c');
    assert.equal(reply.index, 3);
  });

  it('bidi streaming: each message answered in turn, then end', async () => {
    const call = (client.Bidi as () => grpc.ClientDuplexStream<unknown, EchoReply>)();
    const got: string[] = [];
    const done = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.on('data', (m: EchoReply) => {
      got.push(m.text);
      if (got.length < 3) call.write({ text: String(got.length) });
      else call.end();
    });
    call.write({ text: '0' });
    const status = await done;
    assert.equal(status.code, grpc.status.OK);
    assert.deepEqual(got, ['bidi:0', 'bidi:1', 'bidi:2']);
  });

  it('a client cancel reaches the service as a cancelled call', async () => {
    const before = echo.cancelled.filter((c) => c === 'ServerStream').length;
    const call = (client.ServerStream as (r: unknown) => grpc.ClientReadableStream<EchoReply>)({ text: 'h', count: 1, hang: true });
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.on('error', () => undefined);
    await new Promise<void>((resolve) => call.once('data', () => resolve()));
    call.cancel();
    assert.equal((await status).code, grpc.status.CANCELLED);
    await waitFor(() => (echo.cancelled.filter((c) => c === 'ServerStream').length > before ? true : undefined), 'the service to see the cancel');
  });

  it('a deadline is carried (grpc-timeout) and enforced', async () => {
    await assert.rejects(unary(client, { text: 'slow', delayMs: 3_000 }, { deadline: Date.now() + 300 }), (err: grpc.ServiceError) => {
      assert.equal(err.code, grpc.status.DEADLINE_EXCEEDED);
      return true;
    });
    await waitFor(() => (echo.cancelled.includes('Unary') ? true : undefined), 'the service to see the deadline cancel');
  });

  it('an unreachable service gets UNAVAILABLE naming the service and the port, as one HEADERS frame', async () => {
    const dead = echoClient(port, `dead.localhost:${port}`);
    try {
      await assert.rejects(unary(dead, { text: 'x' }), (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.UNAVAILABLE);
        assert.match(err.details, new RegExp(`service 'gone'`));
        assert.match(err.details, new RegExp(`${deadPort}`));
        return true;
      });
    } finally {
      dead.close();
    }
    const session = connectH2c(port);
    try {
      const r = await h2Request(session, {
        ':method': 'POST',
        ':path': '/locald.test.Echo/Unary',
        ':authority': `dead.localhost:${port}`,
        'content-type': 'application/grpc',
        te: 'trailers',
      }, Buffer.from([0, 0, 0, 0, 0]));
      assert.equal(r.status, 200);
      assert.equal(r.headersEndedStream, true);
      assert.equal(r.headers['grpc-status'], '14');
      assert.equal(r.trailers, undefined);
    } finally {
      await closeSession(session);
    }
  });

  it('a stopped service gets UNAVAILABLE with locald’s explanation', async () => {
    const off = echoClient(port, `off.localhost:${port}`);
    try {
      await assert.rejects(unary(off, { text: 'x' }), (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.UNAVAILABLE);
        assert.match(err.details, /not running/);
        return true;
      });
    } finally {
      off.close();
    }
  });

  it('keeps te: trailers and relays trailers-only success responses from a raw h2c service', async () => {
    let seenTe: string | undefined;
    const raw = http2.createServer();
    const rawSessions = new Set<http2.ServerHttp2Session>();
    raw.on('session', (s) => rawSessions.add(s));
    raw.on('stream', (stream, headers) => {
      seenTe = headers.te as string | undefined;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0', 'grpc-message': 'ok' }, { endStream: true });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', () => resolve()));
    backend.add(makeProject('raw', [makeService('svc', { port: (raw.address() as net.AddressInfo).port })], [route('/', 'svc')]));
    const session = connectH2c(port);
    try {
      const r = await h2Request(session, {
        ':method': 'POST',
        ':path': '/x.Y/Z',
        ':authority': `raw.localhost:${port}`,
        'content-type': 'application/grpc+proto',
        te: 'trailers',
      }, Buffer.from([0, 0, 0, 0, 0]));
      assert.equal(seenTe, 'trailers');
      assert.equal(r.headersEndedStream, true);
      assert.equal(r.headers['grpc-status'], '0');
    } finally {
      await closeSession(session);
      // The proxy's pooled session to this service would keep close() waiting.
      for (const s of rawSessions) s.destroy();
      await new Promise<void>((resolve) => raw.close(() => resolve()));
    }
  });

  it('a service with protocol = "h2c" gets plain HTTP/2 traffic over h2c, trailers included', async () => {
    const raw = http2.createServer();
    const rawSessions = new Set<http2.ServerHttp2Session>();
    raw.on('session', (s) => rawSessions.add(s));
    let seen: http2.IncomingHttpHeaders | undefined;
    raw.on('stream', (stream, headers) => {
      seen = headers;
      let body = '';
      stream.on('data', (c: Buffer) => (body += c.toString()));
      stream.on('end', () => {
        stream.respond({ ':status': 201, 'x-from': 'h2c-service' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': String(body.length) }));
        stream.end(`got ${body}`);
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', () => resolve()));
    // ServiceState does not carry protocol yet; the proxy reads it when present.
    const svc = makeService('svc', { port: (raw.address() as net.AddressInfo).port, ...({ protocol: 'h2c' } as Partial<ServiceState>) });
    backend.add(makeProject('h2only', [svc], [route('/', 'svc')]));
    const session = connectH2c(port);
    try {
      const r = await h2Request(session, { ':method': 'POST', ':path': '/p?q=1', ':authority': `h2only.localhost:${port}`, cookie: ['a=1', 'b=2'] }, ['hello ', 'there']);
      assert.equal(r.status, 201);
      assert.equal(r.text, 'got hello there');
      assert.equal(r.headers['x-from'], 'h2c-service');
      assert.equal(r.trailers?.['x-checksum'], '11');
      assert.equal(seen?.[':path'], '/p?q=1');
      assert.equal(seen?.[':authority'], `h2only.localhost:${port}`);
      assert.equal(seen?.['x-forwarded-proto'], 'http');
      assert.equal(seen?.cookie, 'a=1; b=2');
    } finally {
      await closeSession(session);
      for (const s of rawSessions) s.destroy();
      await new Promise<void>((resolve) => raw.close(() => resolve()));
    }
  });
});

describe('proxy: a request breakpoint on a bidirectional gRPC stream', () => {
  const backend = new TestBackend();
  const home = mkdtempSync(join(tmpdir(), 'locald-grpc-bp-'));
  const rules = new RulesService({ home, watch: false, emit: () => undefined });
  let proxy: ProxyServer;
  let echo: EchoServer;
  let client: EchoClient;

  before(async () => {
    echo = await startEchoServer();
    backend.add(makeProject('shop', [makeService('rpc', { port: echo.port })], [route('/', 'rpc', false)]));
    await rules.openProject('shop', home, ['rpc']);
    await rules.add('shop', { match: 'path:/locald.test.Echo/Bidi', breakpoint: 'request' });
    proxy = new ProxyServer({ backend, port: 0, host: ['127.0.0.1'], hooks: rulesHooks(rules) });
    const { port } = await proxy.listen();
    client = echoClient(port, `shop.localhost:${port}`);
  });
  after(async () => {
    client?.close();
    await proxy?.close();
    await echo?.close();
    rules.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('pauses on the head while the client waits for an answer, and the messages flow once released', async () => {
    const call = (client.Bidi as () => grpc.ClientDuplexStream<unknown, EchoReply>)();
    const got: string[] = [];
    const done = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.on('error', () => undefined);
    call.on('data', (m: EchoReply) => {
      got.push(m.text);
      if (got.length < 2) call.write({ text: String(got.length) });
      else call.end();
    });
    // The client writes one message and waits for its answer: the request never ends by itself.
    call.write({ text: '0' });
    const paused = await waitFor(() => rules.breakpoints.list('shop')[0], 'the call to pause');
    assert.equal(paused.request.url, '/locald.test.Echo/Bidi');
    assert.equal(paused.request.body, null, 'a stream is paused on its head; its messages are not read ahead');
    assert.ok(rules.breakpoints.resume(paused.id));
    assert.equal((await done).code, grpc.status.OK);
    assert.deepEqual(got, ['bidi:0', 'bidi:1']);
  });
});
