// Chromium opens a WebSocket over HTTP/2 (RFC 8441) through locald: the page loads over
// https with h2, then `new WebSocket('wss://…')` rides the same connection as an extended
// CONNECT stream, which the proxy bridges to the service's HTTP/1.1 Upgrade. The proof is
// on the proxy's side: the captured exchange is a CONNECT on an h2 stream, and no HTTP/1.1
// upgrade reached the proxy.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { TrafficStore } from '../../engine/capture/index.js';
import { ProxyServer } from '../../engine/proxy/index.js';
import { LocalCa, secureServerOptions } from '../../engine/tls/index.js';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { startUpstream, waitFor, type Upstream } from '../helpers/proxy-net.js';
import { CHROMIUM, CHROMIUM_ARGS } from './harness.js';

/** base64(sha256(SubjectPublicKeyInfo)), the form --ignore-certificate-errors-spki-list takes. */
function spkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>ws over h2</title><p>shop</p>`;

/** Runs in the page: the navigation's protocol, and a WebSocket round trip. */
const PAGE_SCRIPT = `(async () => {
  const nav = performance.getEntriesByType('navigation')[0];
  const ws = new WebSocket('wss://' + location.host + '/ws/live', ['chat']);
  const got = [];
  const closed = new Promise((resolve) => ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean })));
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve);
    ws.addEventListener('error', () => reject(new Error('WebSocket error before open')));
  });
  const next = () => new Promise((resolve) => ws.addEventListener('message', (e) => resolve(e.data), { once: true }));
  got.push(await next());
  let reply = next();
  ws.send('hello from chromium');
  got.push(await reply);
  reply = next();
  ws.send(new Uint8Array([1, 2, 3, 250]));
  const bin = await reply;
  got.push(Array.from(new Uint8Array(await bin.arrayBuffer())).join(','));
  ws.close(4000, 'page done');
  return { nextHopProtocol: nav.nextHopProtocol, protocol: ws.protocol, extensions: ws.extensions, got, close: await closed };
})()`;

describe('e2e: Chromium opens a WebSocket over HTTP/2 (RFC 8441) through locald', () => {
  const backend = new TestBackend();
  const store = new TrafficStore(undefined, { batchIntervalMs: 50 });
  let home: string;
  let userDataDir: string;
  let proxy: ProxyServer;
  let port: number;
  let web: Upstream;
  let wss: WebSocketServer;
  let context: BrowserContext;
  const upgrades: http.IncomingHttpHeaders[] = [];
  const serverClosed: { code: number; reason: string }[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
    home = mkdtempSync(join(tmpdir(), 'locald-e2e-wsh2-'));
    userDataDir = mkdtempSync(join(tmpdir(), 'locald-e2e-wsh2-chromium-'));
    const ca = await LocalCa.open(home);
    web = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    });
    wss = new WebSocketServer({ server: web.server, perMessageDeflate: true, handleProtocols: (p) => (p.has('chat') ? 'chat' : false) });
    wss.on('connection', (ws, req) => {
      upgrades.push(req.headers);
      ws.on('error', () => undefined);
      ws.on('close', (code, reason) => serverClosed.push({ code, reason: reason.toString() }));
      ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `echo ${String(data)}`, { binary: isBinary }));
      ws.send('welcome');
    });
    backend.add(makeProject('shop', [makeService('web', { port: web.port })], [route('/', 'web')]));
    proxy = new ProxyServer({ backend, port: 0, host: ['127.0.0.1'], tls: await secureServerOptions(ca, backend), capture: store });
    port = (await proxy.listen()).port;
    const leaf = await ca.leafFor('shop');
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        ...CHROMIUM_ARGS,
        // Trusts the proxy's leaf for shop.localhost only, the way a trusted local CA would.
        `--ignore-certificate-errors-spki-list=${spkiHash(leaf.certPem)}`,
        // The proxy listens on 127.0.0.1 only; keep Chromium from trying ::1 first.
        '--host-resolver-rules=MAP *.localhost 127.0.0.1',
      ],
    });
  });
  after(async () => {
    await context?.close();
    await proxy?.close();
    wss?.close();
    await web?.close();
    store.close();
    rmSync(userDataDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('loads the page over h2, then carries the WebSocket as an extended CONNECT stream', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    const res = await page.goto(`https://shop.localhost:${port}/`);
    assert.equal(res?.status(), 200);
    const result = (await page.evaluate(PAGE_SCRIPT)) as {
      nextHopProtocol: string;
      protocol: string;
      extensions: string;
      got: string[];
      close: { code: number; reason: string; wasClean: boolean };
    };
    assert.equal(result.nextHopProtocol, 'h2', 'the page came over HTTP/2');
    assert.deepEqual(result.got, ['welcome', 'echo hello from chromium', '1,2,3,250']);
    assert.equal(result.protocol, 'chat', 'the subprotocol the service chose reached the page');
    assert.match(result.extensions, /permessage-deflate/, 'the extension the service accepted reached the page');
    assert.deepEqual(result.close, { code: 4000, reason: 'page done', wasClean: true });
    await waitFor(() => serverClosed[0], 'the service to see the close');
    assert.deepEqual(serverClosed[0], { code: 4000, reason: 'page done' });

    // The service got a normal HTTP/1.1 upgrade from locald…
    assert.equal(upgrades.length, 1);
    assert.equal(upgrades[0]?.['x-forwarded-proto'], 'https');
    assert.match(String(upgrades[0]?.via), /locald-/);
    // …and the proxy got it from Chromium as an extended CONNECT on the h2 connection.
    const d = await waitFor(() => {
      const s = store.list().find((e) => e.kind === 'websocket' && e.state === 'complete');
      return s === undefined ? undefined : store.get(s.id);
    }, 'the captured WebSocket', 15_000);
    assert.equal(d.clientProtocol, 'h2');
    assert.equal(d.method, 'CONNECT');
    assert.ok(d.requestHeaders.some(([n, v]) => n === ':protocol' && v === 'websocket'), 'Chromium sent :protocol websocket');
    assert.equal(d.url, '/ws/live');
    assert.equal(d.status, 101);
    assert.ok(d.websocketMessages.some((m) => m.direction === 'client' && Buffer.from(m.payload, 'base64').toString() === 'hello from chromium'));
    assert.ok(d.websocketMessages.some((m) => m.direction === 'server' && Buffer.from(m.payload, 'base64').toString() === 'welcome'));
    const overHttp1 = store.list().filter((e) => e.clientProtocol === 'http/1.1');
    assert.deepEqual(overHttp1, [], 'nothing went over an HTTP/1.1 connection');
  });
});
