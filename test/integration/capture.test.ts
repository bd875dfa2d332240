// Capture through the real runtime: the shop example's real services behind the real proxy,
// real clients, and the engine API (traffic.*) as the inspector uses it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { CaptureStats, ExchangeSummary } from '../../shared/traffic.js';
import { startRuntime, type Runtime } from '../../engine/runtime.js';
import { REPO, tempHome } from '../helpers/locald-cli.js';
import { request, waitFor } from '../helpers/proxy-net.js';

describe('traffic capture in the runtime', () => {
  let rt: Runtime;
  let port: number;
  const batches: ExchangeSummary[][] = [];
  const host = (): string => `shop.localhost:${port}`;

  before(async () => {
    rt = await startRuntime({ home: tempHome(), httpPort: 0, captureLimits: { maxBodyBytes: 64 * 1024 } });
    port = rt.port;
    rt.engine.subscribe('traffic.batch', (b) => batches.push(b));
    await rt.engine.addProject(join(REPO, 'examples', 'shop'));
    const state = await rt.engine.startProject('shop');
    assert.equal(state.status, 'running');
  });
  after(async () => {
    await rt?.close();
  });

  const find = (pred: (s: ExchangeSummary) => boolean): Promise<ExchangeSummary> =>
    waitFor(() => rt.traffic.list().find(pred), 'a captured exchange');

  test('an HTTP exchange: routing, headers as received and as forwarded, bodies, timings, batches', async () => {
    const res = await request(port, { host: host(), method: 'POST', path: '/api/echo?q=%2F', headers: { 'x-client': 'one' }, body: 'abc' });
    assert.equal(res.status, 200);
    const s = await find((e) => e.url === '/api/echo?q=%2F' && e.state === 'complete');
    assert.equal(s.project, 'shop');
    assert.equal(s.service, 'api');
    assert.equal(s.route, '/api');
    assert.equal(s.forwardedUrl, '/echo?q=%2F');
    assert.equal(s.status, 200);
    assert.equal(s.requestSize, 3);
    assert.equal(s.responseSize, res.body.length);
    const d = await rt.engine.call('traffic.get', { id: s.id });
    assert.ok(d.requestHeaders.some(([n, v]) => n.toLowerCase() === 'x-client' && v === 'one'));
    assert.ok(d.forwardedRequestHeaders.some(([n]) => n.toLowerCase() === 'x-forwarded-for'), 'forwarded headers include X-Forwarded-For');
    assert.ok(!d.requestHeaders.some(([n]) => n.toLowerCase() === 'x-forwarded-for'), 'received headers are as the client sent them');
    const t = d.timings;
    assert.ok(t.upstreamConnected !== null && t.firstByte !== null && t.end !== null);
    assert.ok(t.upstreamConnected <= t.firstByte && t.firstByte <= t.end, JSON.stringify(t));
    const reqBody = await rt.engine.call('traffic.body', { id: s.id, which: 'request' });
    assert.equal(Buffer.from(reqBody.base64, 'base64').toString(), 'abc');
    const resBody = await rt.engine.call('traffic.body', { id: s.id, which: 'response' });
    assert.deepEqual(JSON.parse(Buffer.from(resBody.base64, 'base64').toString()), { received: 3 });
    await waitFor(() => (batches.flat().some((b) => b.id === s.id && b.state === 'complete') ? true : undefined), 'a batch event with the exchange');
  });

  test('a body over the cap streams through whole and is stored truncated', async () => {
    const payload = randomBytes(3 * 1024 * 1024);
    const res = await request(port, { host: host(), method: 'POST', path: '/api/echo?big', body: payload });
    assert.deepEqual(JSON.parse(res.text), { received: payload.length });
    const s = await find((e) => e.url === '/api/echo?big' && e.state === 'complete');
    const d = await rt.engine.call('traffic.get', { id: s.id });
    assert.equal(d.requestBody.size, payload.length);
    assert.equal(d.requestBody.captured, 64 * 1024);
    assert.equal(d.requestBody.truncated, true);
  });

  test('SSE events are parsed as they stream', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/live/events?sse', headers: { host: host() } }, (res) => {
        let seen = '';
        res.on('data', (c: Buffer) => {
          seen += c.toString();
          if (seen.split('event: tick').length > 2) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (e) => (/hang up|aborted/.test(e.message) ? undefined : reject(e)));
    });
    const s = await find((e) => e.url === '/live/events?sse');
    assert.equal(s.kind, 'sse');
    const d = await rt.engine.call('traffic.get', { id: s.id });
    assert.ok(d.sseEvents.length >= 2);
    assert.equal(d.sseEvents[0]?.event, 'tick');
    assert.equal(d.sseEvents[0]?.id, '1');
  });

  test('WebSocket messages both ways', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/live/ws?cap`, { headers: { host: host() } });
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => ws.send('captured hello'));
      ws.on('message', () => ws.close(1000));
      ws.on('close', () => resolve());
      ws.on('error', reject);
    });
    const s = await find((e) => e.url === '/live/ws?cap' && e.messageCount >= 2);
    assert.equal(s.kind, 'websocket');
    assert.equal(s.status, 101);
    const d = await rt.engine.call('traffic.get', { id: s.id });
    const texts = d.websocketMessages.filter((m) => m.opcode === 1).map((m) => [m.direction, Buffer.from(m.payload, 'base64').toString()]);
    assert.deepEqual(texts, [['client', 'captured hello'], ['server', 'captured hello']]);
  });

  test('replay with edits goes through the proxy, reaches the service with the edit, and links to the original', async () => {
    await request(port, { host: host(), path: '/api/hello?orig' });
    const original = await find((e) => e.url === '/api/hello?orig' && e.state === 'complete');
    const replay = await rt.engine.call('traffic.replay', {
      id: original.id,
      edits: { url: '/api/hello?edited', headers: [['Host', host()], ['X-Edited', 'yes']] },
    });
    assert.equal(replay.replayOf, original.id);
    assert.equal(replay.url, '/api/hello?edited');
    assert.equal(replay.status, 200);
    const body = await rt.engine.call('traffic.body', { id: replay.id, which: 'response' });
    const seen = JSON.parse(Buffer.from(body.base64, 'base64').toString()) as { headers: Record<string, string> };
    assert.equal(seen.headers['x-edited'], 'yes');
    assert.equal(seen.headers['x-locald-replay-of'], undefined, 'the replay marker never reaches the service');
    const unknown = await rt.engine.call('traffic.replay', { id: 999_999 }).catch((e: Error) => e.message);
    assert.match(String(unknown), /no captured exchange with id 999999/);
  });

  test('a failed exchange keeps the error page explanation and the service log lines', async () => {
    const res = await request(port, { host: `nope.localhost:${port}`, path: '/x' });
    assert.equal(res.status, 404);
    const s = await find((e) => e.host === `nope.localhost:${port}`);
    assert.equal(s.state, 'error');
    assert.equal(s.error?.code, 'unknown-project');
    assert.equal(s.status, 404);
  });

  test('HAR export covers the captured exchanges', async () => {
    const har = (await rt.engine.call('traffic.har', {})) as { log: { version: string; entries: { request: { url: string }; response: { status: number } }[] } };
    assert.equal(har.log.version, '1.2');
    assert.ok(har.log.entries.some((e) => e.request.url === `http://${host()}/api/echo?q=%2F` && e.response.status === 200));
  });

  test('traffic.stats: what capture keeps, counted against its limits, by method and with each batch', async () => {
    const events: CaptureStats[] = [];
    const unsubscribe = rt.engine.subscribe('traffic.stats', (s) => events.push(s));
    try {
      await request(port, { host: host(), path: '/api/hello?stats' });
      const stats = await rt.engine.call('traffic.stats', {});
      assert.equal(stats.exchanges, rt.traffic.list().length);
      assert.ok(stats.retainedBytes > 0 && stats.retainedBytes <= stats.limits.maxTotalBytes, JSON.stringify(stats));
      assert.equal(stats.limits.maxBodyBytes, 64 * 1024);
      for (const key of ['evictedExchanges', 'evictedBytes', 'droppedBodies', 'droppedBodyBytes'] as const) assert.equal(typeof stats[key], 'number');
      const pushed = await waitFor(() => events.at(-1), 'a traffic.stats event');
      assert.ok(pushed.retainedBytes > 0);
    } finally {
      unsubscribe();
    }
  });

  test('pin survives clear', async () => {
    const all = rt.traffic.list();
    const keep = all[0] as ExchangeSummary;
    await rt.engine.call('traffic.pin', { id: keep.id, pinned: true });
    const { cleared } = await rt.engine.call('traffic.clear', {});
    assert.equal(cleared, all.length - 1);
    assert.deepEqual(rt.traffic.list().map((e) => e.id), [keep.id]);
  });
});

describe('capture off', () => {
  test('traffic flows and nothing is recorded', async () => {
    const rt = await startRuntime({ home: tempHome(), httpPort: 0, capture: false });
    try {
      const res = await request(rt.port, { host: `nope.localhost:${rt.port}`, path: '/' });
      assert.equal(res.status, 404);
      assert.deepEqual(rt.traffic.list(), []);
    } finally {
      await rt.close();
    }
  });
});
