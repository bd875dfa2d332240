// WebSocket oddities through the proxy with the `ws` package on both ends: ping/pong,
// fragmented messages, a 5 MB frame, permessage-deflate, close codes with reasons both ways,
// and a client that vanishes without a close frame.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { waitFor } from '../helpers/proxy-net.js';
import { listen, proxyOver, type ProxyOver } from '../helpers/weird-kit.js';

function toBuffer(data: RawData): Buffer {
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('weird WebSocket', () => {
  let service: http.Server;
  let wss: WebSocketServer;
  let px: ProxyOver;
  /** Server-side sockets by the path the client opened. */
  const serverSide = new Map<string, WebSocket>();
  const serverClosed = new Map<string, { code: number; reason: string }>();
  const serverPongs: string[] = [];

  before(async () => {
    service = http.createServer((_req, res) => {
      res.writeHead(426);
      res.end();
    });
    wss = new WebSocketServer({ server: service, perMessageDeflate: { threshold: 0 }, maxPayload: 64 * 1024 * 1024 });
    wss.on('connection', (ws, req) => {
      const path = req.url ?? '';
      serverSide.set(path, ws);
      ws.on('pong', (data) => serverPongs.push(`${path}:${data.toString()}`));
      ws.on('close', (code, reason) => serverClosed.set(path, { code, reason: reason.toString() }));
      ws.on('message', (data, isBinary) => {
        const buf = toBuffer(data);
        if (path === '/echo-hash') ws.send(`${buf.length}:${sha(buf)}`);
        else ws.send(buf, { binary: isBinary });
      });
    });
    px = await proxyOver(await listen(service));
  });
  after(async () => {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    await px.proxy.close();
    service.closeAllConnections();
    await new Promise<void>((r) => service.close(() => r()));
  });

  const open = async (path: string, opts: { perMessageDeflate?: boolean } = {}): Promise<WebSocket> => {
    const ws = new WebSocket(`ws://127.0.0.1:${px.port}${path}`, {
      headers: { host: 'shop.localhost' },
      perMessageDeflate: opts.perMessageDeflate ?? false,
      maxPayload: 64 * 1024 * 1024,
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    await waitFor(() => (serverSide.has(path) ? true : undefined), `the service side of ${path}`);
    return ws;
  };

  const nextMessage = (ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> =>
    new Promise((resolve, reject) => {
      ws.once('message', (data, isBinary) => resolve({ data: toBuffer(data), isBinary }));
      ws.once('close', () => reject(new Error('closed before a message')));
    });

  it('ping and pong pass both ways', async () => {
    const ws = await open('/ping');
    const pong = new Promise<string>((resolve) => ws.once('pong', (d) => resolve(d.toString())));
    ws.ping('from-client');
    assert.equal(await pong, 'from-client');
    const ping = new Promise<string>((resolve) => ws.once('ping', (d) => resolve(d.toString())));
    serverSide.get('/ping')?.ping('from-service');
    assert.equal(await ping, 'from-service');
    // ws answers pings automatically: the service gets the client's pong back through the proxy.
    await waitFor(() => (serverPongs.includes('/ping:from-service') ? true : undefined), 'the pong at the service');
    ws.close();
  });

  it('fragmented messages are reassembled, both ways', async () => {
    const ws = await open('/fragments');
    const echoed = nextMessage(ws);
    ws.send('frag-1 ', { fin: false });
    ws.send('frag-2 ', { fin: false });
    ws.send('frag-3', { fin: true });
    const back = await echoed;
    assert.equal(back.data.toString(), 'frag-1 frag-2 frag-3');
    assert.equal(back.isBinary, false);
    const server = serverSide.get('/fragments') as WebSocket;
    const fromService = nextMessage(ws);
    server.send(Buffer.from('s1'), { binary: true, fin: false });
    server.send(Buffer.from('s2'), { binary: true, fin: true });
    const got = await fromService;
    assert.equal(got.data.toString(), 's1s2');
    assert.equal(got.isBinary, true);
    ws.close();
  });

  it('a 5 MB frame passes intact, both ways', async () => {
    const ws = await open('/big');
    const payload = randomBytes(5 * 1024 * 1024);
    const echoed = nextMessage(ws);
    ws.send(payload);
    const back = await echoed;
    assert.equal(back.data.length, payload.length);
    assert.equal(sha(back.data), sha(payload));
    ws.close();
  });

  it('permessage-deflate is negotiated end to end and compressed messages round-trip', async () => {
    const ws = await open('/echo-hash', { perMessageDeflate: true });
    // The service's 101 is relayed as is, so the extension is agreed with the service itself.
    assert.match(ws.extensions, /permessage-deflate/);
    const text = Buffer.from('compress me '.repeat(100_000));
    const reply = nextMessage(ws);
    ws.send(text);
    assert.equal((await reply).data.toString(), `${text.length}:${sha(text)}`);
    ws.close();
  });

  it('a close code and reason from the client reach the service', async () => {
    const ws = await open('/close-client');
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.close(4000, 'client says bye');
    await waitFor(() => serverClosed.get('/close-client'), 'the service to see the close');
    assert.deepEqual(serverClosed.get('/close-client'), { code: 4000, reason: 'client says bye' });
    assert.equal(await closed, 4000, 'the service echoes the close code back');
  });

  it('a close code and reason from the service reach the client', async () => {
    const ws = await open('/close-service');
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    serverSide.get('/close-service')?.close(4001, 'service says bye');
    assert.deepEqual(await closed, { code: 4001, reason: 'service says bye' });
  });

  it('a client that vanishes (socket destroyed, no close frame) closes the service connection too', async () => {
    const ws = await open('/vanish');
    ws.terminate();
    const closed = await waitFor(() => serverClosed.get('/vanish'), 'the service side to close');
    // 1006: the connection ended without a close frame, as the client's did.
    assert.equal(closed.code, 1006);
  });

  it('a service that vanishes closes the client connection too', async () => {
    const ws = await open('/service-vanish');
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    serverSide.get('/service-vanish')?.terminate();
    assert.equal(await closed, 1006);
  });
});
