// locald's own answers (the 404/502/503 problem pages) are captured with the body the client
// got, over HTTP/1.1 and HTTP/2, and exported in HAR with their content. A real ProxyServer
// with a real TrafficStore; real clients (node:http, node:http2 h2c, ws).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import WebSocket from 'ws';
import type { HarEntry } from '../../shared/har.js';
import type { ExchangeDetail, ExchangeSummary } from '../../shared/traffic.js';
import { TrafficStore } from '../../engine/capture/index.js';
import { ProxyServer } from '../../engine/proxy/index.js';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { request, waitFor } from '../helpers/proxy-net.js';
import { closeSession, connectH2c, h2Request } from '../helpers/h2-kit.js';

/** A port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe("capture: locald's own answers keep their bodies", () => {
  const backend = new TestBackend();
  const store = new TrafficStore(undefined, { batchIntervalMs: 20 });
  let proxy: ProxyServer;
  let port: number;

  before(async () => {
    backend.add(
      makeProject(
        'shop',
        [
          makeService('off', { status: 'stopped' }),
          makeService('gone', { status: 'crashed', lastExit: { code: 1, signal: null, at: Date.now() } as never }),
          makeService('dead', { port: await deadPort() }),
        ],
        [route('/off', 'off'), route('/gone', 'gone'), route('/', 'dead')],
      ),
    );
    backend.log('shop', 'gone', 'Error: boom');
    proxy = new ProxyServer({ backend, port: 0, host: ['127.0.0.1'], capture: store });
    port = (await proxy.listen()).port;
  });
  after(async () => {
    await proxy.close();
    store.close();
  });

  const find = (url: string): Promise<ExchangeDetail> =>
    waitFor(() => {
      const s = store.list().find((e: ExchangeSummary) => e.url === url && e.state === 'error');
      return s === undefined ? undefined : store.get(s.id);
    }, `the exchange for ${url}`);
  const capturedBody = (id: number): Buffer => Buffer.from(store.body(id, 'response')?.base64 ?? '', 'base64');
  const harEntry = (id: number): HarEntry => {
    const entry = store.toHar([id]).log.entries[0];
    assert.ok(entry, `a HAR entry for exchange ${id}`);
    return entry;
  };
  /** The body is captured exactly as sent, and HAR carries it as text with its size and type. */
  const assertKept = (d: ExchangeDetail, sent: Buffer, mimeType: RegExp): void => {
    assert.ok(sent.length > 0, 'the client got a body');
    assert.ok(capturedBody(d.id).equals(sent), 'the captured body is the one the client got');
    assert.equal(d.responseSize, sent.length);
    assert.equal(d.responseBody.captured, sent.length);
    const content = harEntry(d.id).response.content;
    assert.equal(content.text, sent.toString('utf8'));
    assert.equal(content.size, sent.length);
    assert.match(content.mimeType, mimeType);
    assert.equal(harEntry(d.id).response.bodySize, sent.length);
  };

  it('HTTP/1.1, unknown host: the 404 problem+json is the captured response body and the HAR content', async () => {
    const res = await request(port, { host: `nope.localhost:${port}`, path: '/unknown-host' });
    assert.equal(res.status, 404);
    const d = await find('/unknown-host');
    assert.equal(d.error?.code, 'unknown-project');
    assert.equal(d.status, 404);
    assertKept(d, res.body, /^application\/problem\+json/);
    assert.equal(JSON.parse(capturedBody(d.id).toString()).status, 404);
    assert.ok(d.responseHeaders.some(([n, v]) => n.toLowerCase() === 'content-type' && v === 'application/problem+json'));
  });

  it('HTTP/1.1, stopped service, a browser: the 503 HTML page is captured', async () => {
    const res = await request(port, { host: `shop.localhost:${port}`, path: '/off/page', headers: { accept: 'text/html' } });
    assert.equal(res.status, 503);
    const d = await find('/off/page');
    assert.equal(d.error?.code, 'service-stopped');
    assertKept(d, res.body, /^text\/html/);
    assert.match(capturedBody(d.id).toString(), /<!doctype html>/);
  });

  it('HTTP/1.1, crashed service and a refused connection: their 502 pages are captured', async () => {
    const crashed = await request(port, { host: `shop.localhost:${port}`, path: '/gone/x' });
    assert.equal(crashed.status, 502);
    const c = await find('/gone/x');
    assert.equal(c.error?.code, 'service-crashed');
    assertKept(c, crashed.body, /^application\/problem\+json/);
    assert.equal(c.logLines.at(-1)?.text, 'Error: boom', 'the log lines stay with it');

    const refused = await request(port, { host: `shop.localhost:${port}`, path: '/refused' });
    assert.equal(refused.status, 502);
    const r = await find('/refused');
    assertKept(r, refused.body, /^application\/problem\+json/);
  });

  it('HTTP/1.1 HEAD: no body went out, none is captured', async () => {
    const res = await request(port, { host: `nope.localhost:${port}`, path: '/head', method: 'HEAD' });
    assert.equal(res.status, 404);
    const d = await find('/head');
    assert.equal(d.responseSize, 0);
    assert.equal(harEntry(d.id).response.content.size, 0);
  });

  it('HTTP/2 (h2c): unknown host and stopped service pages are captured with their bodies', async () => {
    const session = connectH2c(port);
    try {
      const unknown = await h2Request(session, { ':method': 'GET', ':path': '/h2-unknown', ':authority': `nope.localhost:${port}` });
      assert.equal(unknown.status, 404);
      const off = await h2Request(session, { ':method': 'GET', ':path': '/off/h2', ':authority': `shop.localhost:${port}`, accept: 'text/html' });
      assert.equal(off.status, 503);
      const u = await find('/h2-unknown');
      assert.equal(u.clientProtocol, 'h2c');
      assertKept(u, unknown.body, /^application\/problem\+json/);
      const o = await find('/off/h2');
      assertKept(o, off.body, /^text\/html/);
    } finally {
      await closeSession(session);
    }
  });

  it('a WebSocket upgrade to an unknown host: the 404 written to the socket is captured', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws-unknown`, { headers: { host: `nope.localhost:${port}` } });
    const body = await new Promise<Buffer>((resolve, reject) => {
      ws.on('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      });
      ws.on('open', () => reject(new Error('the upgrade succeeded')));
      ws.on('error', () => undefined);
    });
    ws.terminate();
    const d = await find('/ws-unknown');
    assert.equal(d.status, 404);
    assertKept(d, body, /^application\/problem\+json/);
  });
});

