// The Rules view in Chromium against a real `locald up examples/shop`: a rule made from a
// captured exchange, a mock added through the editor and seen by the engine (rules.list) and
// in the export, delete and reorder, and the engine's located error for an invalid matcher.
// Screenshots of the view and the editor go to docs/screenshots/ with LOCALD_SCREENSHOTS=1.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { engineCall, repoRoot, screenshotDir, startWithDashboard, UNNAMED_CONTROLS_SCRIPT, viaProxy, waitFor, type Browser, type Locald } from './harness.js';

let locald: Locald;
let browser: Browser;
let page: Page;
/** A copy of examples/shop with a committed locald.rules.toml (one rule), so project rules show too. */
let projectDir: string;
const PROJECT_RULES = '[[rule]]\nmatch = "path:/from-the-file"\nfail = "reset"\n';

before(async () => {
  if (!existsSync(join(repoRoot, 'dist/renderer/index.html'))) {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '-c', 'renderer/vite.config.ts', '--logLevel', 'warn'], { cwd: repoRoot, stdio: 'inherit' });
  }
  projectDir = mkdtempSync(join(tmpdir(), 'locald-e2e-rules-'));
  cpSync(join(repoRoot, 'examples/shop'), projectDir, { recursive: true });
  writeFileSync(join(projectDir, 'locald.rules.toml'), PROJECT_RULES);
  ({ locald, browser, page } = await startWithDashboard(projectDir, { width: 1400, height: 820 }));
});

after(async () => {
  await browser?.close();
  await locald?.stop();
  if (projectDir !== undefined) rmSync(projectDir, { recursive: true, force: true });
});

/** Writes <screenshotDir>/<name>-light.png and -dark.png. */
async function shot(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    await page.screenshot({ path: join(screenshotDir, `${name}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function userRules() {
  return (await engineCall(locald, 'rules.list', { project: 'shop' })).rules.filter((r) => r.source === 'user');
}

const editor = () => page.getByRole('region', { name: /^(New rule|Edit rule)$/ });

describe('rules view', () => {
  it('makes a rule from a captured exchange, pre-filled with its matcher and its answer', async () => {
    const answer = await viaProxy(locald.port, '/api/products?page=3');
    assert.equal(answer.status, 200);
    await page.getByRole('tab', { name: 'Traffic' }).click();
    const row = page.locator('.traffic-row', { hasText: '/api/products?page=3' }).first();
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    await page.getByRole('button', { name: 'Make a rule' }).click();
    await editor().waitFor();
    assert.equal(await page.getByRole('tab', { name: 'Rules' }).getAttribute('aria-selected'), 'true');
    assert.equal(await page.getByRole('combobox', { name: 'Match' }).inputValue(), `method:GET path:/api/products host:shop.localhost:${locald.port} service:api`);
    assert.equal(await page.getByLabel('Action').inputValue(), 'mock');
    assert.equal(await page.getByLabel('Status', { exact: true }).inputValue(), '200');
    assert.match(await page.getByLabel(/^Response headers/).inputValue(), /^content-type: application\/json/im);
    assert.equal(await page.getByLabel('Response body').inputValue(), answer.text, 'the captured body');
    assert.deepEqual(await page.evaluate(UNNAMED_CONTROLS_SCRIPT), []);
    await shot('rules-editor');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await editor().waitFor({ state: 'detached' });
    // The same from the list: a right-click on the row.
    await page.getByRole('tab', { name: 'Traffic' }).click();
    await row.click({ button: 'right' });
    await editor().waitFor();
    assert.match(await page.getByRole('combobox', { name: 'Match' }).inputValue(), /^method:GET path:\/api\/products /);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await editor().waitFor({ state: 'detached' });
  });

  it('names the field of a value the form cannot read, before asking the engine', async () => {
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByLabel('Status', { exact: true }).fill('abc');
    await page.getByRole('button', { name: 'Save rule' }).click();
    const errors = page.getByRole('alert', { name: 'Rule errors' });
    await errors.waitFor({ timeout: 10_000 });
    assert.match((await errors.textContent()) ?? '', /mock\.status: “abc” is not a whole number/);
    await page.getByLabel('Action').selectOption('delay');
    await page.getByLabel('Latency').fill('soon');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await errors.getByText('delay:').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Cancel' }).click();
    await editor().waitFor({ state: 'detached' });
  });

  it('adds a mock rule through the editor: listed, in the engine, and in the export', async () => {
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByRole('combobox', { name: 'Match' }).fill('method:GET path:/api/flags');
    await page.getByLabel('Status', { exact: true }).fill('200');
    await page.getByLabel(/^Response headers/).fill('content-type: application/json');
    await page.getByLabel('Response body').fill('{"beta":true}');
    await page.getByRole('button', { name: 'Save rule' }).click();
    const listed = page.getByRole('row', { name: 'Rule 1: method:GET path:/api/flags' });
    await listed.waitFor({ timeout: 10_000 });
    assert.match((await listed.textContent()) ?? '', /mock 200/);
    const rules = await userRules();
    assert.equal(rules.length, 1);
    assert.equal(rules[0]?.match, 'method:GET path:/api/flags');
    assert.deepEqual(rules[0]?.mock, { status: 200, headers: { 'content-type': 'application/json' }, body: '{"beta":true}' });
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export rules' }).click();
    const file = await (await download).path();
    const toml = readFileSync(file, 'utf8');
    assert.match(toml, /match = "method:GET path:\/api\/flags"/);
    assert.match(toml, /beta/);
  });

  it('reorders and deletes rules', async () => {
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByRole('combobox', { name: 'Match' }).fill('path:/api/slow');
    await page.getByLabel('Action').selectOption('delay');
    await page.getByLabel('Latency').fill('300ms');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByRole('row', { name: 'Rule 2: path:/api/slow' }).waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Edit rule 2' }).click();
    assert.equal(await page.getByLabel('Latency').inputValue(), '300ms', 'the editor opens on the saved rule');
    await page.getByLabel('Latency').fill('1.5s');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await waitFor('the edited delay in the engine', async () => JSON.stringify((await userRules())[1]?.delay) === '{"ms":1500}', 10_000);
    await page.getByRole('row', { name: 'Rule 2: path:/api/slow' }).getByText('delay 1500ms').waitFor({ timeout: 10_000 });
    await shot('rules-view');
    await page.getByRole('button', { name: 'Move rule 2 up' }).click();
    await page.getByRole('row', { name: 'Rule 1: path:/api/slow' }).waitFor({ timeout: 10_000 });
    assert.deepEqual(
      (await userRules()).map((r) => r.match),
      ['path:/api/slow', 'method:GET path:/api/flags'],
    );
    await page.getByRole('button', { name: 'Delete rule 1' }).click();
    await page.getByRole('row', { name: 'Rule 1: method:GET path:/api/flags' }).waitFor({ timeout: 10_000 });
    assert.deepEqual(
      (await userRules()).map((r) => r.match),
      ['method:GET path:/api/flags'],
    );
    await page.getByRole('checkbox', { name: 'Enable rule 1' }).uncheck();
    await waitFor('the rule to be disabled in the engine', async () => (await userRules())[0]?.enabled === false, 10_000);
    await page.getByRole('checkbox', { name: 'Enable rule 1' }).check();
    await waitFor('the rule to be enabled again', async () => (await userRules())[0]?.enabled === true, 10_000);
  });

  it('imports rules from a TOML file after the existing ones', async () => {
    const toml = '[[rule]]\nmatch = "path:/api/pay"\nfail = 503\n';
    await page.getByLabel('Rules file to import').setInputFiles({ name: 'team.locald.rules.toml', mimeType: 'text/plain', buffer: Buffer.from(toml) });
    const imported = page.getByRole('row', { name: 'Rule 2: path:/api/pay' });
    await imported.waitFor({ timeout: 10_000 });
    assert.match((await imported.textContent()) ?? '', /fail with 503/);
    assert.deepEqual((await userRules()).map((r) => [r.match, r.fail]), [
      ['method:GET path:/api/flags', undefined],
      ['path:/api/pay', { kind: 'status', status: 503 }],
    ]);
  });

  it("shows the engine's located error for an invalid matcher and keeps the form", async () => {
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByRole('combobox', { name: 'Match' }).fill('colour:blue');
    await page.getByRole('button', { name: 'Save rule' }).click();
    const errors = page.getByRole('alert', { name: 'Rule errors' });
    await errors.waitFor({ timeout: 10_000 });
    const text = (await errors.textContent()) ?? '';
    assert.match(text, /match/, `located at the matcher: ${text}`);
    assert.match(text, /colour/, `names the bad term: ${text}`);
    assert.equal(await page.getByRole('combobox', { name: 'Match' }).inputValue(), 'colour:blue', 'the form keeps what was typed');
    await shot('rules-invalid');
    assert.equal((await userRules()).length, 2, 'nothing added');
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it("lists the project file's rules read-only after the user's, and its located problems while the last valid rules stay", async () => {
    const fileRow = page.getByRole('row', { name: /^Rule \d+: path:\/from-the-file$/ });
    await fileRow.waitFor({ timeout: 10_000 });
    assert.match((await fileRow.textContent()) ?? '', /from the project/);
    assert.equal(await fileRow.getByRole('button', { name: /^Delete/ }).count(), 0, 'no delete on a project rule');
    assert.equal(await fileRow.getByRole('checkbox').isDisabled(), true, 'its switch is the file’s');
    await fileRow.getByRole('button', { name: /^View rule/ }).click();
    await page.getByRole('region', { name: 'Rule from the project' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save rule' }).count(), 0, 'nothing to save');
    assert.equal(await page.getByLabel('Action').isDisabled(), true);
    await page.getByRole('button', { name: 'Close' }).click();
    // A broken file: the view says where, from the engine's rules.changed event; the rule stays.
    writeFileSync(join(projectDir, 'locald.rules.toml'), `${PROJECT_RULES}\n[[rule]]\nmatch = "path:/x"\nfail = "sometimes"\n`);
    const problems = page.getByRole('alert', { name: 'Problems in locald.rules.toml' });
    await problems.waitFor({ timeout: 15_000 });
    assert.match((await problems.textContent()) ?? '', /locald\.rules\.toml:\d+(:\d+)?:.*fail/);
    await fileRow.waitFor();
    writeFileSync(join(projectDir, 'locald.rules.toml'), PROJECT_RULES);
    await problems.waitFor({ state: 'detached', timeout: 15_000 });
  });

  it('warns, without refusing the file, about a rule that maps to a service the project lacks, naming the nearest one', async () => {
    writeFileSync(join(projectDir, 'locald.rules.toml'), `${PROJECT_RULES}\n[[rule]]\nmatch = "path:/v2"\nmap = { service = "apii" }\n`);
    const warning = page.getByRole('status', { name: 'Rules that name a missing service' });
    await warning.waitFor({ timeout: 15_000 });
    assert.match((await warning.textContent()) ?? '', /1 rule maps to a service.*locald\.rules\.toml:7:19: \[rule\[1\]\.map\.service\] maps to unknown service "apii".*did you mean "api"\?/s);
    await page.getByRole('row', { name: /^Rule \d+: path:\/v2$/ }).waitFor();
    assert.equal(await page.getByRole('alert', { name: 'Problems in locald.rules.toml' }).count(), 0, 'the file itself is valid');
    await shot('rules-map-warning');
    writeFileSync(join(projectDir, 'locald.rules.toml'), PROJECT_RULES);
    await warning.waitFor({ state: 'detached', timeout: 15_000 });
  });
});
