// The Logs tab in Chromium against a real `locald up examples/shop`: every service's lines
// by time, search (text and /regex/), filters, follow mode, and the jump from a log line to
// the traffic of that moment and back.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { LogLine } from '../../shared/state.js';
import { mergeByTime, nearestExchange, nearestLineIndex } from '../../renderer/src/model/log-view.js';
import { engineCall, startLocald, startWithDashboard, UNNAMED_CONTROLS_SCRIPT, viaProxy, waitFor, type Browser, type Locald } from './harness.js';

let locald: Locald;
let browser: Browser;
let page: Page;

const logLines = () => page.getByRole('log', { name: 'Log lines' });
const rendered = () => logLines().locator('.log-line');
const search = () => page.getByLabel('Search logs');

/** What the rendered rows say: [service, text] per line, top to bottom. */
async function renderedLines(): Promise<{ seq: number; service: string; text: string; stream: string }[]> {
  return rendered().evaluateAll((els) =>
    els.map((el) => ({
      seq: Number(el.getAttribute('data-seq')),
      service: el.querySelector('.log-svc')?.textContent ?? '',
      text: el.querySelector('.log-text')?.textContent ?? '',
      stream: /log-(stdout|stderr|system)/.exec(el.className)?.[1] ?? '',
    })),
  );
}

async function restartAndWait(service: string): Promise<void> {
  const before = (await engineCall(locald, 'logs.read', { project: 'shop', service, limit: 10_000 })).filter((l) => l.text.includes(`${service}: listening`)).length;
  await engineCall(locald, 'services.restart', { project: 'shop', service });
  await waitFor(`${service} to listen again`, async () => (await engineCall(locald, 'logs.read', { project: 'shop', service, limit: 10_000 })).filter((l) => l.text.includes(`${service}: listening`)).length > before, 30_000);
}

before(async () => {
  ({ locald, browser, page } = await startWithDashboard());
  await page.getByRole('tab', { name: 'Logs' }).click();
});

after(async () => {
  await browser?.close();
  await locald?.stop();
});

describe('log view', () => {
  it("interleaves every service's lines by time, each service in its own colour", async () => {
    for (const text of ['api: listening on', 'web: listening on', 'live: listening on']) await logLines().getByText(text).waitFor({ timeout: 15_000 });
    const engineLines = await engineCall(locald, 'logs.read', { project: 'shop', limit: 10_000 });
    const expected = mergeByTime([engineLines]).map((l) => l.seq);
    const shown = (await renderedLines()).map((l) => l.seq);
    assert.deepEqual(shown, expected.slice(expected.length - shown.length), 'the rendered rows are the newest lines, in time order');
    const colourOf = (service: string) => logLines().locator('.log-svc', { hasText: new RegExp(`^${service}$`) }).first().evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).color ?? '');
    const colours = new Set([await colourOf('api'), await colourOf('web'), await colourOf('live')]);
    assert.equal(colours.size, 3, `distinct service colours: ${[...colours].join(', ')}`);
    assert.deepEqual(await page.evaluate(UNNAMED_CONTROLS_SCRIPT), [], 'every control has a name');
  });

  it('narrows lines with a plain search and a /regex/, and shows an invalid regex as an error', async () => {
    await search().fill('LIVE: listening');
    await waitFor('only live lines', async () => {
      const lines = await renderedLines();
      return lines.length > 0 && lines.every((l) => l.text.includes('live: listening'));
    });
    await search().fill('/^(api|web): listening on \\d+$/');
    await waitFor('api and web lines only', async () => {
      const lines = await renderedLines();
      const services = new Set(lines.map((l) => l.service));
      return services.has('api') && services.has('web') && !services.has('live') && lines.every((l) => /^(api|web): listening on \d+$/.test(l.text));
    });
    await search().fill('/(unclosed/');
    const alert = page.getByRole('alert').filter({ hasText: 'Invalid regex' });
    await alert.waitFor();
    assert.equal(await search().getAttribute('aria-invalid'), 'true');
    assert.ok((await rendered().count()) > 0, 'the lines stay while the pattern is unfinished');
    await search().fill('');
    await alert.waitFor({ state: 'detached' });
  });

  it('filters by service and by stream', async () => {
    await page.getByLabel('Show service shop/api').uncheck();
    await waitFor('no api lines', async () => {
      const lines = await renderedLines();
      return lines.length > 0 && lines.every((l) => l.service !== 'api');
    });
    await page.getByLabel('Show service shop/api').check();
    await page.getByLabel('Show stdout lines').uncheck();
    await page.getByLabel('Show stderr lines').uncheck();
    await waitFor("only locald's own lines", async () => {
      const lines = await renderedLines();
      return lines.length > 0 && lines.every((l) => l.stream === 'system');
    });
    await page.getByLabel('Show stdout lines').check();
    await page.getByLabel('Show stderr lines').check();
  });

  it('follows the newest line while at the bottom, and stays put when scrolled up', async () => {
    await page.setViewportSize({ width: 1100, height: 360 });
    const geometry = () => logLines().evaluate((el) => ({ top: el.scrollTop, height: el.clientHeight, total: el.scrollHeight, lines: Number(el.getAttribute('aria-rowcount')) }));
    // Enough lines to overflow the short pane.
    for (let i = 0; i < 8; i++) {
      const g = await geometry();
      if (g.total > g.height * 2) break;
      await restartAndWait('live');
    }
    const newestVisible = async () => {
      const newest = (await engineCall(locald, 'logs.read', { project: 'shop', limit: 1 }))[0];
      const row = logLines().locator(`.log-line[data-seq="${newest?.seq}"]`);
      if ((await row.count()) === 0) return false;
      const [box, pane] = [await row.boundingBox(), await logLines().boundingBox()];
      return box !== null && pane !== null && box.y >= pane.y - 1 && box.y + box.height <= pane.y + pane.height + 1;
    };
    await restartAndWait('live');
    await waitFor('the newest line in view', newestVisible, 10_000);
    // Scrolled up to read: new lines do not pull the reader down.
    await logLines().evaluate((el) => (el.scrollTop = 0));
    const follow = page.getByRole('button', { name: 'Follow newest' });
    await follow.waitFor();
    await restartAndWait('live');
    await waitFor('the new lines rendered', async () => (await geometry()).lines === (await engineCall(locald, 'logs.read', { project: 'shop', limit: 10_000 })).length, 10_000);
    assert.equal((await geometry()).top, 0, 'stays where the reader scrolled');
    assert.equal(await newestVisible(), false);
    await follow.click();
    await waitFor('back at the newest line', newestVisible, 10_000);
    await follow.waitFor({ state: 'detached' });
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('jumps from a log line to the exchange nearest that moment, and from the exchange back to the logs', async () => {
    await viaProxy(locald.port, '/api/products?e2e=jump-before');
    await restartAndWait('live');
    const near = await viaProxy(locald.port, '/live/e2e-jump');
    assert.equal(near.status, 404);
    await viaProxy(locald.port, '/api/products?e2e=jump-after');
    // The line to jump from: live's newest "restart requested".
    const lines = await engineCall(locald, 'logs.read', { project: 'shop', limit: 10_000 });
    const from = lines.filter((l) => l.service === 'live' && l.text === 'restart requested').at(-1) as LogLine;
    assert.ok(from !== undefined);
    // The jump picks among the exchanges the page has: wait until its list shows the live one.
    await page.getByRole('tab', { name: 'Traffic' }).click();
    await page.locator('.traffic-row', { hasText: '/live/e2e-jump' }).waitFor({ timeout: 15_000 });
    await page.getByRole('tab', { name: 'Logs' }).click();
    await search().fill('restart requested');
    const row = logLines().locator(`.log-line[data-seq="${from.seq}"]`);
    await row.hover();
    await row.getByRole('button', { name: /^Show traffic around / }).click();

    // The traffic tab, on the exchange that started nearest the line (live's own, a moment after its restart).
    await page.getByRole('tab', { name: 'Traffic', selected: true }).waitFor();
    const exchanges = await waitFor('the live exchange captured', async () => {
      const list = await engineCall(locald, 'traffic.list', {});
      return list.some((e) => e.url === '/live/e2e-jump') ? list : null;
    });
    const expected = nearestExchange(exchanges, from);
    assert.equal(expected?.url, '/live/e2e-jump');
    const selected = page.locator('.traffic-row[aria-selected="true"]');
    await selected.waitFor();
    assert.equal(await selected.getAttribute('data-id'), String(expected?.id));
    assert.ok(await selected.isVisible(), 'scrolled into view');
    const details = page.getByRole('complementary', { name: `Exchange #${expected?.id} details` });
    await details.waitFor();

    // And back: the log view at the moment the exchange started, the nearest line marked and in view.
    await details.getByRole('button', { name: 'show in logs' }).click();
    await page.getByRole('tab', { name: 'Logs', selected: true }).waitFor();
    assert.equal(await search().inputValue(), '', 'the search is cleared so the moment is not hidden');
    const all = mergeByTime([await engineCall(locald, 'logs.read', { project: 'shop', limit: 10_000 })]);
    const target = all[nearestLineIndex(all, expected?.start ?? 0)];
    const focused = logLines().locator('.log-line[aria-current="true"]');
    await focused.waitFor();
    assert.equal(await focused.getAttribute('data-seq'), String(target?.seq));
    const [box, pane] = [await focused.boundingBox(), await logLines().boundingBox()];
    assert.ok(box !== null && pane !== null && box.y >= pane.y && box.y + box.height <= pane.y + pane.height, 'the marked line is in view');
  });
});

describe('log bound', () => {
  it('keeps the newest 5,000 lines of a project and says how many older ones it dropped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locald-e2e-noisy-'));
    writeFileSync(join(dir, 'locald.toml'), 'name = "noisy"\n\n[services.chatty]\ncommand = "node chatty.js"\nready = { log = "chatty: done" }\n');
    writeFileSync(join(dir, 'chatty.js'), "for (let i = 0; i < 3000; i++) console.log(`chatty: line ${i}`);\nconsole.log('chatty: done');\nsetInterval(() => {}, 1 << 30);\n");
    const noisy = await startLocald(dir);
    const tab = await browser.context.newPage();
    try {
      await waitFor('noisy to be running', () => noisy.output().includes('noisy is running'), 45_000);
      await tab.goto(noisy.dashboardUrl);
      await tab.getByRole('status', { name: 'Connection: connected' }).waitFor({ timeout: 15_000 });
      await tab.getByRole('tab', { name: 'Logs' }).click();
      const lines = tab.getByRole('log', { name: 'Log lines' });
      const held = async () => Number(await lines.getAttribute('aria-rowcount'));
      // The history read brings the newest 2,000; two restarts add 6,000 more as events.
      await waitFor('the history', async () => (await held()) >= 2000, 30_000).catch(async () => assert.fail(`history: held ${await held()}`));
      const note = tab.getByRole('status', { name: 'Log limits' });
      assert.equal(await note.count(), 0, 'nothing dropped yet');
      // The page read the newest 2,000 lines, up to this one; every line after it comes as an event.
      const newestSeq = async () => (await engineCall(noisy, 'logs.read', { project: 'noisy', limit: 1 }))[0]?.seq ?? -1;
      const historyEnd = await newestSeq();
      const lastDone = async () => (await engineCall(noisy, 'logs.read', { project: 'noisy', limit: 10_000 })).filter((l) => l.text === 'chatty: done').at(-1)?.seq ?? -1;
      for (let i = 0; i < 2; i++) {
        // Each run prints all its lines before the next restart, which would cut it short.
        const before = await lastDone();
        await engineCall(noisy, 'services.restart', { project: 'noisy', service: 'chatty' });
        await waitFor('chatty to print all its lines', async () => (await lastDone()) > before, 30_000);
      }
      // The page lags the engine: wait until it shows the engine's newest line (it follows the bottom).
      const last = await newestSeq();
      await lines.locator(`.log-line[data-seq="${last}"]`).waitFor({ timeout: 30_000 });
      assert.equal(await held(), 5000);
      const seen = 2000 + (last - historyEnd);
      const noteText = (await note.textContent()) ?? '';
      assert.equal(noteText, `${(seen - 5000).toLocaleString('en')} older lines dropped`);
    } finally {
      await tab.close();
      await noisy.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
