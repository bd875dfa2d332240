// Breakpoints released from the inspector in Chromium against a real `locald up examples/shop`:
// a paused request edited (a header added) reaches the service; a paused response edited
// (status) reaches the client; a paused request answered with a fixed response.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { engineCall, screenshotDir, startWithDashboard, UNNAMED_CONTROLS_SCRIPT, viaProxy, type Browser, type Locald } from './harness.js';

let locald: Locald;
let browser: Browser;
let page: Page;

async function withBreakpoint<T>(match: string, phase: 'request' | 'response', run: () => Promise<T>): Promise<T> {
  const rule = await engineCall(locald, 'rules.add', { project: 'shop', rule: { match, breakpoint: phase } });
  try {
    return await run();
  } finally {
    await engineCall(locald, 'rules.remove', { project: 'shop', id: rule.id });
  }
}

describe('paused exchanges', () => {
  before(async () => {
    ({ locald, browser, page } = await startWithDashboard(undefined, { width: 1400, height: 820 }));
  });

  after(async () => {
    await browser?.close();
    await locald?.stop();
  });

  it('continues a paused request with an added header that reaches the service', async () => {
    await withBreakpoint('path:/api/hello', 'request', async () => {
      const answer = viaProxy(locald.port, '/api/hello?bp=request');
      await page.getByRole('tab', { name: /^Paused/ }).click();
      const region = page.getByRole('region', { name: 'Paused request' });
      await region.waitFor({ timeout: 15_000 });
      assert.match((await page.getByRole('status', { name: 'Pause timeout' }).textContent()) ?? '', /Continues unchanged in [45]m/);
      const headers = page.getByLabel(/^Request headers/);
      await headers.fill(`${await headers.inputValue()}\nx-edited: from-the-inspector`);
      assert.deepEqual(await page.evaluate(UNNAMED_CONTROLS_SCRIPT), []);
      await page.screenshot({ path: join(screenshotDir, 'paused-light.png') });
      await page.getByRole('button', { name: 'Continue' }).click();
      const { status, text } = await answer;
      assert.equal(status, 200);
      assert.equal((JSON.parse(text) as { headers: Record<string, string> }).headers['x-edited'], 'from-the-inspector');
      await region.waitFor({ state: 'detached', timeout: 10_000 });
    });
  });

  it('continues a paused response with an edited status that the client receives', async () => {
    await withBreakpoint('path:/api/products', 'response', async () => {
      const answer = viaProxy(locald.port, '/api/products?bp=response');
      await page.getByRole('region', { name: 'Paused response' }).waitFor({ timeout: 15_000 });
      await page.getByLabel('Status', { exact: true }).fill('299');
      await page.getByRole('button', { name: 'Continue' }).click();
      assert.equal((await answer).status, 299);
    });
  });

  it('answers a paused request with a fixed response instead of the service', async () => {
    await withBreakpoint('path:/api/hello', 'request', async () => {
      const answer = viaProxy(locald.port, '/api/hello?bp=answer');
      await page.getByRole('region', { name: 'Paused request' }).waitFor({ timeout: 15_000 });
      await page.getByLabel('Answer status').fill('418');
      await page.getByLabel('Answer body').fill('short and stout');
      await page.getByRole('button', { name: 'Answer', exact: true }).click();
      const { status, text } = await answer;
      assert.equal(status, 418);
      assert.equal(text, 'short and stout');
    });
  });
});
