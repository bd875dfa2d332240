// WebSocket over HTTP/2 (RFC 8441): a real ProxyServer with HTTPS from a fresh local CA,
// Node's http2 client sending extended CONNECT, and `ws` WebSocketServers (HTTP/1.1
// Upgrade) as the services. Echo, subprotocols, permessage-deflate, close codes, resets
// both ways, services that refuse or botch the handshake, and services that are not there.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type http from 'node:http';
import type { ClientHttp2Session } from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { TrafficStore } from '../../engine/capture/index.js';
import { ProxyServer } from '../../engine/proxy/index.js';
import { websocketAccept } from '../../engine/proxy/tunnel/websocket-handshake.js';
import { LocalCa, secureServerOptions } from '../../engine/tls/index.js';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { closeSession, connectH2Tls, connectH2c } from '../helpers/h2-kit.js';
import { startUpstream, waitFor, type Upstream } from '../helpers/proxy-net.js';
import {
  NGHTTP2_CANCEL,
  NGHTTP2_CONNECT_ERROR,
  OP_BINARY,
  OP_CLOSE,
  OP_PING,
  OP_PONG,
  OP_TEXT,
  closeInfo,
  encodeClientFrame,
  openH2WebSocket,
  type H2WebSocket,
  type Refused,
} from '../helpers/ws-h2-client.js';

function toBuffer(data: RawData): Buffer {
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

interface Seen {
  headers: http.IncomingHttpHeaders;
  url: string;
  ws: WebSocket;
  socket: net.Socket;
  closed?: { code: number; reason: string };
  received: { text: string; binary: boolean }[];
}

/** A `ws` service: echoes, closes on request, records what it saw per `?id=`. */
async function startWsService(host = '127.0.0.1'): Promise<{ up: Upstream; wss: WebSocketServer; seen: Map<string, Seen> }> {
  const up = await startUpstream((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('upgrade required');
  }, host);
  const seen = new Map<string, Seen>();
  const wss = new WebSocketServer({
    server: up.server,
    perMessageDeflate: { threshold: 64 },
    handleProtocols: (protocols) => (protocols.has('superchat') ? 'superchat' : false),
  });
  wss.on('connection', (ws, req) => {
    const id = new URL(req.url ?? '/', 'http://x').searchParams.get('id') ?? req.url ?? '';
    const entry: Seen = { headers: req.headers, url: req.url ?? '', ws, socket: req.socket as net.Socket, received: [] };
    seen.set(id, entry);
    ws.on('error', () => undefined);
    ws.on('close', (code, reason) => {
      entry.closed = { code, reason: reason.toString() };
    });
    ws.on('message', (data, isBinary) => {
      const buf = toBuffer(data);
      entry.received.push({ text: buf.toString(), binary: isBinary });
      if (isBinary) {
        ws.send(buf, { binary: true });
        return;
      }
      const text = buf.toString();
      const close = /^close:(\d+):(.*)$/.exec(text);
      if (close !== null) ws.close(Number(close[1]), close[2]);
      else ws.send(`echo ${text}`);
    });
    ws.send(`hello ${String(req.headers['x-forwarded-proto'])}`);
  });
  return { up, wss, seen };
}

describe('WebSocket over HTTP/2 (RFC 8441 extended CONNECT)', () => {
  const backend = new TestBackend();
  const store = new TrafficStore(undefined, { batchIntervalMs: 50 });
  let home: string;
  let caPem: string;
  let proxy: ProxyServer;
  let port: number;
  let authority: string;
  let svc: Awaited<ReturnType<typeof startWsService>>;
  let svc6: Awaited<ReturnType<typeof startWsService>> | undefined;
  let refuse: Upstream;
  let says200: Upstream;
  let badAccept: net.Server;
  let session: ClientHttp2Session;
  let deadPort: number;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'locald-ws-h2-'));
    const ca = await LocalCa.open(home);
    caPem = ca.certPem;
    svc = await startWsService();
    try {
      svc6 = await startWsService('::1');
    } catch {
      svc6 = undefined; // no IPv6 on this machine: the fallback test skips itself
    }
    refuse = await startUpstream((req, res) => {
      res.writeHead(403, { 'content-type': 'text/plain', 'x-why': 'no-entry' });
      res.end(`no entry for ${req.headers.upgrade ?? 'plain'}`);
    });
    says200 = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('I do not speak WebSocket');
    });
    badAccept = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm90IHRoZSByaWdodCBhY2NlcHQ=\r\n\r\n');
      });
    });
    await new Promise<void>((resolve) => badAccept.listen(0, '127.0.0.1', resolve));
    deadPort = await freePort();
    const services = [
      makeService('ws', { port: svc.up.port }),
      makeService('refuse', { port: refuse.port }),
      makeService('says200', { port: says200.port }),
      makeService('badaccept', { port: (badAccept.address() as net.AddressInfo).port }),
      makeService('dead', { port: deadPort }),
      makeService('off', { status: 'stopped', port: null }),
      makeService('grpcish', { port: svc.up.port, protocol: 'h2c' }),
    ];
    const routes = [
      route('/ws', 'ws'),
      route('/refuse', 'refuse'),
      route('/says200', 'says200'),
      route('/badaccept', 'badaccept'),
      route('/dead', 'dead'),
      route('/off', 'off'),
      route('/grpcish', 'grpcish'),
    ];
    if (svc6 !== undefined) {
      services.push(makeService('v6', { port: svc6.up.port }));
      routes.push(route('/v6', 'v6'));
    }
    backend.add(makeProject('shop', services, routes));
    proxy = new ProxyServer({ backend, port: 0, host: ['127.0.0.1'], tls: await secureServerOptions(ca, backend), capture: store });
    port = (await proxy.listen()).port;
    authority = `shop.localhost:${port}`;
    session = connectH2Tls(port, 'shop.localhost', caPem);
  });
  after(async () => {
    await closeSession(session);
    await proxy.close();
    for (const s of [svc, svc6]) {
      if (s === undefined) continue;
      s.wss.close();
      await s.up.close();
    }
    await refuse.close();
    await says200.close();
    await new Promise<void>((resolve) => badAccept.close(() => resolve()));
    store.close();
    await rm(home, { recursive: true, force: true });
  });

  const open = async (path: string, extra = {}, on: ClientHttp2Session = session, scheme = 'https', endOnServerEnd = true): Promise<H2WebSocket> => {
    const r = await openH2WebSocket(on, authority, path, extra, scheme, { endOnServerEnd });
    if ('refused' in r) throw new Error(`refused with ${r.refused.status}: ${r.refused.body}`);
    return r.ws;
  };
  const refused = async (path: string): Promise<Refused> => {
    const r = await openH2WebSocket(session, authority, path);
    if ('ws' in r) throw new Error(`expected a refusal for ${path}, got ${r.ws.status}`);
    return r.refused;
  };

  it('advertises SETTINGS_ENABLE_CONNECT_PROTOCOL over TLS and h2c', async () => {
    await waitFor(() => (session.remoteSettings.enableConnectProtocol === true ? true : undefined), 'the TLS session settings');
    const h2c = connectH2c(port);
    try {
      await waitFor(() => (h2c.remoteSettings.enableConnectProtocol === true ? true : undefined), 'the h2c session settings');
    } finally {
      await closeSession(h2c);
    }
  });

  it('bridges to an HTTP/1.1 Upgrade: the service sees a valid handshake with forwarding headers; text and binary echo', async () => {
    const ws = await open('/ws/chat?id=echo', { cookie: ['a=1', 'b=2'] });
    assert.equal(ws.status, 200);
    assert.equal(ws.headers['sec-websocket-accept'], undefined, 'HTTP/2 has no Sec-WebSocket-Accept');
    assert.match(String(ws.headers.via), /locald-/);
    const hello = await ws.next();
    assert.equal(hello.data.toString(), 'hello https');
    ws.sendText('ping över h2');
    const echo = await ws.next();
    assert.equal(echo.opcode, OP_TEXT);
    assert.equal(echo.data.toString(), 'echo ping över h2');
    const binary = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
    ws.sendBinary(binary);
    const back = await ws.next();
    assert.equal(back.opcode, OP_BINARY);
    assert.deepEqual(back.data, binary);
    // A 70 kB message crosses several DATA frames and flow-control windows.
    const big = Buffer.alloc(70_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    ws.sendBinary(big);
    assert.deepEqual((await ws.next()).data, big);

    const seen = svc.seen.get('echo');
    assert.ok(seen !== undefined);
    assert.equal(seen.url, '/chat?id=echo', 'the route prefix is stripped like for HTTP/1.1');
    assert.equal(seen.headers.host, authority);
    assert.equal(seen.headers.upgrade, 'websocket');
    assert.equal(seen.headers['sec-websocket-version'], '13');
    assert.match(String(seen.headers['sec-websocket-key']), /^[A-Za-z0-9+/]{22}==$/);
    assert.equal(seen.headers['x-forwarded-proto'], 'https');
    assert.equal(seen.headers['x-forwarded-host'], authority);
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen.headers.cookie, 'a=1; b=2');
    assert.equal(seen.headers.origin, `https://${authority}`);
    assert.match(String(seen.headers.via), /^1\.1 locald-/);
    ws.close(1000, 'done');
    assert.equal(closeInfo((await ws.next()).data).code, 1000);
    const end = await ws.closed;
    assert.deepEqual(end, { rstCode: 0, serverEnded: true });
  });

  it('negotiates a subprotocol and passes ping/pong through', async () => {
    const ws = await open('/ws/?id=proto', { 'sec-websocket-protocol': 'chat, superchat' });
    assert.equal(ws.headers['sec-websocket-protocol'], 'superchat');
    await ws.next();
    ws.sendFrame(encodeClientFrame(OP_PING, Buffer.from('are you there')));
    await waitFor(() => ws.controls.find((f) => f.opcode === OP_PONG), 'the pong');
    assert.equal(ws.controls.find((f) => f.opcode === OP_PONG)?.payload.toString(), 'are you there');
    const seen = svc.seen.get('proto');
    assert.equal(seen?.ws.protocol, 'superchat');
    ws.close(1000);
    await ws.closed;
  });

  it('negotiates permessage-deflate end to end: compressed messages both ways', async () => {
    const ws = await open('/ws/?id=deflate', { 'sec-websocket-extensions': 'permessage-deflate; client_no_context_takeover; server_no_context_takeover' });
    assert.match(String(ws.headers['sec-websocket-extensions']), /^permessage-deflate/);
    assert.match(String(ws.headers['sec-websocket-extensions']), /server_no_context_takeover/);
    await ws.next();
    const text = 'compress me please '.repeat(200);
    ws.sendText(text, { compress: true });
    const echo = await ws.next();
    assert.equal(echo.compressed, true, 'the service compressed its echo');
    assert.equal(echo.data.toString(), `echo ${text}`);
    assert.equal(svc.seen.get('deflate')?.received[0]?.text, text, 'the service inflated the client\'s compressed frame');
    ws.close(1000);
    await ws.closed;
  });

  it('carries close codes and reasons both ways', async () => {
    const a = await open('/ws/?id=client-close');
    await a.next();
    a.close(4001, 'client says bye');
    const reply = await a.next();
    assert.equal(reply.opcode, OP_CLOSE);
    assert.deepEqual(closeInfo(reply.data), { code: 4001, reason: 'client says bye' });
    assert.deepEqual(await a.closed, { rstCode: 0, serverEnded: true });
    await waitFor(() => svc.seen.get('client-close')?.closed, 'the service to see the close');
    assert.deepEqual(svc.seen.get('client-close')?.closed, { code: 4001, reason: 'client says bye' });

    const b = await open('/ws/?id=server-close');
    await b.next();
    b.sendText('close:4002:server says bye');
    const close = await b.next();
    assert.deepEqual(closeInfo(close.data), { code: 4002, reason: 'server says bye' });
    b.close(4002, 'server says bye');
    const end = await b.closed;
    assert.equal(end.rstCode, 0);
    assert.equal(end.serverEnded, true);
    await waitFor(() => svc.seen.get('server-close')?.closed, 'the service close event');
    assert.equal(svc.seen.get('server-close')?.closed?.code, 4002);
  });

  it('a client RST_STREAM closes the service\'s socket (1006, no close frame)', async () => {
    const ws = await open('/ws/?id=reset');
    await ws.next();
    ws.stream.close(NGHTTP2_CANCEL);
    const closed = await waitFor(() => svc.seen.get('reset')?.closed, 'the service to see the connection go', 15_000);
    assert.equal(closed.code, 1006);
    // The session survives: another WebSocket on it works.
    const again = await open('/ws/?id=after-reset');
    assert.equal((await again.next()).data.toString(), 'hello https');
    again.close(1000);
    await again.closed;
  });

  it('a service that resets its TCP connection resets the stream with CONNECT_ERROR; a clean FIN ends it', async () => {
    // Node sends END_STREAM just before the RST_STREAM; this client keeps its side open to see the reset.
    const ws = await open('/ws/?id=svc-reset', {}, session, 'https', false);
    await ws.next();
    const seen = svc.seen.get('svc-reset');
    assert.ok(seen !== undefined);
    seen.socket.resetAndDestroy();
    const end = await ws.closed;
    assert.equal(end.rstCode, NGHTTP2_CONNECT_ERROR);

    const fin = await open('/ws/?id=svc-fin');
    await fin.next();
    svc.seen.get('svc-fin')?.ws.terminate();
    const finEnd = await fin.closed;
    assert.equal(finEnd.serverEnded, true, 'the service\'s FIN became END_STREAM');
  });

  it('works over h2c with prior knowledge (X-Forwarded-Proto http)', async () => {
    const h2c = connectH2c(port);
    try {
      await waitFor(() => (h2c.remoteSettings.enableConnectProtocol === true ? true : undefined), 'h2c settings');
      const ws = await open('/ws/?id=h2c', {}, h2c, 'http');
      assert.equal((await ws.next()).data.toString(), 'hello http');
      ws.sendText('x');
      assert.equal((await ws.next()).data.toString(), 'echo x');
      ws.close(1000);
      await ws.closed;
    } finally {
      await closeSession(h2c);
    }
  });

  it('falls back to ::1 for a service that listens only there', async (t) => {
    if (svc6 === undefined) {
      t.skip('no IPv6 loopback');
      return;
    }
    const ws = await open('/v6/?id=v6');
    assert.equal((await ws.next()).data.toString(), 'hello https');
    assert.equal(svc6.seen.get('v6')?.socket.remoteAddress, '::1');
    ws.close(1000);
    await ws.closed;
  });

  it('relays a service\'s refusal (403 with its body) as the stream\'s response', async () => {
    const r = await refused('/refuse/x');
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-why'], 'no-entry');
    assert.equal(r.body, 'no entry for websocket');
  });

  it('answers 502 when the service says 200 instead of 101 (a 2xx would open the tunnel)', async () => {
    const r = await refused('/says200/');
    assert.equal(r.status, 502);
    assert.match(r.body, /says200/);
    assert.match(r.body, /instead of 101/);
  });

  it('answers 502 when the service\'s Sec-WebSocket-Accept does not match the key', async () => {
    const r = await refused('/badaccept/');
    assert.equal(r.status, 502);
    assert.match(r.body, /WebSocket handshake failed/);
    assert.match(r.body, /does not match the key/);
  });

  it('explains a service that is not listening (502, both loopbacks named) and one that is stopped (503)', async () => {
    const dead = await refused('/dead/');
    assert.equal(dead.status, 502);
    assert.match(String(dead.headers['content-type']), /problem\+json/);
    const problem = JSON.parse(dead.body) as { detail: string; title: string };
    assert.equal(problem.title, 'Nothing is listening');
    assert.match(problem.detail, new RegExp(`127\\.0\\.0\\.1:${deadPort}`));
    assert.match(problem.detail, /service 'dead'/);
    const off = await refused('/off/');
    assert.equal(off.status, 503);
    assert.match(off.body, /off/);
  });

  it('refuses an h2c service clearly, and other :protocol values with 501', async () => {
    const r = await refused('/grpcish/');
    assert.equal(r.status, 502);
    assert.match(r.body, /h2c/);
    const other = await new Promise<number>((resolve, reject) => {
      const s = session.request({ ':method': 'CONNECT', ':protocol': 'webtransport', ':scheme': 'https', ':path': '/ws/', ':authority': authority });
      s.on('error', reject);
      s.on('response', (h) => {
        resolve(Number(h[':status']));
        // Read the 501's body: on Node 24 an unread body keeps the closed stream, and so the
        // session, open for good (Node 20 drops it).
        s.resume();
        s.close();
      });
    });
    assert.equal(other, 501);
  });

  it('is captured like an HTTP/1.1 WebSocket: kind websocket, h2, 101 from the service, frames both ways', async () => {
    const ws = await open('/ws/?id=capture');
    await ws.next();
    ws.sendText('captured hello');
    await ws.next();
    ws.close(1000, 'bye');
    await ws.closed;
    const d = await waitFor(() => {
      const s = store.list().find((e) => e.url === '/ws/?id=capture' && e.state === 'complete');
      return s === undefined ? undefined : store.get(s.id);
    }, 'the captured exchange', 15_000);
    assert.equal(d.kind, 'websocket');
    assert.equal(d.clientProtocol, 'h2');
    assert.equal(d.method, 'CONNECT');
    assert.equal(d.upstreamProtocol, 'http/1.1');
    assert.equal(d.status, 101);
    assert.ok(d.forwardedResponseHeaders.some(([n, v]) => n === ':status' && v === '200'));
    const key = d.forwardedRequestHeaders.find(([n]) => n === 'Sec-WebSocket-Key')?.[1] ?? '';
    assert.equal(d.responseHeaders.find(([n]) => n.toLowerCase() === 'sec-websocket-accept')?.[1], websocketAccept(key));
    const texts = d.websocketMessages.filter((m) => m.opcode === OP_TEXT).map((m) => `${m.direction}:${Buffer.from(m.payload, 'base64').toString()}`);
    assert.deepEqual(texts, ['server:hello https', 'client:captured hello', 'server:echo captured hello']);
    assert.ok(d.websocketMessages.some((m) => m.opcode === OP_CLOSE && m.direction === 'client'));
  });

  it('computes Sec-WebSocket-Accept as RFC 6455 §1.3 does', () => {
    assert.equal(websocketAccept('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    assert.equal(websocketAccept('x'), createHash('sha1').update('x258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64'));
  });
});
