// Traffic that survives a restart, in the inspector: a project with `[capture] persist = true`
// is captured by one `locald up`, which is then SIGKILLed; the next `locald up` on the same
// state folder shows those exchanges in Chromium with the `earlier` badge, and `is:earlier`
// picks them out from the traffic of the new run.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { engineCall, launchBrowser, startLocald, viaProxy, waitFor, type Browser, type Locald } from './harness.js';

const home = mkdtempSync(join(tmpdir(), 'locald-e2e-persist-home-'));
const dir = mkdtempSync(join(tmpdir(), 'locald-e2e-persist-'));
writeFileSync(join(dir, 'locald.toml'), 'name = "keep"\n\n[services.echo]\ncommand = "node echo.mjs"\n\n[capture]\npersist = true\n');
writeFileSync(
  join(dir, 'echo.mjs'),
  "import http from 'node:http';\nhttp.createServer((req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('echo ' + req.url)).listen(Number(process.env.PORT), '127.0.0.1');\n",
);

const started: Locald[] = [];
let browser: Browser | undefined;
after(async () => {
  await browser?.close();
  for (const l of started) await l.stop();
  rmSync(home, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

async function up(): Promise<Locald> {
  const locald = await startLocald(dir, { home });
  started.push(locald);
  await waitFor('the echo service through the proxy', async () => (await get(locald, '/ready')) === 200, 45_000);
  return locald;
}

async function get(locald: Locald, path: string): Promise<number> {
  return (await viaProxy(locald.port, path, { headers: { host: `keep.localhost:${locald.port}` } })).status;
}

test('after a SIGKILL and a restart, the inspector lists the earlier run’s exchanges with a marker, and is:earlier filters them', async () => {
  const first = await up();
  for (const path of ['/first', '/second', '/third']) assert.equal(await get(first, path), 200);
  await waitFor('the three exchanges to finish', async () => (await engineCall(first, 'traffic.list', {})).filter((s) => s.url.startsWith('/') && s.state === 'complete').length >= 4);
  first.child.kill('SIGKILL');
  await waitFor('the first locald to die', () => first.child.exitCode !== null || first.child.signalCode !== null);

  const second = await up();
  assert.equal(await get(second, '/fresh'), 200);
  browser = await launchBrowser();
  const page = browser.page;
  await page.goto(second.dashboardUrl);
  const row = (text: string) => page.locator('.traffic-row', { hasText: text });
  for (const path of ['/first', '/second', '/third']) {
    await row(path).first().waitFor({ timeout: 20_000 });
    assert.equal(await row(path).locator('.badge.earlier').count(), 1, `${path} is marked earlier`);
    assert.equal(await row(path).locator('.badge.earlier').getAttribute('title'), 'Captured before locald last started (persisted traffic)');
  }
  await row('/fresh').first().waitFor({ timeout: 20_000 });
  assert.equal(await row('/fresh').locator('.badge.earlier').count(), 0, 'this run’s exchange has no marker');

  const input = page.getByRole('combobox', { name: 'Filter traffic' });
  await input.fill('is:earlier');
  await input.press('Escape');
  await waitFor('is:earlier to apply', async () => (await row('/fresh').count()) === 0 && (await row('/first').count()) === 1, 15_000);
  const urls = await page.locator('.traffic-row .cell-path').allInnerTexts();
  assert.ok(urls.length >= 3 && urls.every((u) => u.includes('earlier')), JSON.stringify(urls));

  // The projects view's toggle shows [capture] persist = true, and switches it off in the engine.
  await page.getByRole('tab', { name: 'Projects' }).click();
  const keep = page.getByRole('checkbox', { name: 'Keep traffic of keep across restarts' });
  await keep.waitFor();
  assert.equal(await keep.isChecked(), true);
  await keep.click();
  await waitFor('the engine to stop keeping traffic', async () => (await engineCall(second, 'projects.list', {})).find((p) => p.name === 'keep')?.persistTraffic !== true);
  await waitFor('the toggle to show it', async () => !(await keep.isChecked()));
});
