// Issue 12 with the desktop app: `locald up DIR` in a terminal (the real CLI, a child
// process, with the app's state directory) joins the app's engine, and the app's own
// approval dialog decides; a `locald up` that already owns the state directory when the
// app starts is named in the tray.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { isAlive, REPO, startLocald, tempHome } from '../helpers/locald-cli.js';
import { waitFor } from '../helpers/proxy-net.js';
import { desktopEnvironment, launchDesktop, projectUrl } from './desktop-app.js';
import { curl } from './curl.js';
import type { DialogRecord } from './electron-stand-in/dialogs.js';

desktopEnvironment();

const SHOP = join(REPO, 'examples', 'shop');

/** The state directory of the app's engine (electron/main.ts: userData/engine). */
const engineHome = (userData: string): string => join(userData, 'engine');

/** The app running, its approval dialog answered with `button`, and `locald up SHOP` in a terminal. */
async function upBesideApp(t: TestContext, button: string) {
  const app = await launchDesktop(t);
  await app.waitForEngine();
  const shown: DialogRecord[] = [];
  app.script((dialog) => {
    shown.push(dialog);
    return dialog.kind === 'messageBox' && dialog.options.title === 'Run shop?' ? button : null;
  });
  const cli = startLocald(['up', SHOP], { home: engineHome(app.userData) });
  t.after(() => cli.stop('SIGKILL'));
  return { app, shown, cli };
}

test('locald up DIR beside the app: the app shows its approval dialog with the exact commands; approved → in the tray, served, logs in the terminal', async (t) => {
  const { app, shown, cli } = await upBesideApp(t, 'Approve and Add');
  await cli.waitForOutput(/the locald app runs the engine \(pid \d+, port \d+\); approve shop in its dialog/);
  await app.waitForItem([/^shop — running/], (item) => item.checked);

  const approval = shown.find((d) => d.kind === 'messageBox');
  assert.ok(approval?.kind === 'messageBox', `the app showed its approval dialog; dialogs: ${JSON.stringify(shown)}`);
  assert.equal(approval.options.message, `locald will run these 3 commands from ${join(SHOP, 'locald.toml')}:`);
  for (const line of ['web:\n  $ node web.js', 'api:\n  $ node api.js', 'live:\n  $ node live.js', `  in ${SHOP}`]) {
    assert.ok(approval.options.detail?.includes(line), `the approval lists ${JSON.stringify(line)}:\n${approval.options.detail}`);
  }
  assert.equal(shown.filter((d) => d.kind === 'openDialog').length, 0, 'no folder picker: the terminal named the folder');

  const products = await curl(`${projectUrl(app, 'shop')}api/products`);
  assert.equal(products.status, 200, products.body);
  assert.match(products.body, /Teapot/);
  await cli.waitForOutput(/shop\/live \| live: listening/);
  await cli.waitForOutput(/locald: shop is \w+ at http:\/\/shop\.localhost:\d+\//);
  assert.doesNotMatch(cli.output(), /Run them\?/, 'the terminal did not ask');

  // Ctrl+C in the terminal switches the project off in the app (it stays in the tray).
  const pids = [...app.launch.servicePids];
  assert.equal(await cli.stop('SIGINT'), 0, cli.output());
  await app.waitForItem([/^shop — stopped/], (item) => !item.checked);
  await waitFor(() => (pids.every((pid) => !isAlive(pid)) ? true : undefined), 'the services to exit');
  // …and stays off on the app's next launch.
  const shopEntry = (): { enabled?: boolean } | undefined =>
    (JSON.parse(readFileSync(join(app.userData, 'projects.json'), 'utf8')) as { projects: Array<{ dir: string; enabled: boolean }> }).projects.find(
      (entry) => entry.dir === SHOP,
    );
  await waitFor(() => (shopEntry()?.enabled === false ? true : undefined), `projects.json to keep shop, switched off: ${JSON.stringify(shopEntry())}`);
  assert.deepEqual(app.errorDialogs(), []);
  assert.deepEqual(app.problems(), []);
});

test('locald up DIR beside the app: Cancel in the app → the terminal says so and exits 1; nothing is added', async (t) => {
  const { app, shown, cli } = await upBesideApp(t, 'Cancel');
  assert.equal(await cli.waitForExit(), 1, cli.output());
  assert.match(cli.output(), /locald: shop: not approved in the locald app; nothing was added/);
  assert.equal(shown.filter((d) => d.kind === 'messageBox').length, 1, 'the app asked once');
  assert.equal(app.item(/^shop/), undefined, `shop is not in the tray:\n${app.menuText()}`);
  assert.equal(app.launch.servicePids.size, 0, 'no service started');
  assert.deepEqual(app.errorDialogs(), []);
  assert.deepEqual(app.problems(), []);
});

test('the app started while `locald up` owns its state directory: the tray names it and offers Retry; once it quits, Retry runs the app\'s engine', async (t) => {
  const userData = tempHome('locald-desktop-');
  t.after(() => rmSync(userData, { recursive: true, force: true }));
  const up = startLocald(['up', SHOP, '--http-port', '0'], { home: engineHome(userData) });
  t.after(() => up.stop('SIGKILL'));
  // The port line comes after the owner record is written (engine/runtime.ts).
  const port = await up.port();

  const app = await launchDesktop(t, { userData });
  const held = new RegExp(`^\`locald up\` \\(pid ${up.child.pid}, port ${port}\\) is running; quit it to use the app$`);
  const line = await app.waitForItem([held]);
  assert.equal(line.enabled, false);
  assert.equal(app.item('Retry')?.enabled, true, `the tray offers Retry:\n${app.menuText()}`);
  assert.equal(app.item('Restart Engine'), undefined, 'not presented as a crash');
  assert.equal(app.enginePid(), undefined, 'the app runs no engine of its own');
  assert.ok(isAlive(up.child.pid!), 'the terminal\'s engine keeps running');

  assert.equal(await up.stop('SIGINT'), 0, up.output());
  app.click('Retry');
  await app.waitUntilGone([held]);
  await app.waitForEngine();
  await app.waitForItem(['No projects yet']);
  assert.deepEqual(app.errorDialogs(), []);
  assert.deepEqual(app.problems(), []);
});
