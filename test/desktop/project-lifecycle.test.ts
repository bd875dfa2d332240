// A project's life in the tray (issue 11: 4, 5 and 6): changed commands wait for the
// user, a broken locald.toml is shown where it is broken while the last good config
// keeps serving, a killed engine comes back with the projects, one that keeps crashing
// is given up on, and one that cannot run is reported with its reason.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAlive, REPO } from '../helpers/locald-cli.js';
import { waitFor } from '../helpers/proxy-net.js';
import { curl } from './curl.js';
import { addProject, copyProject, desktopEnvironment, launchDesktop, projectUrl } from './desktop-app.js';
import type { DialogRecord } from './electron-stand-in/dialogs.js';

desktopEnvironment();

const SHOP = join(REPO, 'examples', 'shop');

function editConfig(dir: string, from: string, to: string): void {
  const file = join(dir, 'locald.toml');
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${file} has ${from}`);
  writeFileSync(file, text.replace(from, to));
}

test('changed commands: the tray asks; cancel keeps the old process, approve runs the new one', async (t) => {
  const dir = copyProject(t, SHOP);
  const app = await launchDesktop(t);
  const url = await addProject(app, dir, 'shop');
  const oldApi = await app.servicePid('shop', 'api');

  editConfig(dir, 'command = "node api.js"', 'command = "node api.js --changed"');
  await app.waitForItem([/^shop — running \(changes need approval\)/]);
  assert.equal(app.launch.tray?.image.path.includes('attention'), true, `the tray icon asks for attention: ${app.launch.tray?.image.path}`);

  const shown: DialogRecord[] = [];
  app.script((dialog) => {
    shown.push(dialog);
    return 'Keep Previous Commands';
  });
  app.click('shop', 'Review Changed Commands…');
  await waitFor(() => (shown.length === 1 ? true : undefined), 'the review dialog');
  const review = shown[0];
  assert.ok(review?.kind === 'messageBox');
  assert.match(review.options.detail ?? '', /'api' command: node api\.js -> node api\.js --changed/);
  assert.match(review.options.detail ?? '', /\$ node api\.js --changed/);
  await app.waitForItem(['shop', 'Review Changed Commands…']);
  assert.equal(isAlive(oldApi), true, 'cancel keeps the previous api running');
  assert.equal((await curl(`${url}api/products`)).status, 200);

  app.script(() => 'Approve Changes');
  app.click('shop', 'Review Changed Commands…');
  const newApi = await app.servicePid('shop', 'api', oldApi);
  assert.match(readFileSync(`/proc/${newApi}/cmdline`, 'utf8'), /node api\.js --changed/);
  await waitFor(() => (isAlive(oldApi) ? undefined : true), 'the previous api to exit');
  await app.waitForItem([/^shop — running$/]);
  assert.equal((await curl(`${url}api/products`)).status, 200);

  assert.equal(await app.quitFromTray(), 0);
  assert.deepEqual(app.errorDialogs(), []);
  assert.deepEqual(app.problems(), []);
});

test('an invalid locald.toml: the tray shows where, the last good config keeps serving', async (t) => {
  const dir = copyProject(t, SHOP);
  const app = await launchDesktop(t);
  const url = await addProject(app, dir, 'shop');

  editConfig(dir, '[services.api]', '[services.api');
  const issue = await app.waitForItem(['shop ⚠', /^⚠ .*locald\.toml:\d+:\d+/]);
  assert.equal(issue.enabled, false);
  assert.ok(issue.label.includes(join(dir, 'locald.toml')), issue.label);
  assert.match(app.launch.tray?.toolTip ?? '', /^locald — shop: /);
  assert.equal((await curl(`${url}api/products`)).status, 200, 'the last good config keeps serving');

  editConfig(dir, '[services.api', '[services.api]');
  await app.waitUntilGone(['shop ⚠']);
  assert.equal(await app.quitFromTray(), 0);
  assert.deepEqual(app.errorDialogs(), []);
  assert.deepEqual(app.problems(), []);
});

test('the engine is killed: the tray says it restarts, and it comes back serving the projects', async (t) => {
  const app = await launchDesktop(t);
  await addProject(app, SHOP, 'shop');
  const engine = await app.waitForEngine();
  const oldWeb = await app.servicePid('shop', 'web');
  assert.ok(readFileSync(`/proc/${engine}/cmdline`, 'utf8').split('\0').includes('--max-semi-space-size=8'), 'the engine runs with its V8 flags');

  process.kill(engine, 'SIGKILL');
  await app.waitForItem([/^Engine restarting \(attempt 1\)/]);
  const newEngine = await waitFor(() => {
    const pid = app.enginePid();
    return pid !== undefined && pid !== engine && app.item('Engine starting…') === undefined && app.item(/^Engine restarting/) === undefined ? pid : undefined;
  }, 'a new engine', 30_000);
  assert.notEqual(newEngine, engine);
  assert.ok(readFileSync(`/proc/${newEngine}/cmdline`, 'utf8').split('\0').includes('--max-semi-space-size=8'), 'a restarted engine gets the V8 flags too');
  await app.waitForItem([/^shop — running/], (item) => item.checked);
  await app.servicePid('shop', 'web', oldWeb);
  // The tests' engines pick a free port each start (LOCALD_HTTP_PORT=0), so ask the tray again.
  assert.equal((await curl(`${projectUrl(app, 'shop')}api/products`)).status, 200);
  assert.equal(isAlive(oldWeb), false, 'the killed engine left no service behind');

  assert.equal(await app.quitFromTray(), 0);
  assert.deepEqual(app.errorDialogs(), []);
  assert.deepEqual(app.problems(), []);
});

test('an engine that cannot run (its port is taken): the tray says it stopped and why; Restart Engine brings it back', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => blocker.close());
  const port = (blocker.address() as AddressInfo).port;
  const previous = process.env.LOCALD_HTTP_PORT;
  process.env.LOCALD_HTTP_PORT = String(port);
  t.after(() => (process.env.LOCALD_HTTP_PORT = previous));

  const app = await launchDesktop(t);
  const stopped = await app.waitForItem([/^Engine stopped: /]);
  assert.match(stopped.label, new RegExp(String(port)), 'the reason names the port');
  assert.equal(app.item('Add Project…')?.enabled, false, 'nothing can wait for an engine that will not come');
  assert.match(app.launch.tray?.image.path ?? '', /failing/);

  await new Promise<void>((resolve) => blocker.close(() => resolve()));
  app.click('Restart Engine');
  await app.waitForEngine();
  await app.waitForItem(['Add Project…'], (item) => item.enabled);
  assert.equal(await app.quitFromTray(), 0);
  assert.deepEqual(app.errorDialogs(), []);
  assert.deepEqual(app.problems(), []);
});

test('an engine that keeps crashing: the tray says main gave up, and Restart Engine starts it again', async (t) => {
  const app = await launchDesktop(t);
  const killed: number[] = [];
  // Kill every engine as soon as it runs, through main's backoff (0.5, 1, 2, 4, 8 s), until it gives up.
  const gaveUp = await waitFor(
    () => {
      const item = app.item(/^Engine stopped: /);
      if (item !== undefined) return item;
      const pid = app.enginePid();
      if (pid !== undefined && !killed.includes(pid) && app.item('Engine starting…') === undefined && app.item(/^Engine restarting/) === undefined) {
        killed.push(pid);
        process.kill(pid, 'SIGKILL');
      }
      return undefined;
    },
    'main to give up on the engine',
    45_000,
  );
  assert.match(gaveUp.label, /crashed \d+ times/);
  assert.equal(killed.length, 6, 'five restarts, then it gave up');
  assert.equal(app.launch.liveUtilities().length, 0, 'no engine runs after giving up');

  app.click('Restart Engine');
  await app.waitForEngine();
  assert.equal(await app.quitFromTray(), 0);
  assert.deepEqual(app.errorDialogs(), []);
  assert.deepEqual(app.problems(), []);
});
