import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import {
  APP_ORIGIN,
  buildCsp,
  externalUrl,
  isAllowedNavigation,
  isTrustedSender,
  permissionDecision,
  resolveAppAsset,
  secureWebPreferences,
  windowOpenDecision,
} from '../../electron/logic/window-security.js';

describe('navigation and window.open', () => {
  it('allows navigation only within app://locald', () => {
    assert.equal(APP_ORIGIN, 'app://locald');
    assert.equal(isAllowedNavigation('app://locald/'), true);
    assert.equal(isAllowedNavigation('app://locald/inspector?project=shop#x'), true);
    for (const url of [
      'https://example.com/',
      'http://shop.localhost:7700/',
      'file:///etc/passwd',
      'app://other/',
      'app://user:pw@locald/',
      'javascript:alert(1)',
      'data:text/html,<script>1</script>',
      'not a url',
      '',
    ]) {
      assert.equal(isAllowedNavigation(url), false, url);
    }
  });

  it('never opens a new Electron window; only http(s) go to the system browser', () => {
    assert.deepEqual(windowOpenDecision('https://example.com/a?b=1'), { action: 'deny', openExternal: 'https://example.com/a?b=1' });
    assert.deepEqual(windowOpenDecision('http://shop.localhost:7700/'), { action: 'deny', openExternal: 'http://shop.localhost:7700/' });
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'app://locald/', 'ms-msdt:/id', '::::']) {
      assert.deepEqual(windowOpenDecision(url), { action: 'deny' }, url);
    }
    assert.equal(externalUrl('HTTPS://Example.COM'), 'https://example.com/');
  });

  it('trusts IPC only from app frames', () => {
    assert.equal(isTrustedSender('app://locald/index.html'), true);
    assert.equal(isTrustedSender('https://evil.example/'), false);
    assert.equal(isTrustedSender('about:blank'), false);
    assert.equal(isTrustedSender(null), false);
    assert.equal(isTrustedSender(undefined), false);
  });

  it('denies every permission', () => {
    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal', 'fullscreen']) {
      assert.equal(permissionDecision(permission), false);
    }
  });
});

describe('secureWebPreferences', () => {
  it('turns on the sandbox and isolation and turns off node', () => {
    const preload = resolve('/app/dist/electron/preload.cjs');
    const prefs = secureWebPreferences(preload);
    assert.equal(prefs.preload, preload);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.equal(prefs.nodeIntegrationInWorker, false);
    assert.equal(prefs.nodeIntegrationInSubFrames, false);
    assert.equal(prefs.webSecurity, true);
    assert.equal(prefs.allowRunningInsecureContent, false);
    assert.equal(prefs.webviewTag, false);
  });

  it('refuses a relative preload path (Electron would resolve it against the cwd)', () => {
    assert.throws(() => secureWebPreferences('preload.cjs'), /absolute/);
  });
});

describe('buildCsp', () => {
  it('defaults to none and allows only self for scripts, no inline script, no frames or objects', () => {
    const csp = buildCsp();
    const directives = new Map(csp.split('; ').map((part) => [part.split(' ')[0], part.split(' ').slice(1)]));
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('script-src'), ["'self'"]);
    assert.deepEqual(directives.get('object-src'), ["'none'"]);
    assert.deepEqual(directives.get('frame-src'), ["'none'"]);
    assert.deepEqual(directives.get('base-uri'), ["'none'"]);
    assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
    assert.ok(!csp.includes("'unsafe-eval'"));
    assert.ok(!/script-src[^;]*unsafe-inline/.test(csp));
  });

  it('adds a dev server origin only when asked', () => {
    const csp = buildCsp({ devServerOrigin: 'http://localhost:5173', connectSrc: ['ws://localhost:5173'] });
    assert.match(csp, /script-src 'self' http:\/\/localhost:5173;/);
    assert.match(csp, /connect-src 'self' http:\/\/localhost:5173 ws:\/\/localhost:5173;/);
  });
});

describe('resolveAppAsset', () => {
  const root = resolve('/srv/renderer');

  it('maps paths inside the renderer folder', () => {
    assert.deepEqual(resolveAppAsset('app://locald/assets/app.js', root), { ok: true, file: join(root, 'assets', 'app.js') });
    assert.deepEqual(resolveAppAsset('app://locald/', root), { ok: true, file: join(root, 'index.html') });
  });

  it('falls back to index.html for client-side routes', () => {
    assert.deepEqual(resolveAppAsset('app://locald/projects/shop', root), { ok: true, file: join(root, 'index.html') });
  });

  it('refuses traversal, encoded separators, NUL and foreign hosts', () => {
    // The URL parser itself folds %2e%2e segments, so they cannot climb above the root.
    assert.deepEqual(resolveAppAsset('app://locald/%2e%2e/%2e%2e/etc/passwd.txt', root), { ok: true, file: join(root, 'etc', 'passwd.txt') });
    for (const url of [
      'app://locald/..%2f..%2fsecret.txt',
      'app://locald/a%5c..%5c..%5csecret.txt',
      'app://locald/x%00.js',
    ]) {
      const result = resolveAppAsset(url, root);
      assert.equal(result.ok, false, url);
    }
    assert.deepEqual(resolveAppAsset('app://evil/index.html', root), { ok: false, status: 403, reason: 'unexpected origin app://evil' });
    assert.equal(resolveAppAsset('app://locald/%E0%A4%A', root).ok, false);
  });
});
