// The README's promise: after `npm ci`, `npx locald up examples/shop` serves the example.
// (`npm ci` itself is what .ci/run does in a fresh clone before `npm test`.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempHome } from '../helpers/locald-cli.js';
import { request, waitFor } from '../helpers/proxy-net.js';

test('the README names the two set-up commands', () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  assert.ok(readme.includes('npm ci && npx locald up examples/shop'));
  assert.ok(readme.includes('npm ci && npm test'));
});

test('npx locald up examples/shop serves the example', async () => {
  // Its own process group, so the whole npx -> node tree is stopped whatever npx does with signals.
  const child = spawn('npx', ['locald', 'up', 'examples/shop', '--http-port', '0', '--home', tempHome()], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const port = Number(await waitFor(() => /proxy on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1], 'the proxy port', 60_000));
    await waitFor(() => (/shop is running/.test(out) ? true : undefined), 'shop to run', 60_000);
    const page = await request(port, { host: `shop.localhost:${port}`, path: '/' });
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1>shop<\/h1>/);
    const api = await request(port, { host: `shop.localhost:${port}`, path: '/api/products' });
    assert.equal(api.status, 200);
  } finally {
    process.kill(-(child.pid as number), 'SIGTERM');
    const timer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
});
