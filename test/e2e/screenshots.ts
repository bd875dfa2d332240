// Screenshots of the main views, light and dark, from a real `locald up examples/shop`
// with live captured traffic: the list, details, edit & resend, a failure with the
// service's log lines, WebSocket messages, and the projects view.
// Not a test: `npx tsx test/e2e/screenshots.ts` writes docs/screenshots/*.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import { launchBrowser, repoRoot, startLocald, viaProxy, waitFor } from './harness.js';

const outDir = join(repoRoot, 'docs/screenshots');

const BROWSER_HEADERS = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0', accept: 'application/json, text/plain, */*' };

/** A short WebSocket conversation with the shop's live service, closed cleanly. */
async function chat(port: number, lines: string[]): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/live/ws`, { headers: { host: `shop.localhost:${port}` } });
  const echoed: string[] = [];
  ws.on('message', (d: Buffer) => echoed.push(d.toString()));
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => resolve());
    ws.on('error', reject);
  });
  for (const line of lines) {
    ws.send(line);
    await waitFor(`the echo of ${line}`, () => echoed.includes(line), 10_000);
  }
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  ws.close(1000, 'bye');
  await closed;
}

async function filter(page: Page, text: string): Promise<void> {
  const input = page.getByRole('combobox', { name: 'Filter traffic' });
  await input.fill(text);
  await input.press('Escape');
  const status = page.getByRole('status', { name: 'Matching exchanges' });
  await waitFor(`the filter '${text}' to apply`, async () => (await status.getAttribute('aria-busy')) === 'false', 10_000);
}

async function shot(page: Page, name: string): Promise<void> {
  // Two frames, so the last batch of rows and any focus ring are painted.
  await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
  await page.screenshot({ path: join(outDir, `${name}.png`) });
  console.log(`wrote docs/screenshots/${name}.png`);
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const locald = await startLocald();
  const browser = await launchBrowser({ width: 1400, height: 820 });
  try {
    await waitFor('shop to be running', () => locald.output().includes('shop is running'), 45_000);
    const page = browser.page;
    await page.goto(locald.dashboardUrl);
    await page.getByRole('status', { name: 'Connection: connected' }).waitFor();
    const get = (path: string) => viaProxy(locald.port, path, { headers: BROWSER_HEADERS });
    await get('/');
    for (let i = 0; i < 6; i++) await get(`/api/products?page=${i}`);
    await get('/api/hello?name=locald');
    await viaProxy(locald.port, '/api/echo', { method: 'POST', body: JSON.stringify({ items: [1, 2, 3], note: "it's here" }), headers: { ...BROWSER_HEADERS, 'content-type': 'application/json' } });
    await get('/api/missing');
    await get('/nope');
    await chat(locald.port, ['{"type":"subscribe","topic":"orders"}', 'ping from the screenshot script']);
    await get('/api/crash');
    await waitFor('a request that fails while api restarts', async () => ((await get('/api/products?after=crash')).status >= 500 ? true : null), 20_000);
    await page.locator('.traffic-row', { hasText: 'after=crash' }).filter({ has: page.locator('.row-error') }).first().waitFor({ timeout: 10_000 });
    await waitFor('api to be back', async () => ((await get('/api/products?page=6')).status === 200 ? true : null), 30_000);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.getByRole('tab', { name: 'Traffic' }).click();
      await page.keyboard.press('Escape');
      await shot(page, `traffic-list-${scheme}`);
      await page.locator('.traffic-row', { hasText: '/api/products?page=0' }).click();
      await page.keyboard.press('Enter');
      await page.getByRole('tab', { name: /Response body/ }).click();
      await page.getByRole('tree', { name: 'JSON body' }).waitFor();
      await shot(page, `details-${scheme}`);
      await page.keyboard.press('Escape');
      await page.locator('.traffic-row', { hasText: '/api/hello?name=locald' }).first().click();
      await page.keyboard.press('Enter');
      await page.getByRole('tab', { name: 'Edit & resend' }).click();
      const editor = page.getByRole('region', { name: 'Edit and resend' });
      await editor.getByLabel('URL').fill(`http://shop.localhost:${locald.port}/api/hello?name=edited`);
      const headers = editor.getByLabel('Request headers');
      await headers.fill(`${await headers.inputValue()}\nX-Debug: 1`);
      await editor.getByRole('button', { name: 'Send', exact: true }).click();
      await editor.getByRole('region', { name: /Differences between/ }).waitFor({ timeout: 15_000 });
      await shot(page, `edit-resend-${scheme}`);
      await page.getByRole('button', { name: 'Dismiss message' }).click();
      await page.keyboard.press('Escape');
      await page.keyboard.press('Escape');
      await filter(page, 'has:error');
      await page.locator('.traffic-row', { hasText: 'after=crash' }).first().click();
      await page.keyboard.press('Enter');
      await page.getByLabel('Service log lines').getByText('crashing on purpose').waitFor({ timeout: 10_000 });
      await shot(page, `failure-${scheme}`);
      await page.keyboard.press('Escape');
      await filter(page, 'kind:ws');
      await page.locator('.traffic-row', { hasText: '/live/ws' }).first().click();
      await page.keyboard.press('Enter');
      await page.getByRole('region', { name: 'WebSocket messages' }).getByText('ping from the screenshot script').first().waitFor({ timeout: 10_000 });
      await shot(page, `websocket-${scheme}`);
      await page.keyboard.press('Escape');
      await filter(page, '');
      await page.getByRole('tab', { name: 'Projects' }).click();
      await page.getByLabel('Log lines').getByText('listening').first().waitFor();
      await shot(page, `projects-${scheme}`);
    }
  } finally {
    await browser.close();
    await locald.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
