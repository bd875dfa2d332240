// An open dashboard tab across a restart of locald on the same home and port: while the
// engine is away the badge says "reconnecting" (not "is `locald up` running?"); the tab then
// reconnects by itself with the cookie it already has (the token is kept in the state
// folder) and shows new traffic, without a reload. After `locald dashboard --rotate-token`
// the badge says the token changed instead.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { launchBrowser, repoRoot, startLocald, viaProxy, waitFor, type Browser, type Locald } from './harness.js';

test('the tab shows "reconnecting" while locald restarts, then reconnects by itself and shows new traffic', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'locald-e2e-reconnect-'));
  const shop = join(repoRoot, 'examples/shop');
  const browsers: Browser[] = [];
  const started: Locald[] = [];
  t.after(async () => {
    for (const b of browsers) await b.close();
    for (const l of started) await l.stop();
    rmSync(home, { recursive: true, force: true });
  });

  const first = await startLocald(shop, { home });
  started.push(first);
  await waitFor('shop to be running', () => first.output().includes('shop is running'), 45_000);
  const browser = await launchBrowser();
  browsers.push(browser);
  const page = browser.page;
  await page.goto(first.dashboardUrl);
  await page.getByRole('status', { name: 'Connection: connected' }).waitFor({ timeout: 15_000 });
  await viaProxy(first.port, '/api/products?e2e=before-restart');
  await page.locator('.traffic-row', { hasText: '/api/products?e2e=before-restart' }).waitFor({ timeout: 15_000 });
  // Gone after a reload: shows the tab reconnected in place.
  await page.evaluate(() => ((globalThis as unknown as { e2eSameDocument: boolean }).e2eSameDocument = true));

  await first.stop();
  const badge = page.getByRole('status', { name: /^Connection: reconnecting/ });
  await badge.waitFor({ timeout: 15_000 });
  const text = (await badge.textContent()) ?? '';
  assert.match(text, /reconnecting/);
  assert.doesNotMatch(text, /locald up/);

  const second = await startLocald(shop, { home, httpPort: first.port });
  started.push(second);
  assert.equal(second.port, first.port);
  assert.equal(new URL(second.dashboardUrl).searchParams.get('token'), new URL(first.dashboardUrl).searchParams.get('token'), 'the token survives the restart');
  // The backoff tops out at 10 s; the tab must get there on its own, without Retry now.
  await page.getByRole('status', { name: 'Connection: connected' }).waitFor({ timeout: 30_000 });
  await waitFor('shop to be running again', () => second.output().includes('shop is running'), 45_000);
  await viaProxy(second.port, '/api/products?e2e=after-restart');
  await page.locator('.traffic-row', { hasText: '/api/products?e2e=after-restart' }).waitFor({ timeout: 15_000 });
  assert.equal(await page.evaluate(() => (globalThis as unknown as { e2eSameDocument?: boolean }).e2eSameDocument), true, 'the page was not reloaded');

  // A rotated token is not an engine that is away: the badge says what to open instead.
  const rotated = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'engine/cli/main.ts'), 'dashboard', '--rotate-token', '--home', home, '--http-port', String(second.port)], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(rotated.status, 0, rotated.stderr);
  await page.getByRole('status', { name: /^Connection: disconnected, the dashboard token changed; open the URL that `locald dashboard` prints/ }).waitFor({ timeout: 15_000 });
});
