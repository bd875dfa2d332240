// A HAR from another tool, opened in the inspector and added to live traffic
// (traffic.importHar): its request can be resent (R) to the project's running service,
// and the replay is captured like any other exchange.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { browserHar, browserHarEntry, ECHO_REQUEST_SERVICE } from '../helpers/har-fixture.js';
import { engineCall, launchBrowser, startLocald, viaProxy, waitFor, type Browser, type Locald } from './harness.js';

const home = mkdtempSync(join(tmpdir(), 'locald-e2e-har-home-'));
const dir = mkdtempSync(join(tmpdir(), 'locald-e2e-har-'));
writeFileSync(join(dir, 'locald.toml'), 'name = "shop"\n\n[services.echo]\ncommand = "node echo.mjs"\n');
writeFileSync(join(dir, 'echo.mjs'), ECHO_REQUEST_SERVICE);
const harFile = join(dir, 'orders.har');
writeFileSync(harFile, JSON.stringify(browserHar([browserHarEntry('http://shop.localhost:7700/orders?from=har', 'qty=2')])));

let locald: Locald | undefined;
let browser: Browser | undefined;
after(async () => {
  await browser?.close();
  await locald?.stop();
  rmSync(home, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

test('Import HAR… then Add to live traffic: the entry joins the engine’s traffic and R resends it to the running service', async () => {
  const running = await startLocald(dir, { home });
  locald = running;
  await waitFor('the echo service through the proxy', async () => (await viaProxy(running.port, '/ready', { headers: { host: `shop.localhost:${running.port}` } })).status === 200, 45_000);
  browser = await launchBrowser();
  const page = browser.page;
  await page.goto(running.dashboardUrl);

  await page.getByLabel('HAR file to import').setInputFiles(harFile);
  const banner = page.locator('.imported-banner').filter({ hasText: 'orders.har' });
  await banner.waitFor();
  await banner.getByRole('button', { name: 'Add to live traffic' }).click();
  await banner.waitFor({ state: 'detached' });

  const row = page.locator('.traffic-row', { hasText: '/orders?from=har' });
  await row.first().waitFor({ timeout: 20_000 });
  const imported = (await engineCall(running, 'traffic.list', {})).filter((s) => s.url === '/orders?from=har');
  assert.equal(imported.length, 1, 'the engine holds the imported exchange');
  assert.equal(imported[0]?.status, 201);

  await row.first().click();
  await page.keyboard.press('Escape');
  await page.keyboard.press('R');
  const replay = await waitFor('the replay, answered by the service', async () => {
    const all = await engineCall(running, 'traffic.list', {});
    return all.find((s) => s.replayOf === imported[0]?.id && s.state === 'complete');
  }, 20_000);
  assert.equal(replay.status, 200);
  const body = await engineCall(running, 'traffic.body', { id: replay.id, which: 'response' });
  assert.equal(Buffer.from(body.base64, 'base64').toString(), 'echo POST /orders?from=har qty=2');
  await waitFor('the replay row in the inspector', async () => (await row.count()) >= 2, 15_000);
});
