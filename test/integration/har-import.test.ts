// traffic.importHar: a HAR from another tool lands in the engine's capture store, and its
// requests can be sent again (traffic.replay) to the project's real, running service.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startRuntime } from '../../engine/runtime.js';
import { waitFor } from '../e2e/harness.js';
import { browserHar, browserHarEntry, ECHO_REQUEST_SERVICE } from '../helpers/har-fixture.js';
import { tempHome, writeProjectDir } from '../helpers/locald-cli.js';

/** What a browser's devtools export looks like, plus an entry without a URL. */
const BROWSER_HAR = browserHar([
  browserHarEntry('http://shop.localhost:7700/orders?x=1', 'qty=2'),
  { startedDateTime: '2026-12-01T10:00:01.000Z', request: { method: 'GET' }, response: { status: 200 } },
]);

describe('traffic.importHar', () => {
  const cleanup: string[] = [];
  after(() => {
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  test('imports a browser HAR (bad entries reported with their path), and a replay of its request reaches the running service and is captured', async () => {
    const home = tempHome('locald-har-home-');
    const dir = writeProjectDir('name = "shop"\n\n[services.echo]\ncommand = "node echo.mjs"\n', 'locald-har-');
    cleanup.push(home, dir);
    writeFileSync(join(dir, 'echo.mjs'), ECHO_REQUEST_SERVICE);
    const rt = await startRuntime({ home, httpPort: 0, tls: false });
    try {
      await rt.engine.addProject(dir);
      await rt.engine.startProject('shop');

      const { imported, issues } = await rt.engine.call('traffic.importHar', { har: BROWSER_HAR });
      assert.equal(imported.length, 1);
      assert.deepEqual(
        issues.map((i) => [i.entry, i.path]),
        [[1, 'log.entries[1].request.url']],
      );
      const [entry] = imported;
      assert.ok(entry !== undefined);
      assert.equal(entry.method, 'POST');
      assert.equal(entry.status, 201);
      assert.ok(rt.traffic.list().some((s) => s.id === entry.id), 'the imported exchange is in the engine store');

      const replay = await waitFor('a replay the running service answers', async () => {
        const sent = await rt.engine.call('traffic.replay', { id: entry.id }).catch(() => undefined);
        return sent?.status === 200 ? sent : undefined;
      }, 60_000);
      assert.equal(replay.replayOf, entry.id);
      assert.equal(replay.method, 'POST');
      const body = await rt.engine.call('traffic.body', { id: replay.id, which: 'response' });
      assert.equal(Buffer.from(body.base64, 'base64').toString(), 'echo POST /orders?x=1 qty=2');

      await assert.rejects(rt.engine.call('traffic.importHar', {} as never), /'har' must be/);
      const notHar = await rt.engine.call('traffic.importHar', { har: [] });
      assert.deepEqual(notHar.imported, []);
      assert.equal(notHar.issues[0]?.path, 'log');
    } finally {
      await rt.close();
    }
  });
});
