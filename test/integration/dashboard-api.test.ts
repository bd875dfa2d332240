// The engine API over the dashboard's WebSocket, through the real `locald up`: the token,
// Host and Origin checks, requests, and pushed events.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { ProjectState } from '../../shared/state.js';
import type { WireMessage } from '../../shared/api.js';
import { REPO, startLocald, type LocaldProcess } from '../helpers/locald-cli.js';
import { request, waitFor } from '../helpers/proxy-net.js';

describe('dashboard engine socket', () => {
  let locald: LocaldProcess;
  let port: number;
  let token: string;
  const dash = (): string => `locald.localhost:${port}`;

  before(async () => {
    locald = startLocald(['up', join(REPO, 'examples', 'shop'), '--http-port', '0']);
    port = await locald.port();
    token = (await locald.waitForOutput(/\?token=([\w-]+)/))[1] as string;
    await locald.waitForOutput(/shop is running/, 60_000);
  });
  after(async () => {
    await locald?.stop();
  });

  function open(headers: Record<string, string>): Promise<{ ws: WebSocket | null; status: number }> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api/ws`, { headers: { host: dash(), ...headers } });
      ws.once('open', () => resolve({ ws, status: 101 }));
      ws.once('unexpected-response', (_req, res) => resolve({ ws: null, status: res.statusCode ?? 0 }));
      ws.once('error', () => resolve({ ws: null, status: -1 }));
    });
  }

  test('refuses a socket without the token, with a foreign Origin, or a foreign Host', async () => {
    assert.equal((await open({})).status, 401);
    assert.equal((await open({ cookie: 'locald_token=wrong' })).status, 401);
    assert.equal((await open({ cookie: `locald_token=${token}`, origin: 'http://evil.example' })).status, 403);
    assert.equal((await open({ cookie: `locald_token=${token}`, origin: `http://shop.localhost:${port}` })).status, 403);
    const foreignHost = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api/ws`, { headers: { host: `evil.example:${port}`, cookie: `locald_token=${token}` } });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
      ws.once('error', () => resolve(-1));
    });
    assert.notEqual(foreignHost, 101);
  });

  test('with the cookie from the printed URL: requests are answered and events arrive', async () => {
    const visit = await request(port, { host: dash(), path: `/?token=${token}` });
    const cookie = String(visit.headers['set-cookie']).split(';')[0] as string;
    const { ws } = await open({ cookie, origin: `http://${dash()}` });
    assert.ok(ws !== null);
    const messages: WireMessage[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as WireMessage));
    ws.send(JSON.stringify({ type: 'request', id: 1, method: 'projects.list', params: {} }));
    const list = await waitFor(() => messages.find((m) => m.type === 'response' && m.id === 1), 'projects.list reply');
    assert.ok(list.type === 'response' && list.ok);
    assert.deepEqual((list.result as ProjectState[]).map((p) => [p.name, p.status]), [['shop', 'running']]);

    ws.send(JSON.stringify({ type: 'request', id: 2, method: 'services.restart', params: { project: 'shop', service: 'api' } }));
    await waitFor(() => messages.find((m) => m.type === 'response' && m.id === 2), 'restart reply', 30_000);
    await waitFor(() => messages.find((m) => m.type === 'event' && m.event === 'service.log'), 'a log event');

    ws.send(JSON.stringify({ type: 'request', id: 3, method: 'no.such.method', params: {} }));
    ws.send('not json');
    const bad = await waitFor(() => messages.find((m) => m.type === 'response' && m.id === 3), 'unknown-method reply');
    assert.ok(bad.type === 'response' && !bad.ok && /unknown method/.test(bad.error.message));
    ws.close();
  });
});
