// Screenshots of the main views, light and dark, from a real `locald up examples/shop`.
// Not a test: `npx tsx test/e2e/screenshots.ts` writes docs/screenshots/*.png.
// If the engine has no traffic capture yet, the traffic views are shot from a HAR file
// of real responses from the shop, imported through the UI's own "Import HAR…".
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, repoRoot, startLocald, waitFor } from './harness.js';

const outDir = join(repoRoot, 'docs/screenshots');

interface Recorded {
  method: string;
  path: string;
  reqHeaders: [string, string][];
  body: string;
  status: number;
  resHeaders: [string, string][];
  text: string;
  started: number;
  time: number;
}

function send(port: number, method: string, path: string, body = '', headers: Record<string, string> = {}): Promise<Recorded> {
  const started = Date.now();
  const reqHeaders: [string, string][] = [
    ['host', `shop.localhost:${port}`],
    ['user-agent', 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0'],
    ['accept', 'application/json, text/plain, */*'],
    ...Object.entries(headers),
  ];
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: Object.fromEntries(reqHeaders) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        const resHeaders: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) resHeaders.push([res.rawHeaders[i] ?? '', res.rawHeaders[i + 1] ?? '']);
        resolve({ method, path, reqHeaders, body, status: res.statusCode ?? 0, resHeaders, text, started, time: Date.now() - started });
      });
    });
    req.on('error', reject);
    req.end(body === '' ? undefined : body);
  });
}

function toHar(port: number, list: Recorded[]): unknown {
  return {
    log: {
      version: '1.2',
      creator: { name: 'locald screenshots', version: '0' },
      entries: list.map((r) => ({
        startedDateTime: new Date(r.started).toISOString(),
        time: r.time,
        _project: 'shop',
        _service: r.path.startsWith('/api') ? 'api' : r.path.startsWith('/live') ? 'live' : 'web',
        request: {
          method: r.method,
          url: `http://shop.localhost:${port}${r.path}`,
          httpVersion: 'HTTP/1.1',
          headers: r.reqHeaders.map(([name, value]) => ({ name, value })),
          ...(r.body === '' ? {} : { postData: { mimeType: 'application/json', text: r.body } }),
        },
        response: {
          status: r.status,
          httpVersion: 'HTTP/1.1',
          headers: r.resHeaders.map(([name, value]) => ({ name, value })),
          content: { size: r.text.length, mimeType: r.resHeaders.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? 'text/plain', text: r.text },
        },
        timings: { blocked: 0, dns: 0, connect: 0.4, send: 0.1, wait: Math.max(0, r.time - 1), receive: 0.5 },
      })),
    },
  };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300);
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
    const made: Recorded[] = [];
    made.push(await send(locald.port, 'GET', '/'));
    for (let i = 0; i < 6; i++) made.push(await send(locald.port, 'GET', `/api/products?page=${i}`));
    made.push(await send(locald.port, 'GET', '/api/hello?name=locald'));
    made.push(await send(locald.port, 'POST', '/api/echo', JSON.stringify({ items: [1, 2, 3], note: "it's here" }), { 'content-type': 'application/json' }));
    made.push(await send(locald.port, 'GET', '/api/missing'));
    made.push(await send(locald.port, 'GET', '/nope'));
    const live = await page.locator('.traffic-row').first().waitFor({ timeout: 5000 }).then(
      () => true,
      () => false,
    );
    if (!live) {
      const file = join(tmpdir(), `locald-shop-${Date.now()}.har`);
      writeFileSync(file, JSON.stringify(toHar(locald.port, made)));
      await page.getByLabel('HAR file to import').setInputFiles(file);
      await page.locator('.traffic-row').first().waitFor();
      await page.getByRole('button', { name: 'Dismiss message' }).click().catch(() => undefined);
    }
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
      if (live) {
        await page.locator('.traffic-row', { hasText: '/api/hello' }).first().click();
        await page.keyboard.press('Enter');
        await page.getByRole('button', { name: 'Edit & resend' }).click();
        await page.getByLabel('URL').fill(`http://shop.localhost:${locald.port}/api/hello?name=edited`);
        await page.getByRole('button', { name: 'Send' }).click();
        await page.getByRole('region', { name: /Differences between/ }).waitFor({ timeout: 15_000 });
        await shot(page, `edit-resend-${scheme}`);
        await page.keyboard.press('Escape');
        await page.keyboard.press('Escape');
      }
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
