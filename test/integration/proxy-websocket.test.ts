// WebSocket through the proxy with the real `ws` client and server: negotiation passes
// through untouched, frames flow both ways, and failed upgrades get real HTTP answers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { ProxyServer } from '../../engine/proxy/index.js';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { startUpstream, type Upstream } from '../helpers/proxy-net.js';

interface Refusal {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function connect(port: number, host: string, path: string, protocols: string[] = [], accept?: string): Promise<WebSocket | Refusal> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host };
    if (accept !== undefined) headers.accept = accept;
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, protocols, { headers, perMessageDeflate: true });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; binary: boolean }> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data, binary) => resolve({ data: Buffer.from(data as Buffer), binary }));
    ws.once('error', reject);
  });
}

describe('proxy: WebSocket', () => {
  const backend = new TestBackend();
  let proxy: ProxyServer;
  let port: number;
  let upstream: Upstream;
  let wss: WebSocketServer;
  const upstreamPaths: string[] = [];
  const upstreamHeaders: IncomingMessage['headers'][] = [];
  let refusedPort: number;

  before(async () => {
    upstream = await startUpstream((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.end('upgrade required');
    });
    wss = new WebSocketServer({
      server: upstream.server,
      perMessageDeflate: true,
      handleProtocols: (protocols) => (protocols.has('chat.v2') ? 'chat.v2' : false),
      verifyClient: (info, cb) => {
        if (info.req.url?.startsWith('/private')) cb(false, 401, 'Unauthorized', { 'x-why': 'no token' });
        else cb(true);
      },
    });
    wss.on('connection', (ws, req) => {
      upstreamPaths.push(req.url ?? '');
      upstreamHeaders.push(req.headers);
      ws.on('message', (data, binary) => ws.send(data, { binary }));
    });
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    refusedPort = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));

    backend.add(
      makeProject(
        'chat',
        [
          makeService('web', { port: upstream.port }),
          makeService('down', { status: 'stopped', port: null }),
          makeService('gone', { port: refusedPort }),
        ],
        [route('/', 'web'), route('/api', 'web'), route('/down', 'down'), route('/gone', 'gone')],
      ),
    );
    proxy = new ProxyServer({ backend, port: 0, instanceId: 'ws' });
    port = (await proxy.listen()).port;
  });

  after(async () => {
    for (const client of wss.clients) client.terminate();
    await proxy.close();
    await new Promise<void>((r) => wss.close(() => r()));
    await upstream.close();
  });

  it('negotiates subprotocol and permessage-deflate through the proxy, and echoes', async () => {
    const ws = await connect(port, 'chat.localhost', '/api/socket?room=1', ['chat.v1', 'chat.v2']);
    assert.ok(ws instanceof WebSocket);
    try {
      assert.equal(ws.protocol, 'chat.v2');
      assert.match(ws.extensions, /permessage-deflate/);
      assert.equal(upstreamPaths.at(-1), '/socket?room=1');
      const hdrs = upstreamHeaders.at(-1);
      assert.equal(hdrs?.host, 'chat.localhost');
      assert.equal(hdrs?.['x-forwarded-for'], '127.0.0.1');
      assert.equal(hdrs?.via, '1.1 locald-ws');

      const text = 'hello '.repeat(10_000);
      const got = nextMessage(ws);
      ws.send(text);
      const echoed = await got;
      assert.equal(echoed.binary, false);
      assert.equal(echoed.data.toString('utf8'), text);

      const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
      const gotBin = nextMessage(ws);
      ws.send(bytes);
      const echoedBin = await gotBin;
      assert.equal(echoedBin.binary, true);
      assert.ok(echoedBin.data.equals(bytes));
    } finally {
      ws.close();
    }
    await new Promise<void>((r) => ws.once('close', () => r()));
  });

  it('works on <service>.<project>.localhost with the path unchanged', async () => {
    const ws = await connect(port, 'web.chat.localhost', '/api/socket', ['chat.v2']);
    assert.ok(ws instanceof WebSocket);
    assert.equal(upstreamPaths.at(-1), '/api/socket');
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.close(4001, 'bye');
    assert.equal(await closed, 4001);
  });

  it('relays an upstream refusal (401) with its headers and body', async () => {
    const res = await connect(port, 'chat.localhost', '/private/socket', ['chat.v2']);
    assert.ok(!(res instanceof WebSocket));
    assert.equal(res.status, 401);
    assert.equal(res.headers['x-why'], 'no token');
    assert.equal(res.headers.connection, 'close');
  });

  it('stopped service: a real 503 error response, not a dropped connection', async () => {
    const res = await connect(port, 'chat.localhost', '/down/socket', [], 'application/json');
    assert.ok(!(res instanceof WebSocket));
    assert.equal(res.status, 503);
    assert.equal(res.headers['content-type'], 'application/problem+json');
    assert.match(res.body, /not running/);
  });

  it('nothing listening: 502 naming the port', async () => {
    const res = await connect(port, 'chat.localhost', '/gone/socket');
    assert.ok(!(res instanceof WebSocket));
    assert.equal(res.status, 502);
    assert.match(res.body, new RegExp(`127\\.0\\.0\\.1:${refusedPort} or \\[::1\\]:${refusedPort}`));
  });

  it('unknown project: 404', async () => {
    const res = await connect(port, 'nope.localhost', '/socket');
    assert.ok(!(res instanceof WebSocket));
    assert.equal(res.status, 404);
  });

  it('closes the client when the service drops the socket', async () => {
    const ws = await connect(port, 'chat.localhost', '/api/socket', ['chat.v2']);
    assert.ok(ws instanceof WebSocket);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    for (const client of wss.clients) client.terminate();
    assert.equal(await closed, 1006);
  });
});
