// Desktop scenarios from the tray (issue 11: 1, 2 and 7): the real built shell under the
// Electron stand-in, its engine and the project's services as real processes, the
// project checked with curl through the app's own proxy.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAlive, REPO } from '../helpers/locald-cli.js';
import { waitFor } from '../helpers/proxy-net.js';
import type { DesktopApp } from './desktop-app.js';
import { addProject, desktopEnvironment, launchDesktop, projectUrl } from './desktop-app.js';
import { curl } from './curl.js';
import type { DialogRecord } from './electron-stand-in/dialogs.js';

desktopEnvironment();

const SHOP = join(REPO, 'examples', 'shop');

/** Answers Add Project…: the folder picker gets examples/shop, the approval is approved. */
function addShopScript(shown: DialogRecord[]) {
  return (dialog: Exclude<DialogRecord, { kind: 'errorBox' }>) => {
    shown.push(dialog);
    if (dialog.kind === 'openDialog') return SHOP;
    return dialog.options.title === 'Run shop?' ? 'Approve and Add' : null;
  };
}

async function servedPids(app: DesktopApp): Promise<number[]> {
  // Every service PID the engine reported for the running project (web, api, live).
  return waitFor(() => (app.launch.servicePids.size >= 3 ? [...app.launch.servicePids] : undefined), 'three service PIDs');
}

test('first launch: Add Project… → approval lists the exact commands → served through the proxy; toggle off and on; Quit leaves no process', async (t) => {
  const app = await launchDesktop(t);
  const shown: DialogRecord[] = [];
  app.script(addShopScript(shown));

  await app.waitForItem(['No projects yet']);
  await app.waitForEngine();
  assert.equal(app.item(/^⚠/), undefined, `no problem lines (the login shell was read):\n${app.menuText()}`);
  assert.ok(app.launch.tray !== undefined && !app.launch.tray.image.isEmpty(), 'the tray shows an image that exists');

  app.click('Add Project…');
  const toggle = await app.waitForItem([/^shop — running/], (item) => item.type === 'checkbox' && item.checked);
  assert.equal(toggle.enabled, true);

  assert.equal(shown[0]?.kind, 'openDialog');
  const approval = shown[1];
  assert.ok(approval?.kind === 'messageBox', 'an approval dialog follows the folder picker');
  assert.equal(approval.options.message, `locald will run these 3 commands from ${join(SHOP, 'locald.toml')}:`);
  for (const line of ['web:\n  $ node web.js', 'api:\n  $ node api.js', 'live:\n  $ node live.js', `  in ${SHOP}`, '  GREETING=hello from the api']) {
    assert.ok(approval.options.detail?.includes(line), `the approval lists ${JSON.stringify(line)}:\n${approval.options.detail}`);
  }

  const url = projectUrl(app, 'shop');
  const products = await curl(`${url}api/products`);
  assert.equal(products.status, 200, products.body);
  assert.match(products.body, /Teapot/);
  const firstPids = await servedPids(app);
  assert.deepEqual(firstPids.filter((pid) => !isAlive(pid)), [], 'the services run');

  // Scenario 2: off → every service process is gone; on → serving again.
  app.click(/^shop — running/);
  await app.waitForItem([/^shop — stopped/], (item) => !item.checked && item.enabled);
  await waitFor(() => (firstPids.every((pid) => !isAlive(pid)) ? true : undefined), 'the services to exit');
  app.click(/^shop — stopped/);
  await app.waitForItem([/^shop — running/], (item) => item.checked);
  const again = await curl(`${url}api/products`);
  assert.equal(again.status, 200, again.body);
  const secondPids = [...app.launch.servicePids].filter((pid) => !firstPids.includes(pid));
  assert.equal(secondPids.length, 3, 'switching on started three new service processes');

  // Scenario 7: Quit → the engine and every service stop before the app exits.
  const enginePid = app.enginePid();
  assert.ok(enginePid !== undefined);
  assert.equal(await app.quitFromTray(), 0);
  assert.deepEqual(app.launch.utilitiesAliveAtExit, [], 'the engine had exited by itself when the app exited');
  assert.equal(isAlive(enginePid), false);
  assert.deepEqual([...app.launch.servicePids].filter(isAlive), [], 'no service process is left');
  assert.deepEqual(app.errorDialogs(), []);
  assert.deepEqual(app.problems(), []);
});

test('Quit right after switching a project off: no error dialog, the stop finishes, no process left (issue 16)', async (t) => {
  // main runs in this process: its log lines are this process's console.warn calls.
  const warn = t.mock.method(console, 'warn');
  const app = await launchDesktop(t);
  await addProject(app, SHOP, 'shop');
  const pids = await servedPids(app);

  // projects.stop is still waiting for the services to exit when Quit comes.
  app.click(/^shop — running/);
  app.click('Quit locald');
  assert.equal(await app.waitForExit(), 0);
  assert.deepEqual(app.errorDialogs(), [], 'quitting shows no error');
  const logged = warn.mock.calls.map((call) => String(call.arguments[0]));
  assert.deepEqual(logged.filter((line) => /engine bridge|while quitting/.test(line)), [], 'the stop was not cut off');
  assert.deepEqual(app.launch.utilitiesAliveAtExit, [], 'the engine had exited by itself when the app exited');
  assert.deepEqual(pids.filter(isAlive), [], 'no service process is left');
  assert.deepEqual(app.problems(), []);
});

test('the tray follows the theme, and its links, Reveal and Start at Login reach the system', async (t) => {
  const app = await launchDesktop(t);
  const url = await addProject(app, SHOP, 'shop');
  assert.match(app.launch.tray?.image.path ?? '', /tray-running-light\.png$/, 'a dark glyph for a light bar');
  const theme = app.launch.electron.nativeTheme as { shouldUseDarkColors: boolean; emit(event: string): void };
  theme.shouldUseDarkColors = true;
  theme.emit('updated');
  assert.match(app.launch.tray?.image.path ?? '', /tray-running-dark\.png$/, 'a light glyph once the bar is dark');

  app.click('shop', `Open ${url}`);
  app.click('shop', 'Reveal locald.toml');
  app.click('Start at Login');
  await waitFor(() => (app.launch.openedExternal.length > 0 ? true : undefined), 'the browser to open');
  assert.deepEqual(app.launch.openedExternal, [url]);
  assert.deepEqual(app.launch.revealedInFolder, [join(SHOP, 'locald.toml')]);
  assert.deepEqual(app.launch.loginItemSettings, [{ openAtLogin: true }]);
  assert.equal(app.item('Start at Login')?.checked, true, 'the menu shows the new setting');

  assert.equal(await app.quitFromTray(), 0);
  assert.deepEqual(app.errorDialogs(), []);
  assert.deepEqual(app.problems(), []);
});
