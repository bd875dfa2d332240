// Add Project… while the tray still says "Engine starting…" (issue 16): main reads the
// login shell's environment before it starts the engine, and a slow shell profile keeps
// the app there for up to 10 s, right when a new user first clicks. The login shell here
// answers only once the test opens a gate, so "starting" lasts exactly as long as needed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../helpers/locald-cli.js';
import { desktopEnvironment, launchDesktop, loginShell } from './desktop-app.js';
import type { DialogRecord } from './electron-stand-in/dialogs.js';

desktopEnvironment();

const SHOP = join(REPO, 'examples', 'shop');

test('Add Project… while the engine is starting: no error dialog, the project is added once the engine is ready', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'locald-gate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const gate = join(dir, 'open');
  process.env.SHELL = loginShell(gate);

  const shown: DialogRecord[] = [];
  let engineWasUpForApproval = false;
  const app = await launchDesktop(t, {
    script: (dialog) => {
      shown.push(dialog);
      if (dialog.kind === 'openDialog') return SHOP;
      engineWasUpForApproval = app.enginePid() !== undefined;
      return dialog.options.title === 'Run shop?' ? 'Approve and Add' : null;
    },
  });
  await app.waitForItem(['Engine starting…']);
  assert.equal(app.enginePid(), undefined, 'the engine waits for the login shell');

  app.click('Add Project…');
  await app.waitForItem([/^Waiting for the engine to add shop/]);
  assert.deepEqual(app.errorDialogs(), []);

  writeFileSync(gate, '');
  await app.waitForItem([/^shop — running/], (item) => item.checked);
  assert.equal(engineWasUpForApproval, true, 'the approval dialog comes once the engine can read the config');
  assert.deepEqual(
    shown.map((dialog) => dialog.kind),
    ['openDialog', 'messageBox'],
    'one folder picker, one approval',
  );
  assert.equal(app.item(/^Waiting for the engine/), undefined, 'the waiting line goes once the project is added');
  assert.deepEqual(app.errorDialogs(), []);
  assert.equal(await app.quitFromTray(), 0);
  assert.deepEqual(app.problems(), []);
});
