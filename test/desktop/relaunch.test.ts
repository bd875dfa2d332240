// Launching again, and bad input (issue 11: 8 and 10): the registry brings projects back
// without asking unless their commands changed; a deleted folder, a folder locald cannot
// run and a broken registry file each get a clear line or dialog, and nothing else breaks.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { test } from 'node:test';
import { REPO } from '../helpers/locald-cli.js';
import { waitFor } from '../helpers/proxy-net.js';
import { curl } from './curl.js';
import { addProject, copyProject, desktopEnvironment, launchDesktop, projectUrl } from './desktop-app.js';

desktopEnvironment();

const SHOP = join(REPO, 'examples', 'shop');

function dataFolder(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'locald-desktop-data-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('relaunch: the registry restores the project and starts it without asking, unless its commands changed', async (t) => {
  const userData = dataFolder(t);
  const dir = copyProject(t, SHOP);
  const first = await launchDesktop(t, { userData });
  await addProject(first, dir, 'shop');
  assert.equal(await first.quitFromTray(), 0);

  // No dialog is scripted: any dialog now fails the test.
  const second = await launchDesktop(t, { userData });
  await second.waitForItem([/^shop — running/], (item) => item.checked);
  assert.equal((await curl(`${projectUrl(second, 'shop')}api/products`)).status, 200);
  assert.equal(await second.quitFromTray(), 0);
  assert.deepEqual(second.dialogs, []);

  const file = join(dir, 'locald.toml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('command = "node web.js"', 'command = "node web.js --changed"'));
  const third = await launchDesktop(t, { userData });
  const held = await third.waitForItem([/^shop — stopped \(changes need approval\)/]);
  assert.equal(held.enabled, false, 'switching on goes through the review');
  await third.waitForItem(['shop', 'Review Changed Commands…'], (item) => item.enabled);
  assert.deepEqual(third.launch.servicePids.size, 0, 'nothing runs before the user approves');
  assert.equal(await third.quitFromTray(), 0);
  assert.deepEqual(third.dialogs, []);
  assert.deepEqual([...first.problems(), ...second.problems(), ...third.problems()], []);
});

test('a registered folder that was deleted: a located line in the tray, the rest works', async (t) => {
  const userData = dataFolder(t);
  const dir = copyProject(t, SHOP);
  const first = await launchDesktop(t, { userData });
  await addProject(first, dir, 'shop');
  assert.equal(await first.quitFromTray(), 0);
  rmSync(dir, { recursive: true, force: true });

  const app = await launchDesktop(t, { userData });
  const line = await app.waitForItem([new RegExp(`^⚠ ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)]);
  assert.equal(line.enabled, false);
  await addProject(app, SHOP, 'shop');
  assert.deepEqual(app.errorDialogs(), []);
  assert.equal(await app.quitFromTray(), 0);
  assert.deepEqual(app.problems(), []);
});

test('Add Project… on a folder locald cannot run: one clear error dialog, nothing added', async (t) => {
  const empty = dataFolder(t);
  const app = await launchDesktop(t);
  app.script((dialog) => (dialog.kind === 'openDialog' ? empty : null));
  app.click('Add Project…');
  const [error] = await waitFor(() => (app.errorDialogs().length > 0 ? app.errorDialogs() : undefined), 'an error dialog');
  assert.ok(error !== undefined);
  assert.ok(error.content.includes(empty), `the dialog names the folder: ${error.content}`);
  assert.match(error.content, /locald\.toml/);
  assert.equal(app.dialogs.filter((dialog) => dialog.kind === 'messageBox').length, 0, 'no approval for nothing');
  assert.ok(app.item('No projects yet') !== undefined);
  assert.equal(await app.quitFromTray(), 0);
  assert.deepEqual(app.problems(), []);
});

test('an unreadable registry file: the tray says so, and the app works', async (t) => {
  const userData = dataFolder(t);
  writeFileSync(join(userData, 'projects.json'), '{ "version": 1, "projects": [ not json');
  const app = await launchDesktop(t, { userData });
  const line = await app.waitForItem([/^⚠ .*projects\.json/]);
  assert.equal(line.enabled, false);
  await addProject(app, SHOP, 'shop');
  assert.deepEqual(app.errorDialogs(), []);
  assert.equal(await app.quitFromTray(), 0);
  assert.deepEqual(app.problems(), []);
});
