// The service side of HTTP/1.1 as locald now writes and reads it itself (decision 0013),
// against services that misbehave on the wire: a malformed response head, a chunk size that
// is not a number mid-body, bytes after the response, Keep-Alive timeout hints, and a
// connection the service drops while idle. Real sockets, a real proxy, Node's client.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { TrafficStore } from '../../engine/capture/index.js';
import type { ExchangeSummary } from '../../shared/traffic.js';
import { waitFor } from '../helpers/proxy-net.js';
import { listen, proxyOver, type ProxyOver } from '../helpers/weird-kit.js';

interface Answer {
  status: number;
  text: string;
  /** The response ended cleanly (not reset or cut). */
  complete: boolean;
}

function get(port: number, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { host: 'shop.localhost', accept: 'application/json' }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, complete: res.complete }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, text, complete: false }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A service on raw sockets: `answer(path)` is written for each request; connections are counted. */
function rawService(answer: (path: string) => string): { server: net.Server; connections: () => number } {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    let buffered = '';
    socket.on('error', () => undefined);
    socket.on('data', (c: Buffer) => {
      buffered += c.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n\r\n')) !== -1) {
        const path = buffered.slice(0, buffered.indexOf('\r\n')).split(' ')[1] ?? '/';
        buffered = buffered.slice(end + 4);
        socket.write(answer(path));
      }
    });
  });
  return { server, connections: () => connections };
}

describe('upstream HTTP/1.1 on the wire', () => {
  const service = rawService((path) => {
    switch (path) {
      case '/no-colon':
        return 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nthis line has no colon\r\nContent-Length: 2\r\n\r\nok';
      case '/bad-chunk':
        return 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nmore';
      case '/extra':
        return 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA';
      case '/short-hint':
        return 'HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok';
      default:
        return 'HTTP/1.1 200 OK\r\nKeep-Alive: timeout=30\r\nContent-Length: 2\r\n\r\nok';
    }
  });
  const store = new TrafficStore(undefined, { batchIntervalMs: 20 });
  let px: ProxyOver;

  before(async () => {
    px = await proxyOver(await listen(service.server), { capture: store });
  });
  after(async () => {
    await px.proxy.close();
    store.close();
    await new Promise<void>((r) => service.server.close(() => r()));
  });

  it('a malformed response head is an explained 502 that names the line, and capture keeps it', async () => {
    const r = await get(px.port, '/no-colon');
    assert.equal(r.status, 502);
    const problem = JSON.parse(r.text) as { code?: string; detail: string; type: string };
    assert.match(problem.detail, /not valid HTTP\/1\.1: response head line 3 has no colon: "this line has no colon"/);
    assert.match(problem.detail, /EPROTO/);
    const captured = await waitFor(() => store.list().find((e: ExchangeSummary) => e.url === '/no-colon' && e.state === 'error'), 'the captured error');
    assert.match(captured.error?.detail ?? '', /response head line 3 has no colon/);
  });

  it('a chunk size that is not a number mid-body breaks the response off; it never ends cleanly', async () => {
    const r = await get(px.port, '/bad-chunk');
    assert.equal(r.status, 200);
    assert.equal(r.complete, false, `the client saw a clean end: ${JSON.stringify(r.text)}`);
    assert.ok(!r.text.includes('more'), 'bytes after the bad chunk size must not be relayed');
    const captured = await waitFor(() => store.list().find((e: ExchangeSummary) => e.url === '/bad-chunk' && e.state !== 'pending'), 'the captured exchange');
    assert.match(captured.error?.detail ?? '', /chunk size "zz" is not a hexadecimal number/);
  });

  it('keeps a connection while the service allows it, drops one that sent bytes after its response', async () => {
    const start = service.connections();
    for (let i = 0; i < 5; i++) assert.equal((await get(px.port, '/kept')).text, 'ok');
    assert.equal(service.connections() - start, 1, 'five sequential requests, one connection');
    const extra = await get(px.port, '/extra');
    assert.equal(extra.text, 'ok');
    assert.equal(extra.complete, true);
    const before = service.connections();
    assert.equal((await get(px.port, '/kept')).text, 'ok');
    assert.equal(service.connections() - before, 1, 'the connection that carried extra bytes was not reused');
  });

  it('does not reuse a connection past the service\'s Keep-Alive timeout hint (less a second)', async () => {
    // timeout=1 leaves no safe margin: once a connection has said so, it is never reused.
    assert.equal((await get(px.port, '/short-hint')).text, 'ok');
    const start = service.connections();
    for (let i = 0; i < 3; i++) assert.equal((await get(px.port, '/short-hint')).text, 'ok');
    assert.equal(service.connections() - start, 3);
    // A later timeout=30 answer makes its connection reusable again.
    assert.equal((await get(px.port, '/kept')).text, 'ok');
    const kept = service.connections();
    assert.equal((await get(px.port, '/kept')).text, 'ok');
    assert.equal(service.connections(), kept);
  });
});

describe('upstream HTTP/1.1: a service that closes idle connections', () => {
  // Closes each connection 50 ms after its answer, as a dev server with a short keep-alive does.
  let closed = 0;
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.on('data', () => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      setTimeout(() => {
        socket.end();
        closed += 1;
      }, 50);
    });
  });
  let px: ProxyOver;

  before(async () => {
    px = await proxyOver(await listen(server));
  });
  after(async () => {
    await px.proxy.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('the next request after the service closed its idle connection opens a new one and succeeds', async () => {
    for (let i = 0; i < 4; i++) {
      const target = closed + 1;
      assert.deepEqual(await get(px.port, `/r${i}`), { status: 200, text: 'ok', complete: true });
      await waitFor(() => (closed >= target ? true : undefined), 'the service to close the connection');
    }
  });
});
