// Failure notifications (issue 15): the real shell under the Electron stand-in, a real
// service that crashes. A crash is told once with the service's last log line, a crash
// loop does not flood, "Notify on failures" in the tray silences a project (and is kept in
// projects.json), and clicking the notification opens the inspector on that service.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { waitFor } from '../helpers/proxy-net.js';
import type { DesktopApp } from './desktop-app.js';
import { addProject, desktopEnvironment, launchDesktop } from './desktop-app.js';

desktopEnvironment();

const LAST_LINE = 'worker: lost the database connection (ECONNREFUSED 127.0.0.1:5432)';

/**
 * `jobs`: one worker that runs until a file named `crash` appears in its folder, then
 * prints LAST_LINE to stderr and exits 3; with the file there, every restart crashes at once.
 */
function crashableProject(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'locald-desktop-jobs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'worker.cjs'),
    `const { existsSync } = require('node:fs');
const crash = () => { console.error(${JSON.stringify(LAST_LINE)}); process.exit(3); };
if (existsSync('crash')) crash();
require('node:http').createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('worker: ready'));
setInterval(() => { if (existsSync('crash')) crash(); }, 50);
`,
  );
  writeFileSync(join(dir, 'locald.toml'), 'name = "jobs"\n\n[services.worker]\ncommand = "node worker.cjs"\nready = { log = "worker: ready" }\n');
  return dir;
}

function workerRestarts(app: DesktopApp): number {
  return app.launch.projectStates.get('jobs')?.services.find((service) => service.name === 'worker')?.restarts ?? 0;
}

async function untilRestarts(app: DesktopApp, count: number): Promise<void> {
  await waitFor(() => (workerRestarts(app) >= count ? true : undefined), `the worker to be restarted ${count} times`, 30_000);
}

test('a crashing service: silent while "Notify on failures" is off; then one notification with the last log line, no flood, and its click opens the inspector on the service', async (t) => {
  const app = await launchDesktop(t);
  await app.waitForEngine();
  const dir = crashableProject(t);
  await addProject(app, dir, 'jobs');

  // Switched off in the tray, and kept in the project registry.
  const notify = await app.waitForItem(['jobs', 'Notify on failures']);
  assert.equal(notify.checked, true, 'on by default');
  app.click('jobs', 'Notify on failures');
  const saved = (): Array<[string, boolean | undefined]> =>
    (JSON.parse(readFileSync(join(app.userData, 'projects.json'), 'utf8')) as { projects: Array<{ dir: string; notify?: boolean }> }).projects.map((entry) => [entry.dir, entry.notify]);
  await waitFor(() => (saved()[0]?.[1] === false ? true : undefined), 'notify: false in projects.json');
  assert.deepEqual(saved(), [[dir, false]]);
  await app.waitForItem(['jobs', 'Notify on failures'], (item) => !item.checked);

  writeFileSync(join(dir, 'crash'), '');
  // Two crashes: the first one's log read has long come back by the second.
  await untilRestarts(app, 2);
  assert.deepEqual(app.launch.notifications.map((n) => n.title), [], 'no notification while switched off');

  app.click('jobs', 'Notify on failures');
  await waitFor(() => (saved()[0]?.[1] === true ? true : undefined), 'notify: true in projects.json');
  const restartsWhenOn = workerRestarts(app);
  const notification = await waitFor(() => app.launch.notifications[0], 'a notification', 30_000);
  assert.equal(notification.title, 'jobs: worker crashed');
  assert.match(notification.body, new RegExp(`^${LAST_LINE.replace(/[()]/g, '\\$&')}\\n`), 'the last log line first');
  assert.match(notification.body, /exited with code 3/);
  assert.equal(notification.shown, true);

  // The loop goes on (backoff 2 s, 4 s …); a crash within 30 s of the notice is not told again.
  await untilRestarts(app, restartsWhenOn + 2);
  assert.equal(app.launch.notifications.length, 1, `one notification for the crash loop: ${app.launch.notifications.map((n) => n.title).join(', ')}`);

  // Click: the inspector opens (no window was open) filtered to the service.
  assert.equal(app.launch.windows.length, 0);
  notification.click();
  const window = await app.window();
  assert.ok(window.page !== null);
  const filter = window.page.getByRole('combobox', { name: 'Filter traffic' });
  await waitFor(async () => ((await filter.inputValue()) === 'project:jobs service:worker' ? true : undefined), 'the inspector filtered to jobs/worker', 20_000);

  assert.equal(await app.quitFromTray(), 0);
  assert.deepEqual(app.errorDialogs(), []);
  assert.deepEqual(app.problems(), []);
});
