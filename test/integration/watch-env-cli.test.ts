// `locald up` with watch and env_file, end to end: the built CLI, a real service, the proxy.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startLocald, type LocaldProcess } from '../helpers/locald-cli.js';
import { request, waitFor } from '../helpers/proxy-net.js';
import { nodeFixture } from './supervisor-kit.js';

describe('locald up: watch and env_file', () => {
  let dir = '';
  let locald: LocaldProcess;
  let port = 0;
  const get = (path: string): ReturnType<typeof request> => request(port, { host: `watchy.localhost:${port}`, path });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'locald-watch-cli-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'version.txt'), 'v1');
    writeFileSync(join(dir, '.env'), 'export FROM_FILE=file\nSHARED=file\nURL="http://${FROM_FILE}:1"\n# a comment\nAPI_KEY=sk_test_1\n');
    writeFileSync(join(dir, '.env.local'), 'FROM_LOCAL=local\nSHARED=local\n');
    writeFileSync(
      join(dir, 'locald.toml'),
      [
        'name = "watchy"',
        '[services.web]',
        `command = ${JSON.stringify(nodeFixture('serve-file.js'))}`,
        'watch = ["src/**/*.txt"]',
        'debounce = 100',
        'env_file = [".env", ".env.local", { path = ".env.missing", optional = true }]',
        'env = { FROM_TOML = "toml", SHARED = "toml" }',
        '',
      ].join('\n'),
    );
    locald = startLocald(['up', dir, '--http-port', '0']);
    port = await locald.port();
    await locald.waitForOutput(/watchy is running at/, 60_000);
  });

  after(async () => {
    await locald?.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('env_file values reach the service; later files win, and env = {} wins over files', async () => {
    const res = await get('/env?names=FROM_FILE,FROM_LOCAL,FROM_TOML,SHARED,URL,API_KEY');
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.text), { FROM_FILE: 'file', FROM_LOCAL: 'local', FROM_TOML: 'toml', SHARED: 'toml', URL: 'http://file:1', API_KEY: 'sk_test_1' });
  });

  it('a save restarts the service and the proxy serves the new version; an edited .env is read again at that restart', async () => {
    assert.equal((await get('/')).text, 'v1');
    writeFileSync(join(dir, '.env.local'), 'FROM_LOCAL=edited\n');
    const savedAt = Date.now();
    writeFileSync(join(dir, 'src', 'version.txt'), 'v2');
    await waitFor(async () => ((await get('/').catch(() => null))?.text === 'v2' ? true : undefined), 'the proxy to serve v2', 20_000);
    const latency = Date.now() - savedAt;
    const env = JSON.parse((await get('/env?names=FROM_LOCAL')).text) as Record<string, string>;
    assert.equal(env.FROM_LOCAL, 'edited');
    assert.match(locald.output(), /src\/version\.txt changed: restarting/);
    console.log(`# save to new version through the proxy: ${latency} ms`);
  });
});
