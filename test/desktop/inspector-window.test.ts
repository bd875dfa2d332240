// The inspector window under the stand-in (issue 11: 3, 7 and 9): the real renderer in
// Chromium, loaded through the shell's own app:// handler, with the real preload; the UI
// reaches the engine through window → preload → main's bridge → engine.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { REPO } from '../helpers/locald-cli.js';
import { waitFor } from '../helpers/proxy-net.js';
import { addProject, desktopEnvironment, launchDesktop } from './desktop-app.js';
import { curl } from './curl.js';

desktopEnvironment();

const SHOP = join(REPO, 'examples', 'shop');

async function connected(page: Page): Promise<void> {
  await page.getByRole('status', { name: 'Connection: connected' }).waitFor({ timeout: 20_000 });
}

test('Open Inspector: live traffic over the MessagePort, edit & resend, close and reopen', async (t) => {
  const app = await launchDesktop(t);
  const url = await addProject(app, SHOP, 'shop');

  app.click('Open Inspector');
  const first = await app.window();
  assert.ok(first.page !== null);
  await connected(first.page);
  assert.equal(first.isVisible(), true, 'shown once ready-to-show');

  const live = await curl(`${url}api/products?desktop=live`);
  assert.equal(live.status, 200);
  const row = first.page.locator('.traffic-row', { hasText: '/api/products?desktop=live' });
  await row.waitFor({ timeout: 15_000 });

  await curl(`${url}api/hello?v=1`);
  await first.page.locator('.traffic-row', { hasText: '/api/hello?v=1' }).click();
  const details = first.page.getByRole('complementary', { name: /Exchange #\d+ details/ });
  // Newer inspectors open the details on the click; older ones on Enter after selecting.
  await details.waitFor({ timeout: 3_000 }).catch(() => first.page?.keyboard.press('Enter'));
  await details.getByRole('tab', { name: 'Edit & resend' }).click();
  const editor = details.getByRole('region', { name: 'Edit and resend' });
  const field = editor.getByLabel('URL');
  await field.fill((await field.inputValue()).replace('v=1', 'v=edited'));
  await editor.getByRole('button', { name: 'Send' }).click();
  await editor.getByRole('region', { name: /Differences between/ }).getByText('"path": "/hello?v=edited"').waitFor({ timeout: 15_000 });

  first.close();
  await waitFor(() => (first.isDestroyed() ? true : undefined), 'the window to close');
  app.click('Open Inspector');
  const second = await app.window();
  assert.notEqual(second, first, 'a closed inspector is reopened as a new window');
  assert.ok(second.page !== null);
  await connected(second.page);
  await curl(`${url}api/products?desktop=reopened`);
  await second.page.locator('.traffic-row', { hasText: '/api/products?desktop=reopened' }).waitFor({ timeout: 15_000 });

  // "Show in Inspector" on a service: the open window is reused and filters to it.
  app.click('shop', /^api — /, 'Show in Inspector');
  const filter = second.page.getByRole('combobox', { name: 'Filter traffic' });
  await waitFor(async () => ((await filter.inputValue()) === 'project:shop service:api' ? true : undefined), 'the tray filter in the window');
  assert.equal(app.launch.windows.filter((window) => !window.isDestroyed()).length, 1, 'no second window');

  assert.equal(await app.quitFromTray(), 0);
  assert.deepEqual(app.errorDialogs(), []);
  assert.deepEqual(app.problems(), []);
});

test('window security: external links go to the system browser, window.open is denied, the page has no Node', async (t) => {
  const app = await launchDesktop(t);
  app.click('Open Inspector');
  const window = await app.window();
  const page = window.page;
  assert.ok(page !== null);
  await connected(page);
  assert.match(window.webContents.getURL(), /^app:\/\/locald\//, 'the renderer comes from the app:// handler');

  assert.deepEqual(
    await page.evaluate(`({
      require: typeof require,
      process: typeof process,
      bridge: Object.keys(window.locald).sort(),
      secure: isSecureContext,
    })`),
    { require: 'undefined', process: 'undefined', bridge: ['app', 'onInspectorFilter', 'requestEnginePort'], secure: true },
  );

  // App actions go window → preload → ipcMain.handle, checked against the sender's frame.
  const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  assert.deepEqual(await page.evaluate('window.locald.app.getInfo()'), { version, platform: 'linux' });
  assert.equal(await page.evaluate(`window.locald.app.openExternal('javascript:alert(1)')`), false, 'only http(s) leaves the app');

  // A plain link to another site: will-navigate is refused, the URL goes to the system browser.
  await page.evaluate(`{
    const link = document.createElement('a');
    link.href = 'https://example.com/docs';
    link.textContent = 'external docs';
    document.body.append(link);
  }`);
  await page.getByText('external docs').click();
  await waitFor(() => (app.launch.openedExternal.includes('https://example.com/docs') ? true : undefined), 'the link in the system browser');
  assert.match(window.webContents.getURL(), /^app:\/\/locald\//, 'the window stays on the app');
  await connected(page);

  // window.open: denied by the shell's handler; http(s) URLs go to the system browser.
  await page.evaluate(`void window.open('https://example.org/popup')`);
  await waitFor(() => (window.webContents.windowOpenDecisions.length > 0 ? true : undefined), 'the window-open decision');
  assert.deepEqual(window.webContents.windowOpenDecisions, [{ url: 'https://example.org/popup', action: 'deny' }]);
  await waitFor(() => (app.launch.openedExternal.includes('https://example.org/popup') ? true : undefined), 'the popup URL in the system browser');
  assert.equal(app.launch.permissionCheckHandler?.(window.webContents, 'notifications'), false, 'permissions are refused');
  assert.equal(await app.quitFromTray(), 0);
  assert.deepEqual(app.problems(), []);
});

test('a second launch while the first runs focuses the first and starts no second engine', async (t) => {
  const first = await launchDesktop(t);
  await first.waitForEngine();
  const engines = first.launch.utilities.length;

  const second = await launchDesktop(t, { userData: first.userData });
  assert.equal(await second.waitForExit(), 0, 'the second instance quits at once');
  assert.equal(second.launch.utilities.length, 0, 'and starts no engine');
  assert.equal(second.launch.surface.trays.length, 0, 'and shows no tray');

  const window = await first.window();
  assert.equal(window.isVisible() && window.focused, true, 'the first instance shows its inspector');
  assert.equal(first.launch.utilities.length, engines, 'the first keeps its one engine');
  assert.equal(await first.quitFromTray(), 0);
  assert.deepEqual([...first.problems(), ...second.problems()], []);
});
