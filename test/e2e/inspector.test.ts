// The inspector in Chromium against a real `locald up examples/shop`: live traffic,
// filters, details, edit & resend, HAR export, failures with logs, WebSockets, the
// projects view, and the dashboard's refusals.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { Locator, Page } from 'playwright-core';
import { importHar } from '../../renderer/src/export/har-import.js';
import { engineCall, launchBrowser, repoRoot, startLocald, UNNAMED_CONTROLS_SCRIPT, viaProxy, waitFor, type Browser, type Locald } from './harness.js';

let locald: Locald;
let browser: Browser;
let page: Page;

function ensureRendererBuilt(): void {
  if (existsSync(join(repoRoot, 'dist/renderer/index.html'))) return;
  execFileSync(process.execPath, [join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '-c', 'renderer/vite.config.ts', '--logLevel', 'warn'], { cwd: repoRoot, stdio: 'inherit' });
}

function raw(path: string, headers: Record<string, string>): Promise<number> {
  return rawText(path, headers).then((r) => r.status);
}

function rawText(path: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: locald.port, path, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Types a filter, leaves the field with Escape, and waits until the list shows it (the filter is debounced). */
async function filter(text: string): Promise<void> {
  const input = page.getByRole('combobox', { name: 'Filter traffic' });
  await input.fill(text);
  await input.press('Escape');
  const status = page.getByRole('status', { name: 'Matching exchanges' });
  await waitFor(`the filter '${text}' to apply`, async () => (await status.getAttribute('aria-busy')) === 'false', 15_000);
  assert.equal(await input.inputValue(), text, 'Escape leaves the filter as typed');
}

/** Waits for a locator to match exactly `expected` elements: rows render in batches, never synchronously. */
async function expectCount(locator: Locator, expected: number, what: string): Promise<void> {
  let last = -1;
  await waitFor(what, async () => (last = await locator.count()) === expected, 15_000).catch(() => {
    assert.fail(`${what}: expected ${expected}, saw ${last}`);
  });
}

function row(text: string | RegExp) {
  return page.locator('.traffic-row', { hasText: text });
}

async function unnamedControls(): Promise<string[]> {
  return (await page.evaluate(UNNAMED_CONTROLS_SCRIPT)) as string[];
}

before(async () => {
  ensureRendererBuilt();
  locald = await startLocald();
  await waitFor('shop to be running', () => locald.output().includes('shop is running'), 45_000);
  browser = await launchBrowser();
  page = browser.page;
});

after(async () => {
  await browser?.close();
  await locald?.stop();
});

describe('dashboard access', () => {
  it('refuses requests without the token, with a foreign Host, or from a foreign Origin', async () => {
    const host = `locald.localhost:${locald.port}`;
    assert.equal(await raw('/', { host }), 401, 'no token');
    assert.equal(await raw('/?token=wrong', { host }), 401, 'wrong token');
    // A DNS-rebinding page sends its own name as Host: the proxy treats it as an unknown site, never the dashboard.
    const rebound = await rawText(`/?token=${new URL(locald.dashboardUrl).searchParams.get('token') ?? ''}`, { host: `evil.example:${locald.port}` });
    assert.ok(rebound.status >= 400, `foreign Host got ${rebound.status}`);
    assert.ok(!rebound.text.includes('locald inspector') && !rebound.text.includes('set-cookie'), 'no dashboard for a foreign Host');
    const token = new URL(locald.dashboardUrl).searchParams.get('token') ?? '';
    assert.equal(await raw('/', { host, cookie: `locald_token=${token}`, origin: 'http://evil.example' }), 403, 'foreign Origin');
    const ws = new WebSocket(`ws://127.0.0.1:${locald.port}/api/ws`, { headers: { host, origin: 'http://evil.example', cookie: `locald_token=${token}` } });
    const refused = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => resolve(-1));
    });
    assert.equal(refused, 403, 'engine socket from a foreign Origin');
  });

  it('loads with the printed URL, drops the token from the address bar and connects', async () => {
    await page.goto(locald.dashboardUrl);
    assert.ok(!page.url().includes('token='), `token left in ${page.url()}`);
    await page.getByRole('status', { name: 'Connection: connected' }).waitFor({ timeout: 15_000 });
  });
});

describe('projects view', () => {
  it('shows the project, its services with states, and live logs', async () => {
    await page.getByRole('tab', { name: 'Projects' }).click();
    const card = page.locator('.project-card', { hasText: 'shop' });
    await card.locator('.pstatus', { hasText: 'running' }).waitFor();
    for (const name of ['web', 'api', 'live']) await card.locator('tr.service', { hasText: name }).locator('.sstatus', { hasText: 'ready' }).waitFor();
    const logs = page.getByLabel('Log lines');
    await logs.getByText('api: listening on').waitFor();
    await page.getByLabel('Search logs').fill('live: listening');
    await logs.getByText('live: listening').waitFor();
    assert.equal(await logs.getByText('api: listening on').count(), 0, 'search hides other lines');
    await page.getByLabel('Search logs').fill('');
    assert.deepEqual(await unnamedControls(), []);
  });

  it('restarts a service and turns the project off and on', async () => {
    const card = page.locator('.project-card', { hasText: 'shop' });
    await page.getByRole('button', { name: 'Restart live' }).click();
    await waitFor('live to restart', async () => (await card.locator('tr.service', { hasText: 'live' }).textContent())?.includes('restart'), 30_000).catch(() => undefined);
    await card.locator('tr.service', { hasText: 'live' }).locator('.sstatus', { hasText: 'ready' }).waitFor({ timeout: 30_000 });
    await card.locator('tr.service', { hasText: 'live' }).getByText('· 1 restart', { exact: true }).waitFor({ timeout: 15_000 });
    const toggle = page.getByRole('switch', { name: 'Run project shop' });
    await toggle.click();
    await card.locator('.pstatus', { hasText: 'stopped' }).waitFor({ timeout: 30_000 });
    assert.equal(await toggle.isChecked(), false);
    await toggle.click();
    await card.locator('.pstatus', { hasText: 'running' }).waitFor({ timeout: 45_000 });
    await page.getByRole('tab', { name: 'Traffic' }).click();
  });

  it('keeps the log pane on the newest line as lines arrive, unless scrolled up', async () => {
    // A short window, so the lines so far overflow the pane.
    await page.setViewportSize({ width: 1280, height: 420 });
    await page.getByRole('tab', { name: 'Projects' }).click();
    const logs = page.getByLabel('Log lines');
    // The pane renders only the rows in view; aria-rowcount is how many lines it holds.
    const geometry = () => logs.evaluate((el) => ({ top: el.scrollTop, height: el.clientHeight, total: el.scrollHeight, lines: Number(el.getAttribute('aria-rowcount')) }));
    const atBottom = (g: { top: number; height: number; total: number }) => g.total - g.top - g.height <= 2;
    const live = page.locator('.project-card', { hasText: 'shop' }).locator('tr.service', { hasText: 'live' });
    const restartLive = async () => {
      const before = await geometry();
      await page.getByRole('button', { name: 'Restart live' }).click();
      await waitFor('new log lines', async () => (await geometry()).lines > before.lines, 30_000);
      await live.locator('.sstatus', { hasText: 'ready' }).waitFor({ timeout: 30_000 });
    };
    // Each restart logs a few lines: enough of them overflow the pane, then one more arrives at the bottom.
    for (let i = 0; i < 8; i++) {
      const g = await geometry();
      if (g.total > g.height * 1.5) break;
      await restartLive();
    }
    await restartLive();
    await waitFor('the pane at the newest line', async () => atBottom(await geometry()), 5_000).catch(async () => assert.fail(`not at the bottom: ${JSON.stringify(await geometry())}`));
    // Scrolled up to read: new lines do not pull the reader down.
    await logs.evaluate((el) => (el.scrollTop = 0));
    await restartLive();
    assert.equal((await geometry()).top, 0, 'stays where the reader scrolled');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('tab', { name: 'Traffic' }).click();
  });
});

describe('traffic', () => {
  it('shows requests live as they happen', async () => {
    const res = await viaProxy(locald.port, '/api/products?e2e=live');
    assert.equal(res.status, 200);
    await row('/api/products?e2e=live').waitFor({ timeout: 15_000 });
    await viaProxy(locald.port, '/api/nothing-here');
    await row('/api/nothing-here').locator('.status', { hasText: '404' }).waitFor();
  });

  it('opens the details of a row with one click; arrow keys move the selection and the details follow', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    const target = row('/api/products?e2e=live');
    const id = await target.getAttribute('data-id');
    await target.click();
    const details = page.getByRole('complementary', { name: /Exchange #\d+ details/ });
    await details.waitFor({ timeout: 5_000 });
    assert.equal(await details.getAttribute('aria-label'), `Exchange #${id} details`);
    assert.equal(await target.getAttribute('aria-selected'), 'true');
    const next = await page.locator('.traffic-row').nth(1 + (await page.locator('.traffic-row').evaluateAll((rows, want) => rows.findIndex((r) => r.getAttribute('data-id') === want), id))).getAttribute('data-id');
    await page.keyboard.press('ArrowDown');
    await page.getByRole('complementary', { name: `Exchange #${next} details` }).waitFor({ timeout: 5_000 });
  });

  it('with the details open at 1280×800, fits the columns: Size fully visible, hosts visible or elided with a title', async () => {
    for (let i = 0; i < 3; i++) await viaProxy(locald.port, `/api/products?e2e=cols${i}`);
    await row('/api/products?e2e=cols2').click();
    await page.keyboard.press('Enter');
    await page.getByRole('complementary', { name: /Exchange #\d+ details/ }).waitFor();
    const cells = await page.locator('.traffic-scroller').evaluate((scroller) => {
      const edge = scroller.getBoundingClientRect().right;
      return [...scroller.querySelectorAll('.traffic-row')].map((r) => {
        const size = r.querySelector('.cell-size');
        const host = r.querySelector('.cell-host');
        return {
          size: size === null ? null : { text: size.textContent, right: size.getBoundingClientRect().right, edge, whole: size.scrollWidth <= size.clientWidth },
          host: host === null ? null : { text: host.textContent, whole: host.scrollWidth <= host.clientWidth, title: host.querySelector('[title]')?.getAttribute('title') ?? '' },
        };
      });
    });
    assert.ok(cells.length > 3, 'rows to check');
    for (const c of cells) {
      assert.ok(c.size !== null, 'the Size column is shown');
      assert.ok(c.size.right <= c.size.edge + 0.5 && c.size.whole, `Size cell "${c.size.text}" cut off: ${JSON.stringify(c.size)}`);
      if (c.host !== null) assert.ok(c.host.whole || (c.host.text !== null && c.host.title.includes(c.host.text)), `host ${JSON.stringify(c.host)}`);
    }
    const header = await page.getByRole('columnheader', { name: /Size/ }).boundingBox();
    const list = await page.locator('.traffic-list').boundingBox();
    assert.ok(header !== null && list !== null && header.x + header.width <= list.x + list.width + 0.5, 'the Size header is visible');
  });

  it('filters with the filter language and shows the match count', async () => {
    await viaProxy(locald.port, '/api/echo', { method: 'POST', body: 'x'.repeat(300), headers: { 'content-type': 'text/plain' } });
    await viaProxy(locald.port, '/?e2e=web');
    await row('/api/echo').waitFor();
    await row('/?e2e=web').waitFor();
    await filter('status:404');
    await row('/api/nothing-here').waitFor();
    await expectCount(row('/api/products?e2e=live'), 0, 'status:404 rows for a 200');
    await filter('method:POST path:/echo');
    await row('/api/echo').waitFor();
    await expectCount(page.locator('.traffic-row'), 1, 'rows for method:POST path:/echo');
    assert.match((await page.getByRole('status', { name: 'Matching exchanges' }).textContent()) ?? '', /^1 of \d+ match$/);
    await filter('-service:api');
    await expectCount(row('/api/'), 0, 'api rows for -service:api');
    await row('/?e2e=web').waitFor();
    await filter('stauts:500');
    await page.getByRole('alert').filter({ hasText: "did you mean 'status:'" }).waitFor();
    await filter('foo:bar');
    const alert = page.getByRole('alert').filter({ hasText: "unknown filter key 'foo'; valid keys: method" });
    await alert.waitFor();
    const box = await page.getByRole('combobox', { name: 'Filter traffic' }).boundingBox();
    const under = await alert.boundingBox();
    assert.ok(box !== null && under !== null && under.y >= box.y + box.height - 0.5, 'the error shows under the filter box');
    await filter('');
  });

  it('opens details with headers as received and forwarded, and the JSON body', async () => {
    await row('/api/products?e2e=live').click();
    await page.keyboard.press('Enter');
    const details = page.getByRole('complementary', { name: /Exchange #\d+ details/ });
    await details.getByRole('region', { name: 'Request headers (as forwarded to the service)' }).getByText(/x-forwarded-for/i).first().waitFor();
    await details.getByRole('tab', { name: /Response body/ }).click();
    await details.getByRole('tree', { name: 'JSON body' }).getByText('"Teapot"').waitFor();
    await details.getByLabel('Body viewer').selectOption('hex');
    await details.getByLabel('Body hex dump').getByText(/00000000/).waitFor();
    assert.deepEqual(await unnamedControls(), []);
    await page.keyboard.press('Escape');
    await details.waitFor({ state: 'detached' });
  });

  it('edits a header and the URL, resends, reaches the upstream with the edit and links both ways', async () => {
    await viaProxy(locald.port, '/api/hello?v=1');
    await filter('path:/api/hello');
    await row('/api/hello?v=1').click();
    await page.keyboard.press('Enter');
    const details = page.getByRole('complementary', { name: /Exchange #\d+ details/ });
    const originalId = Number(/#(\d+)/.exec((await details.getAttribute('aria-label')) ?? '')?.[1]);
    assert.equal(await details.getByRole('button', { name: 'Edit & resend' }).count(), 0, 'Edit & resend is a tab, not also a button');
    // Escape leaves the editor tab first, then closes the details.
    await details.getByRole('tab', { name: 'Edit & resend' }).click();
    await page.keyboard.press('Escape');
    await details.getByRole('tab', { name: 'Headers', selected: true }).waitFor();
    await details.getByRole('tab', { name: 'Edit & resend' }).click();
    const editor = details.getByRole('region', { name: 'Edit and resend' });
    const url = editor.getByLabel('URL');
    await url.fill((await url.inputValue()).replace('v=1', 'v=edited'));
    const headers = editor.getByLabel('Request headers');
    await headers.fill(`${await headers.inputValue()}\nX-E2E-Edit: yes`);
    await editor.getByRole('button', { name: 'Send' }).click();
    const open = editor.getByRole('button', { name: /Open replay #\d+/ });
    await open.waitFor({ timeout: 15_000 });
    await editor.getByRole('region', { name: /Differences between/ }).getByText('"path": "/hello?v=edited"').waitFor();
    await open.click();
    const replay = page.getByRole('complementary', { name: /Exchange #\d+ details/ });
    await replay.getByRole('button', { name: `replay of #${originalId}` }).waitFor();
    await replay.getByRole('tab', { name: 'Headers' }).click();
    await replay.getByRole('region', { name: 'Request headers (as forwarded to the service)' }).getByText('X-E2E-Edit').waitFor();
    await replay.getByRole('tab', { name: /Response body/ }).click();
    await replay.getByText('"/hello?v=edited"').waitFor();
    await replay.getByRole('button', { name: `replay of #${originalId}` }).click();
    await page.getByRole('complementary', { name: `Exchange #${originalId} details` }).getByRole('button', { name: /Open replay #\d+/ }).first().waitFor();
  });

  it('resends the selected exchange with R', async () => {
    await filter('path:/api/hello');
    const before = await page.locator('.traffic-row').count();
    await page.locator('.traffic-row').first().click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('R');
    await waitFor('a new replay row', async () => (await page.locator('.traffic-row').count()) > before, 15_000);
    await filter('');
  });

  it('exports a valid HAR', async () => {
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export HAR' }).first().click();
    const file = await (await download).path();
    const har = JSON.parse(readFileSync(file, 'utf8')) as { log?: { version?: string; entries?: unknown[] } };
    assert.equal(har.log?.version, '1.2');
    const imported = importHar(har);
    assert.deepEqual(imported.errors, []);
    assert.ok(imported.exchanges.some((x) => x.detail.url === '/api/products?e2e=live'));
  });

  it('explains a failed exchange with the service log lines', async () => {
    await viaProxy(locald.port, '/api/crash');
    const failed = await waitFor('a request that fails while api is down', async () => {
      const r = await viaProxy(locald.port, '/api/products?e2e=after-crash');
      return r.status >= 500 ? r : null;
    }, 20_000);
    assert.ok(failed.status >= 500);
    await filter('has:error path:e2e=after-crash');
    const bad = row('/api/products?e2e=after-crash').filter({ has: page.locator('.row-error') }).last();
    await bad.waitFor({ timeout: 15_000 });
    await bad.click();
    await page.keyboard.press('Enter');
    const details = page.getByRole('complementary', { name: /Exchange #\d+ details/ });
    await details.getByRole('region', { name: 'Failure explanation' }).waitFor();
    await details.getByLabel('Service log lines').getByText('crashing on purpose').waitFor({ timeout: 15_000 });
    // From the failure to the whole log at that moment, every service's lines around it.
    await details.getByRole('region', { name: 'Failure explanation' }).getByRole('button', { name: 'show in logs' }).click();
    await page.getByRole('tab', { name: 'Logs', selected: true }).waitFor();
    const marked = page.getByRole('log', { name: 'Log lines' }).locator('.log-line[aria-current="true"]');
    await marked.waitFor();
    assert.ok(await marked.isVisible());
    await page.getByRole('log', { name: 'Log lines' }).getByText('crashing on purpose').last().waitFor();
    await page.getByRole('tab', { name: 'Traffic' }).click();
    await page.keyboard.press('Escape');
    await filter('');
  });

  it('shows WebSocket messages, decoded, and new ones while the details are open', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${locald.port}/live/ws?e2e=ws`, { headers: { host: `shop.localhost:${locald.port}` } });
    const echoes: string[] = [];
    ws.on('message', (data: Buffer) => echoes.push(data.toString()));
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('error', reject);
    });
    const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    try {
      ws.send('hello from e2e');
      await waitFor('the echo', () => echoes.includes('hello from e2e'), 15_000);
      await filter('kind:ws path:e2e=ws');
      await expectCount(page.locator('.traffic-row'), 1, 'rows for kind:ws');
      await row('/live/ws?e2e=ws').click();
      await page.keyboard.press('Enter');
      const details = page.getByRole('complementary', { name: /Exchange #\d+ details/ });
      const messages = details.getByRole('region', { name: 'WebSocket messages' });
      await expectCount(messages.getByRole('cell', { name: 'hello from e2e', exact: true }), 2, 'decoded text payloads, sent and echoed');
      // The connection is still open: a new message shows up in the open details.
      ws.send('second message');
      await expectCount(messages.getByRole('cell', { name: 'second message', exact: true }), 2, 'messages sent after the details opened');
      ws.close(1000, 'e2e done');
      await details.getByRole('tab', { name: 'Messages (6)' }).waitFor({ timeout: 15_000 });
      await expectCount(messages.getByRole('row').filter({ hasText: 'close' }), 2, 'close frames from both sides');
      await messages.getByRole('cell', { name: '1000 normal closure · "e2e done"' }).waitFor();
      assert.equal(await details.getByRole('tab', { name: /body/ }).count(), 0, 'no body tabs on an upgraded WebSocket');
    } finally {
      ws.terminate();
      await closed;
    }
    await page.keyboard.press('Escape');
    await filter('');
  });

  it('marks a WebSocket that ended without a close frame as dropped, in the row and the details', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${locald.port}/live/ws?e2e=ws-dropped`, { headers: { host: `shop.localhost:${locald.port}` } });
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('error', reject);
    });
    const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    // ws has no public way to drop a connection without a close frame; its socket does.
    (ws as unknown as { _socket: Socket })._socket.resetAndDestroy();
    await closed;
    // The client went away without a close frame (an RST): has:error finds it, and the row reads as a failure, not as a grey 101.
    await filter('has:error path:e2e=ws-dropped');
    const dropped = row('/live/ws?e2e=ws-dropped');
    await dropped.locator('.row-error', { hasText: 'The WebSocket connection dropped' }).waitFor({ timeout: 15_000 });
    assert.match((await dropped.getAttribute('class')) ?? '', /\btone-failed\b/);
    await dropped.click();
    const details = page.getByRole('complementary', { name: /Exchange #\d+ details/ });
    await details.getByRole('tab', { name: 'Failure & logs' }).click();
    const failure = details.getByRole('region', { name: 'Failure explanation' });
    await failure.getByText('The WebSocket connection dropped').waitFor();
    await failure.getByText(/without a WebSocket close frame/).waitFor();
    await page.keyboard.press('Escape');
    await filter('');
  });
});

/**
 * A second shop with a 64 KB capture cap and its dashboard in a new tab; `send` makes `n`
 * requests through it, each with a 2 KB header, tagged `e2e=<tag>-<i>`.
 */
async function withSmallCapShop(
  tag: string,
  run: (small: Awaited<ReturnType<typeof startLocald>>, tab: Page, send: (from: number, n: number) => Promise<void>) => Promise<void>,
): Promise<void> {
  const small = await startLocald(join(repoRoot, 'examples/shop'), { captureMaxTotalBytes: 64 * 1024 });
  const tab = await browser.context.newPage();
  try {
    await waitFor('the small-cap shop to be running', () => small.output().includes('shop is running'), 45_000);
    await tab.goto(small.dashboardUrl);
    await tab.getByRole('status', { name: 'Connection: connected' }).waitFor({ timeout: 15_000 });
    await run(small, tab, async (from, n) => {
      for (let i = from; i < from + n; i++) await viaProxy(small.port, `/api/products?e2e=${tag}-${i}`, { headers: { 'x-e2e-pad': 'p'.repeat(2048) } });
    });
  } finally {
    await tab.close();
    await small.stop();
  }
}

describe('capture limits', () => {
  it('says how many exchanges a small capture cap dropped, live and after a reload, with the cap in a tooltip', async () => {
    await withSmallCapShop('cap', async (_small, tab, send) => {
      const note = tab.getByRole('status', { name: 'Capture limits' });
      assert.equal(await note.count(), 0, 'nothing dropped yet, nothing said');
      // Each exchange keeps its 2 KB header twice (as received and as forwarded): 100 of them are far over 64 KB.
      await send(0, 100);
      const dropped = async () => Number(/^([\d,]+) older exchanges? dropped/.exec((await note.textContent()) ?? '')?.[1]?.replace(/,/g, '') ?? 0);
      const first = await waitFor('the dropped count in the toolbar', async () => ((await note.count()) > 0 ? (await dropped()) || null : null), 15_000);
      assert.ok(first > 0 && first < 100, `dropped ${first} of 100`);
      assert.match((await note.textContent()) ?? '', /dropped \(cap 64 KB\)$/);
      const title = (await note.getAttribute('title')) ?? '';
      assert.match(title, /^Capture keeps [\d.]+ KB of its 64 KB cap in [\d,]+ exchanges \(at most 100,000\); each body is kept up to 1 MB\./);
      assert.match(title, /The oldest unpinned exchanges went first/);
      // The engine's event keeps it current...
      await send(100, 20);
      const later = await waitFor('the count to follow new drops', async () => {
        const n = await dropped();
        return n >= first + 20 ? n : null;
      }, 15_000);
      // ...and a fresh page asks for it on connect.
      await tab.reload();
      await tab.getByRole('status', { name: 'Connection: connected' }).waitFor({ timeout: 15_000 });
      await waitFor('the dropped count after a reload', async () => (await note.count()) > 0 && (await dropped()) >= later, 15_000);
    });
  });

  it('lists exactly the exchanges the engine still holds under a small cap; open details of an evicted one say it was dropped', async () => {
    await withSmallCapShop('evict', async (small, tab, send) => {
      await send(0, 3);
      const first = tab.locator('.traffic-row', { hasText: 'e2e=evict-0' });
      await first.waitFor({ timeout: 15_000 });
      await first.click();
      const details = tab.getByRole('complementary', { name: /Exchange #\d+ details/ });
      await details.getByRole('tab', { name: 'Headers' }).waitFor();
      // Far past the cap: each exchange keeps its 2 KB header twice (as received and as forwarded).
      await send(3, 100);
      await details.getByText(/was dropped to stay within the capture cap/).waitFor({ timeout: 15_000 });
      const grid = tab.getByRole('grid', { name: 'Captured traffic' });
      const listed = async () => Number(await grid.getAttribute('aria-rowcount')) - 1;
      let last = '';
      await waitFor('the list to show as many exchanges as the engine holds', async () => {
        const stats = await engineCall(small, 'traffic.stats', {});
        const held = (await engineCall(small, 'traffic.list', {})).length;
        const shown = await listed();
        last = `engine holds ${stats.exchanges} (list ${held}, ${stats.evictedExchanges} evicted), the page lists ${shown}`;
        return stats.evictedExchanges > 50 && held === stats.exchanges && shown === held;
      }, 15_000).catch(() => assert.fail(last));
      assert.equal(await tab.locator('.traffic-row', { hasText: /e2e=evict-0\b/ }).count(), 0, 'the evicted row left the list');
      assert.match((await tab.getByRole('status', { name: 'Matching exchanges' }).textContent()) ?? '', new RegExp(`^${await listed()} exchanges$`));
    });
  });
});
