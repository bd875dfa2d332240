// A client closing an SSE stream, or closing a WebSocket with 1000/1001, ends the exchange
// normally: capture records no error (so it does not match `has:error` in the inspector).
// A stream the service breaks off still records one. A real ProxyServer and TrafficStore,
// real services (node:http, ws) and real clients (node:http, node:http2 h2c, ws).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import WebSocket, { WebSocketServer } from 'ws';
import type { ExchangeDetail } from '../../shared/traffic.js';
import { TrafficStore } from '../../engine/capture/index.js';
import { ProxyServer } from '../../engine/proxy/index.js';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { startUpstream, waitFor, type Upstream } from '../helpers/proxy-net.js';
import { closeSession, connectH2c } from '../helpers/h2-kit.js';

const EVENTS_BEFORE_CLOSE = 2;

describe('capture: streams the client closes normally are not errors', () => {
  const store = new TrafficStore(undefined, { batchIntervalMs: 20 });
  let service: Upstream;
  let wss: WebSocketServer;
  let proxy: ProxyServer;
  let port: number;
  const host = (): string => `shop.localhost:${port}`;

  before(async () => {
    service = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      let n = 0;
      const tick = setInterval(() => {
        n++;
        res.write(`id: ${n}\nevent: tick\ndata: ${n}\n\n`);
        // The service dies mid-stream: its connection goes without an end.
        if (req.url?.startsWith('/sse-dies') === true && n === EVENTS_BEFORE_CLOSE) {
          clearInterval(tick);
          res.socket?.destroy();
        }
      }, 20);
      res.on('close', () => clearInterval(tick));
    });
    wss = new WebSocketServer({ server: service.server });
    wss.on('connection', (ws, req) => {
      ws.send('hello');
      if (req.url === '/ws-dies') {
        // Gone without a close frame, as a crashed service would be.
        setTimeout(() => ws.terminate(), 50);
        return;
      }
      ws.on('message', (m: Buffer) => ws.send(`echo ${m.toString()}`));
    });
    const backend = new TestBackend().add(makeProject('shop', [makeService('live', { port: service.port })], [route('/', 'live')]));
    proxy = new ProxyServer({ backend, port: 0, host: ['127.0.0.1'], capture: store });
    port = (await proxy.listen()).port;
  });
  after(async () => {
    await proxy.close();
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    await service.close();
    store.close();
  });

  /** The exchange for `url` once it has finished (complete, error or aborted). */
  const finished = (url: string): Promise<ExchangeDetail> =>
    waitFor(() => {
      const s = store.list().find((e) => e.url === url && e.state !== 'pending' && e.state !== 'streaming');
      return s === undefined ? undefined : store.get(s.id);
    }, `the finished exchange for ${url}`);

  /** Reads SSE over HTTP/1.1 until `events` have arrived, then the client goes (or the stream ends first). */
  const readSse = (path: string, events: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path, headers: { host: host(), accept: 'text/event-stream' } }, (res) => {
        let seen = 0;
        res.on('data', (c: Buffer) => {
          seen += c.toString().split('event: tick').length - 1;
          if (seen >= events) {
            req.destroy();
            resolve(seen);
          }
        });
        res.on('close', () => resolve(seen));
      });
      req.on('error', (e) => (/hang up|aborted|ECONNRESET/.test(e.message) ? resolve(0) : reject(e)));
    });

  it('HTTP/1.1: a client that disconnects from an SSE stream leaves no error', async () => {
    assert.ok((await readSse('/sse?h1', EVENTS_BEFORE_CLOSE)) >= EVENTS_BEFORE_CLOSE);
    const d = await finished('/sse?h1');
    assert.equal(d.kind, 'sse');
    assert.ok(d.sseEvents.length >= EVENTS_BEFORE_CLOSE);
    assert.equal(d.error, null, JSON.stringify(d.error));
    assert.equal(d.state, 'complete');
  });

  it('HTTP/2 (h2c): a client that cancels its SSE stream leaves no error', async () => {
    const session = connectH2c(port);
    try {
      await new Promise<void>((resolve, reject) => {
        const stream = session.request({ ':method': 'GET', ':path': '/sse?h2', ':authority': host(), accept: 'text/event-stream' });
        let seen = 0;
        stream.on('data', (c: Buffer) => {
          seen += c.toString().split('event: tick').length - 1;
          if (seen >= EVENTS_BEFORE_CLOSE) stream.close(http2.constants.NGHTTP2_CANCEL);
        });
        stream.on('close', () => (seen >= EVENTS_BEFORE_CLOSE ? resolve() : reject(new Error(`closed after ${seen} events`))));
        stream.on('error', () => undefined);
      });
    } finally {
      await closeSession(session);
    }
    const d = await finished('/sse?h2');
    assert.equal(d.kind, 'sse');
    assert.equal(d.clientProtocol, 'h2c');
    assert.equal(d.error, null, JSON.stringify(d.error));
    assert.equal(d.state, 'complete');
  });

  it('an SSE stream the service breaks off mid-stream still records an error', async () => {
    await readSse('/sse-dies', 100);
    const d = await finished('/sse-dies');
    assert.equal(d.kind, 'sse');
    assert.notEqual(d.error, null, 'the failure is recorded');
    assert.equal(d.state, 'error');
  });

  it('HTTP/2 (h2c): an SSE stream the service breaks off still records an error', async () => {
    const session = connectH2c(port);
    try {
      await new Promise<void>((resolve) => {
        const stream = session.request({ ':method': 'GET', ':path': '/sse-dies?h2', ':authority': host(), accept: 'text/event-stream' });
        stream.resume();
        stream.on('close', () => resolve());
        stream.on('error', () => undefined);
      });
    } finally {
      await closeSession(session);
    }
    const d = await finished('/sse-dies?h2');
    assert.equal(d.kind, 'sse');
    assert.notEqual(d.error, null, 'the failure is recorded');
    assert.equal(d.state, 'error');
  });

  for (const code of [1000, 1001]) {
    it(`a WebSocket the client closes with ${code} leaves no error`, async () => {
      const path = `/ws?close=${code}`;
      const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { host: host() } });
      await new Promise<void>((resolve, reject) => {
        ws.on('message', (m: Buffer) => (m.toString() === 'hello' ? ws.send('hi') : ws.close(code, 'bye')));
        ws.on('close', () => resolve());
        ws.on('error', reject);
      });
      const d = await finished(path);
      assert.equal(d.kind, 'websocket');
      assert.ok(d.websocketMessages.some((m) => m.opcode === 8 && m.direction === 'client'), 'the close frame was seen');
      assert.equal(d.error, null, JSON.stringify(d.error));
      assert.equal(d.state, 'complete');
    });
  }

  it('a WebSocket the service drops without a close frame records an error', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws-dies`, { headers: { host: host() } });
    const code = await new Promise<number>((resolve) => {
      ws.on('close', (c) => resolve(c));
      ws.on('error', () => undefined);
    });
    assert.equal(code, 1006, 'the client saw an abnormal closure');
    const d = await finished('/ws-dies');
    assert.equal(d.kind, 'websocket');
    assert.notEqual(d.error, null, 'the drop is recorded');
    assert.equal(d.state, 'error');
  });
});
