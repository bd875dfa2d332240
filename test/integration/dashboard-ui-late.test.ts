// The dashboard looks for the built UI per request: a UI built while locald runs is served
// at once, without a restart (the README's set-up line may start locald before the build ends).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../../engine/runtime.js';
import { tempHome } from '../helpers/locald-cli.js';
import { request } from '../helpers/proxy-net.js';

test('the dashboard explains a missing UI, then serves it once built, without a restart', async () => {
  const staticDir = join(mkdtempSync(join(tmpdir(), 'locald-ui-')), 'renderer');
  const rt = await startRuntime({ home: tempHome(), httpPort: 0, tls: false, staticDir });
  try {
    const host = `locald.localhost:${rt.port}`;
    const visit = await request(rt.port, { host, path: `/?token=${rt.dashboard.token}` });
    const cookie = String(visit.headers['set-cookie']).split(';')[0] as string;
    const page = (path: string) => request(rt.port, { host, path, headers: { cookie } });

    const before = await page('/');
    assert.equal(before.status, 503);
    assert.match(before.text, /the UI is not built .*npm run build:renderer/);
    assert.equal(before.headers['cache-control'], 'no-store');

    mkdirSync(join(staticDir, 'assets'), { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>locald inspector</title><script type="module" src="./assets/app.js"></script>');
    writeFileSync(join(staticDir, 'assets', 'app.js'), 'export const built = true;\n');

    const after = await page('/');
    assert.equal(after.status, 200);
    assert.match(after.text, /<title>locald inspector<\/title>/);
    const asset = await page('/assets/app.js');
    assert.equal(asset.status, 200);
    assert.match(asset.text, /built = true/);
    // Client-side routes fall back to index.html, as before.
    assert.match((await page('/traffic/123')).text, /<title>locald inspector<\/title>/);
  } finally {
    await rt.close();
    rmSync(staticDir, { recursive: true, force: true });
  }
});
