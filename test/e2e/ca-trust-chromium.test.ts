// `locald ca --install` as a new Linux user runs it, checked by the browser it is for: a HOME
// where Chromium has never run (no ~/.pki/nssdb), the real CLI, a real `locald up` serving a
// project over https, then a fresh Chromium started with that HOME (on Linux it reads
// $HOME/.pki/nssdb for locally trusted CAs). No certificate errors are ignored anywhere.
// --no-system-store keeps the machine's store (CI runs as root) out of it, so the trust the
// browser shows can only come from the user's NSS database.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { programExists } from '../../engine/tls/trust-run.js';
import { launchBrowser, repoRoot, startLocald, type Locald } from './harness.js';

const SYSTEM_ANCHOR = '/usr/local/share/ca-certificates/locald.crt';
const skip = process.platform === 'linux' && (await programExists('certutil')) ? false : 'needs Linux and certutil (apt-get install libnss3-tools)';

const SERVER = `require('node:http')
  .createServer((req, res) => res.end('<!doctype html><title>trusted</title><p>served by try</p>'))
  .listen(Number(process.env.PORT), '127.0.0.1');
`;

/** The real CLI from the sources, as the user (HOME) with locald's state in LOCALD_HOME. */
function runCa(args: string[], env: { HOME: string; LOCALD_HOME: string }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'engine/cli/main.ts'), 'ca', ...args],
      { cwd: repoRoot, env: { ...process.env, ...env, NO_COLOR: '1' }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, output: stdout + stderr }),
    );
  });
}

/** Loads the page in a fresh Chromium profile that runs with HOME=userHome. */
async function visit(userHome: string, url: string): Promise<{ ok: true; secure: boolean; text: string; issuer: string | undefined } | { ok: false; error: string }> {
  const browser = await launchBrowser({ env: { ...process.env, HOME: userHome } });
  try {
    const response = await browser.page.goto(url, { timeout: 20_000 });
    const secure = (await browser.page.evaluate('window.isSecureContext')) as boolean;
    const text = (await browser.page.textContent('body')) ?? '';
    return { ok: true, secure, text, issuer: (await response?.securityDetails())?.issuer };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  } finally {
    await browser.close();
  }
}

describe('e2e: locald ca --install makes a fresh Chromium on Linux trust https://<project>.localhost', { skip }, () => {
  let userHome: string;
  let home: string;
  let projectDir: string;
  let locald: Locald | undefined;
  let url: string;
  let systemAnchorBefore: boolean;

  before(async () => {
    userHome = mkdtempSync(join(tmpdir(), 'locald-e2e-trust-user-'));
    home = mkdtempSync(join(tmpdir(), 'locald-e2e-trust-home-'));
    projectDir = mkdtempSync(join(tmpdir(), 'locald-e2e-trust-project-'));
    writeFileSync(join(projectDir, 'server.js'), SERVER);
    writeFileSync(join(projectDir, 'locald.toml'), ['name = "try"', '[services.web]', 'command = "node server.js"', 'ready = { http = "/" }', ''].join('\n'));
    systemAnchorBefore = existsSync(SYSTEM_ANCHOR);
    locald = await startLocald(projectDir, { home });
    url = `https://try.localhost:${locald.port}/`;
  });

  after(async () => {
    // Never leave this machine trusting a test CA, even if an assertion failed half-way.
    await runCa(['--uninstall', '--no-system-store'], { HOME: userHome, LOCALD_HOME: home });
    await locald?.stop();
    for (const dir of [userHome, home, projectDir]) rmSync(dir, { recursive: true, force: true });
  });

  it('install creates the NSS database, Chromium then loads the page as a secure context; uninstall takes the trust away', async () => {
    const env = { HOME: userHome, LOCALD_HOME: home };
    const nssdb = join(userHome, '.pki', 'nssdb');
    assert.equal(existsSync(nssdb), false, 'a HOME where Chromium never ran');

    const install = await runCa(['--install', '--no-system-store'], env);
    assert.equal(install.code, 0, install.output);
    assert.match(install.output, new RegExp(`\\nadded {3}NSS database ${nssdb.replaceAll('.', '\\.')} \\(Chromium\\): ran mkdir -p -m 0700 `), install.output);
    assert.doesNotMatch(install.output, /will still not trust|system store/, install.output);
    assert.equal(statSync(nssdb).mode & 0o777, 0o700);

    const trusted = await visit(userHome, url);
    assert.ok(trusted.ok, `Chromium refused the page: ${trusted.ok ? '' : trusted.error}\n${install.output}`);
    assert.equal(trusted.secure, true, 'window.isSecureContext');
    assert.match(trusted.text, /served by try/);
    const caSubject = /subject: +(.*)/.exec((await runCa([], env)).output)?.[1];
    assert.equal(trusted.issuer, caSubject, 'the certificate Chromium accepted was issued by locald\'s CA');

    const uninstall = await runCa(['--uninstall', '--no-system-store'], env);
    assert.equal(uninstall.code, 0, uninstall.output);
    assert.match(uninstall.output, /\nremoved NSS database \S+ \(Chromium\): ran certutil /, uninstall.output);

    const untrusted = await visit(userHome, url);
    assert.equal(untrusted.ok, false, 'a fresh Chromium no longer trusts the CA');
    assert.match(untrusted.ok ? '' : untrusted.error, /ERR_CERT_AUTHORITY_INVALID/);
  });

  it('left the system store as it was', () => {
    assert.equal(existsSync(SYSTEM_ANCHOR), systemAnchorBefore);
    if (existsSync(SYSTEM_ANCHOR)) assert.notEqual(readFileSync(SYSTEM_ANCHOR, 'utf8'), readFileSync(join(home, 'ca', 'ca.pem'), 'utf8'));
  });
});
