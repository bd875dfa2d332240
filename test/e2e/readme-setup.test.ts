// The README's set-up line, literally, in a fresh clone: `npm ci && npx locald up examples/shop`
// and nothing else. The dashboard URL it prints must open the inspector and show traffic.
// Slow (a real npm ci), so it runs once, here, and not in the integration suite.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { launchBrowser, repoRoot, viaProxy, waitFor } from './harness.js';

const DASHBOARD_URL = /http:\/\/locald\.localhost:\d+\/\?token=[\w-]+/;

test('a fresh clone: npm ci, then npx locald up examples/shop, gives a working dashboard', { timeout: 600_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'locald-fresh-clone-'));
  const clone = join(root, 'locald');
  const home = join(root, 'home');
  // The committed HEAD, not the working tree: what a user who clones gets.
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  execFileSync('git', ['clone', '--quiet', '--no-checkout', repoRoot, clone]);
  execFileSync('git', ['checkout', '--quiet', head], { cwd: clone });
  const env = { ...process.env, NO_COLOR: '1', LOCALD_HOME: home };
  // --prefer-offline: the registry is reachable, the local cache just makes it faster.
  execFileSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: clone, env, stdio: ['ignore', 'ignore', 'pipe'] });

  // Its own process group, so the whole npx -> node tree is stopped whatever npx does with signals.
  const child = spawn('npx', ['locald', 'up', 'examples/shop', '--http-port', '0'], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const browser = await launchBrowser();
  try {
    const dashboardUrl = await waitFor('the dashboard URL', () => DASHBOARD_URL.exec(out)?.[0], 60_000);
    const port = Number(new URL(dashboardUrl).port);
    await waitFor('shop to run', () => /shop is running/.test(out), 60_000);

    const { page } = browser;
    await page.goto(dashboardUrl);
    await page.getByRole('status', { name: 'Connection: connected' }).waitFor({ timeout: 20_000 });
    const res = await viaProxy(port, '/api/products?fresh-clone=1');
    assert.equal(res.status, 200);
    await page.locator('.traffic-row', { hasText: '/api/products?fresh-clone=1' }).waitFor({ timeout: 20_000 });
  } catch (e) {
    throw new Error(`${String(e)}\nlocald printed:\n${out}`);
  } finally {
    await browser.close();
    if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), 'SIGTERM');
    const timer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
    rmSync(root, { recursive: true, force: true });
  }
});
