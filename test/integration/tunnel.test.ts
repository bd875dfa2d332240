// The tunnel (engine/proxy/tunnel/) seen from both client protocols: a WebSocket upgrade over
// HTTP/1.1 (raw socket) and over HTTP/2 (RFC 8441 extended CONNECT, h2c here) go down one
// path, so what holds for one holds for the other. Each case runs once per client protocol.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ClientHttp2Session } from 'node:http2';
import net from 'node:net';
import { WebSocketServer } from 'ws';
import { TrafficStore } from '../../engine/capture/index.js';
import { ProxyServer } from '../../engine/proxy/index.js';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { closeSession, connectH2c } from '../helpers/h2-kit.js';
import { startUpstream, waitFor, type Upstream } from '../helpers/proxy-net.js';
import { NGHTTP2_CANCEL, openH2WebSocket } from '../helpers/ws-h2-client.js';

/** How long the slow service waits before its 101. */
const SLOW_101_MS = 300;

/** Opens an HTTP/1.1 upgrade on a raw socket; resolves once the answer's head has arrived. */
function rawUpgrade(port: number, host: string, path: string): Promise<{ socket: net.Socket; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      got += chunk.toString('latin1');
      if (got.includes('\r\n\r\n')) resolve({ socket, head: got.slice(0, got.indexOf('\r\n\r\n')) });
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
    );
  });
}

describe('tunnel: one path for WebSocket over HTTP/1.1 and HTTP/2', () => {
  const backend = new TestBackend();
  const store = new TrafficStore(undefined, { batchIntervalMs: 50 });
  let proxy: ProxyServer;
  let port: number;
  let authority: string;
  let session: ClientHttp2Session;
  let hold: Upstream;
  let slow: Upstream;
  let wss: WebSocketServer;
  /** Per `?id=`: the refusal's response on the service side closed (its connection let go). */
  const released = new Set<string>();

  before(async () => {
    // Refuses the upgrade with a body that never ends.
    hold = await startUpstream((req, res) => {
      const id = new URL(req.url ?? '/', 'http://x').searchParams.get('id') ?? '';
      res.on('close', () => released.add(id));
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.write('refused, and the rest of this body takes forever');
    });
    slow = await startUpstream((_req, res) => res.end('not an upgrade'));
    wss = new WebSocketServer({
      server: slow.server,
      verifyClient: (_info, cb) => setTimeout(() => cb(true), SLOW_101_MS),
    });
    wss.on('connection', (ws) => ws.on('error', () => undefined));
    backend.add(
      makeProject(
        'shop',
        [makeService('hold', { port: hold.port }), makeService('slow', { port: slow.port })],
        [route('/hold', 'hold'), route('/slow', 'slow')],
      ),
    );
    proxy = new ProxyServer({ backend, port: 0, host: ['127.0.0.1'], capture: store });
    port = (await proxy.listen()).port;
    authority = `shop.localhost:${port}`;
    session = connectH2c(port);
  });
  after(async () => {
    await closeSession(session);
    await proxy.close();
    wss.close();
    await slow.close();
    await hold.close();
    store.close();
  });

  it('HTTP/2: a refusal whose client goes mid-body lets go of the service connection', async () => {
    const stream = session.request({
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':scheme': 'http',
      ':path': '/hold/?id=h2',
      ':authority': authority,
      'sec-websocket-version': '13',
    });
    stream.on('error', () => undefined);
    const status = await new Promise<number>((resolve) => stream.once('response', (h) => resolve(Number(h[':status']))));
    assert.equal(status, 403);
    stream.close(NGHTTP2_CANCEL);
    await waitFor(() => (released.has('h2') ? true : undefined), "the service's side of the refusal to close");
  });

  const captured = (url: string) =>
    waitFor(() => {
      const s = store.list().find((e) => e.url === url && e.status === 101);
      return s === undefined ? undefined : store.get(s.id);
    }, `the capture of ${url}`);

  it('HTTP/1.1: capture has the upgrade as sent before the service\'s late 101', async () => {
    const { socket, head } = await rawUpgrade(port, authority, '/slow/?id=h1');
    assert.match(head, /^HTTP\/1\.1 101 /);
    socket.destroy();
    const d = await captured('/slow/?id=h1');
    assert.ok(d.timings.requestSent !== null && d.timings.firstByte !== null);
    assert.ok(d.timings.requestSent < d.timings.firstByte, `requestSent ${d.timings.requestSent} < firstByte ${d.timings.firstByte}`);
  });

  it('HTTP/2: capture has the upgrade as sent before the service\'s late 101', async () => {
    const r = await openH2WebSocket(session, authority, '/slow/?id=h2', {}, 'http');
    assert.ok('ws' in r, 'the tunnel opened');
    r.ws.stream.close(NGHTTP2_CANCEL);
    const d = await captured('/slow/?id=h2');
    assert.ok(d.timings.requestSent !== null && d.timings.firstByte !== null);
    assert.ok(d.timings.requestSent < d.timings.firstByte, `requestSent ${d.timings.requestSent} < firstByte ${d.timings.firstByte}`);
  });
});
