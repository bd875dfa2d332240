// traffic.importHar: a HAR from another tool lands in the engine's capture store, and its
// requests can be sent again (traffic.replay) to the project's real, running service.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startRuntime } from '../../engine/runtime.js';
import { waitFor } from '../e2e/harness.js';
import { tempHome, writeProjectDir } from '../helpers/locald-cli.js';

/** Answers with what it received, so the test sees the replayed request arrive. */
const ECHO = `import http from 'node:http';
http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(req.method + ' ' + req.url + ' ' + (req.headers['x-from'] ?? '') + ' ' + body));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

/** What a browser's devtools export looks like: no locald fields, another machine's port. */
const BROWSER_HAR = {
  log: {
    version: '1.2',
    creator: { name: 'WebInspector', version: '537.36' },
    entries: [
      {
        startedDateTime: '2026-12-01T10:00:00.000Z',
        time: 12,
        request: {
          method: 'POST',
          url: 'http://shop.localhost:7700/orders?x=1',
          httpVersion: 'HTTP/1.1',
          headers: [
            { name: 'Host', value: 'shop.localhost:7700' },
            { name: 'Content-Type', value: 'application/x-www-form-urlencoded' },
            { name: 'X-From', value: 'har' },
          ],
          queryString: [{ name: 'x', value: '1' }],
          cookies: [],
          headersSize: -1,
          bodySize: 5,
          postData: { mimeType: 'application/x-www-form-urlencoded', text: 'qty=2' },
        },
        response: {
          status: 201,
          statusText: 'Created',
          httpVersion: 'HTTP/1.1',
          headers: [{ name: 'Content-Type', value: 'text/plain' }],
          cookies: [],
          content: { size: 7, mimeType: 'text/plain', text: 'created' },
          redirectURL: '',
          headersSize: -1,
          bodySize: 7,
        },
        cache: {},
        timings: { send: 1, wait: 10, receive: 1 },
      },
      { startedDateTime: '2026-12-01T10:00:01.000Z', request: { method: 'GET' }, response: { status: 200 } },
    ],
  },
};

describe('traffic.importHar', () => {
  const cleanup: string[] = [];
  after(() => {
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  test('imports a browser HAR (bad entries reported with their path), and a replay of its request reaches the running service and is captured', async () => {
    const home = tempHome('locald-har-home-');
    const dir = writeProjectDir('name = "shop"\n\n[services.echo]\ncommand = "node echo.mjs"\n', 'locald-har-');
    cleanup.push(home, dir);
    writeFileSync(join(dir, 'echo.mjs'), ECHO);
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
      assert.equal(Buffer.from(body.base64, 'base64').toString(), 'POST /orders?x=1 har qty=2');

      await assert.rejects(rt.engine.call('traffic.importHar', {} as never), /'har' must be/);
      const notHar = await rt.engine.call('traffic.importHar', { har: [] });
      assert.deepEqual(notHar.imported, []);
      assert.equal(notHar.issues[0]?.path, 'log');
    } finally {
      await rt.close();
    }
  });
});
