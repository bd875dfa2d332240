// E2E harness: a real `locald up` child process and Debian's Chromium via playwright-core.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import WebSocket from 'ws';
import type { EngineMethod, ParamsOf, ResultOf } from '../../shared/api.js';
import { WireClient } from '../../shared/wire-client.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Where a test's screenshots go: docs/screenshots/ only when LOCALD_SCREENSHOTS=1 (refreshing
 * the committed pictures is a deliberate act), otherwise a temporary folder, so a test run
 * leaves the checkout as it found it (ports in the pictures would change them every run).
 */
export const screenshotDir: string = process.env.LOCALD_SCREENSHOTS === '1' ? join(repoRoot, 'docs/screenshots') : mkdtempSync(join(tmpdir(), 'locald-shots-'));
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const DASHBOARD_URL = /http:\/\/locald\.localhost:\d+\/\?token=[\w-]+/;

export async function waitFor<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError === null ? '' : `: ${String(lastError)}`}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Locald {
  child: ChildProcess;
  dashboardUrl: string;
  port: number;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `locald up <dir> --http-port 0 --home <tmp>` from the sources and waits for the dashboard URL.
 * `captureMaxTotalBytes` sets a small capture cap (--capture-max-total), to see what it drops.
 * `home` uses that state directory instead of a temporary one (the caller removes it).
 * `httpPort` binds that port instead of a free one (e.g. to restart on the port a tab uses).
 */
export async function startLocald(projectDir = join(repoRoot, 'examples/shop'), options: { captureMaxTotalBytes?: number; home?: string; httpPort?: number } = {}): Promise<Locald> {
  const ownHome = options.home === undefined;
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'locald-e2e-home-'));
  const cap = options.captureMaxTotalBytes === undefined ? [] : ['--capture-max-total', String(options.captureMaxTotalBytes)];
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'engine/cli/main.ts'), 'up', projectDir, '--http-port', String(options.httpPort ?? 0), '--home', home, ...cap], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  let exited = false;
  child.on('exit', () => (exited = true));
  const dashboardUrl = await waitFor('the dashboard URL on stdout', () => {
    if (exited) throw new Error(`locald exited early:\n${out}`);
    return DASHBOARD_URL.exec(out)?.[0];
  });
  const port = Number(new URL(dashboardUrl).port);
  return {
    child,
    dashboardUrl,
    port,
    output: () => out,
    stop: async () => {
      if (!exited) {
        child.kill('SIGTERM');
        await waitFor('locald to exit', () => exited, 20_000).catch(() => child.kill('SIGKILL'));
      }
      if (ownHome) rmSync(home, { recursive: true, force: true });
    },
  };
}

/** One engine call over the dashboard's socket, as the page makes it (token cookie, the dashboard's Host). */
export async function engineCall<M extends EngineMethod>(target: Pick<Locald, 'dashboardUrl' | 'port'>, method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
  const token = new URL(target.dashboardUrl).searchParams.get('token') ?? '';
  const ws = new WebSocket(`ws://127.0.0.1:${target.port}/api/ws`, { headers: { host: `locald.localhost:${target.port}`, cookie: `locald_token=${token}` } });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const client = new WireClient((message) => ws.send(JSON.stringify(message)));
    ws.on('message', (data: Buffer) => client.receive(JSON.parse(data.toString())));
    ws.on('error', () => undefined);
    // A socket that closes first fails the call instead of leaving it waiting for good.
    const closed = new Promise<never>((_resolve, reject) => ws.once('close', () => reject(new Error(`${method}: the engine socket closed`))));
    closed.catch(() => undefined);
    return await Promise.race([client.call(method, params), closed]);
  } finally {
    ws.close();
  }
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** `env` replaces Chromium's environment (e.g. another HOME, whose ~/.pki/nssdb it then reads). */
export async function launchBrowser(options: { colorScheme?: 'light' | 'dark'; width?: number; height?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'locald-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    acceptDownloads: true,
    colorScheme: options.colorScheme ?? 'light',
    viewport: { width: options.width ?? 1440, height: options.height ?? 900 },
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * `locald up` on a project (the shop by default) once it is running, and its dashboard open and
 * connected in a fresh Chromium. If any step fails, what was already started is stopped, so a
 * failed `before` leaves no process behind.
 */
export async function startWithDashboard(projectDir?: string, view: { width?: number; height?: number } = {}): Promise<{ locald: Locald; browser: Browser; page: Page }> {
  const locald = await startLocald(projectDir);
  let browser: Browser | undefined;
  try {
    await waitFor('shop to be running', () => locald.output().includes('shop is running'), 45_000);
    browser = await launchBrowser(view);
    const page = browser.page;
    await page.goto(locald.dashboardUrl);
    await page.getByRole('status', { name: 'Connection: connected' }).waitFor({ timeout: 15_000 });
    return { locald, browser, page };
  } catch (err) {
    await browser?.close();
    await locald.stop();
    throw err;
  }
}

/** A request through the proxy as a browser would send it, from Node to 127.0.0.1 (glibc does not resolve *.localhost). */
export async function viaProxy(port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; text: string }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: { host: `shop.localhost:${port}`, ...init.headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Every button, input, select, textarea and switch on the page without an accessible name. */
export const UNNAMED_CONTROLS_SCRIPT = `(() => {
  const named = (el) => {
    if ((el.getAttribute('aria-label') || '').trim()) return true;
    const by = el.getAttribute('aria-labelledby');
    if (by && by.split(/\\s+/).some((id) => (document.getElementById(id)?.textContent || '').trim())) return true;
    if (el.labels && [...el.labels].some((l) => l.textContent.trim())) return true;
    if (el.tagName === 'BUTTON' && (el.textContent || '').trim()) return true;
    if ((el.getAttribute('title') || '').trim()) return true;
    return false;
  };
  return [...document.querySelectorAll('button, input, select, textarea, [role=button], [role=switch], summary')]
    .filter((el) => !(el.tagName === 'INPUT' && el.type === 'hidden') && !el.hidden)
    .filter((el) => el.tagName === 'SUMMARY' ? !(el.textContent || '').trim() && !el.getAttribute('aria-label') : !named(el))
    .map((el) => el.outerHTML.slice(0, 120));
})()`;
