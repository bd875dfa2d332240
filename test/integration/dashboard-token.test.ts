// The dashboard token is kept in the state folder: a cookie from one run still opens the
// dashboard after locald restarts on the same home; `locald dashboard --rotate-token`
// refuses the old cookie at once, also in the running engine, and the new one works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { LOCALD_BIN, startLocald, tempHome, writeProjectDir, type LocaldProcess } from '../helpers/locald-cli.js';
import { request } from '../helpers/proxy-net.js';
import { nodeFixture } from './supervisor-kit.js';

const project = (): string => writeProjectDir(['name = "tok"', '[services.web]', `command = ${JSON.stringify(nodeFixture('idle.js'))}`].join('\n'), 'locald-token-');

async function cookieStatus(port: number, token: string): Promise<number> {
  const res = await request(port, { host: `locald.localhost:${port}`, path: '/api/info', headers: { cookie: `locald_token=${token}` } });
  return res.status;
}

async function up(home: string, dir: string, port: number): Promise<{ locald: LocaldProcess; port: number; token: string }> {
  const locald = startLocald(['up', dir, '--http-port', String(port)], { home });
  const bound = await locald.port();
  const token = (await locald.waitForOutput(/\?token=([\w-]+)/))[1] as string;
  return { locald, port: bound, token };
}

function openSocket(port: number, token: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/ws`, { headers: { host: `locald.localhost:${port}`, cookie: `locald_token=${token}` } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

test('the same token after a restart; rotation refuses the old cookie in the running engine', async (t) => {
  const home = tempHome();
  const dir = project();
  const running = new Set<LocaldProcess>();
  t.after(async () => {
    for (const l of running) await l.stop();
  });

  const first = await up(home, dir, 0);
  running.add(first.locald);
  assert.equal(await cookieStatus(first.port, first.token), 200);
  assert.equal(statSync(join(home, 'dashboard-token')).mode & 0o777, 0o600);
  await first.locald.stop();
  running.delete(first.locald);

  const second = await up(home, dir, first.port);
  running.add(second.locald);
  assert.equal(second.port, first.port);
  assert.equal(second.token, first.token, 'a restart keeps the token');
  assert.equal(await cookieStatus(second.port, first.token), 200, 'the old cookie still opens the dashboard');

  const socket = await openSocket(second.port, first.token);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const rotated = spawnSync(process.execPath, [LOCALD_BIN, 'dashboard', '--rotate-token', '--home', home, '--http-port', String(second.port)], { encoding: 'utf8' });
  assert.equal(rotated.status, 0, rotated.stderr);
  const fresh = /\?token=([\w-]+)/.exec(rotated.stdout)?.[1];
  assert.ok(fresh !== undefined && fresh !== first.token, rotated.stdout);
  assert.match(rotated.stdout, new RegExp(`http://locald\\.localhost:${second.port}/\\?token=${fresh}`));
  assert.equal(statSync(join(home, 'dashboard-token')).mode & 0o777, 0o600);

  assert.equal(await cookieStatus(second.port, first.token), 401, 'the old cookie is refused after rotation');
  const refusal = await request(second.port, { host: `locald.localhost:${second.port}`, path: '/', headers: { cookie: `locald_token=${first.token}` } });
  assert.match(refusal.text, /the one `locald dashboard` prints/);
  assert.equal(await cookieStatus(second.port, fresh), 200, 'the new token works without a restart');
  // The socket opened with the old token is dropped.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('the old socket stayed open')), 10_000)))]);
  clearTimeout(timer);
});
