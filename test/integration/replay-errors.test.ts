// Replay requests that cannot be sent (or could not be captured) are refused by the engine
// API with invalid_params naming the field, before anything reaches the proxy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineErrorShape } from '../../shared/api.js';
import type { ExchangeSummary, ReplayEdits } from '../../shared/traffic.js';
import { toErrorShape } from '../../engine/engine-error.js';
import { startRuntime, type Runtime } from '../../engine/runtime.js';
import { tempHome } from '../helpers/locald-cli.js';
import { request, waitFor } from '../helpers/proxy-net.js';
import { closeSession, connectH2c, h2Request } from '../helpers/h2-kit.js';

describe('traffic.replay: one validation step, invalid_params with the field named', () => {
  let rt: Runtime;
  let h1: ExchangeSummary;
  let h2: ExchangeSummary;

  before(async () => {
    rt = await startRuntime({ home: tempHome('locald-replay-'), httpPort: 0 });
    // Captured 404s from a project that does not exist: no services need to run.
    await request(rt.port, { host: `nope.localhost:${rt.port}`, path: '/h1', headers: { 'x-a': '1' } });
    const session = connectH2c(rt.port);
    try {
      await h2Request(session, { ':path': '/h2', ':authority': `nope.localhost:${rt.port}` });
    } finally {
      await closeSession(session);
    }
    h1 = await waitFor(() => rt.traffic.list().find((s) => s.url === '/h1' && s.state !== 'pending'), 'the HTTP/1.1 exchange');
    h2 = await waitFor(() => rt.traffic.list().find((s) => s.url === '/h2' && s.state !== 'pending'), 'the HTTP/2 exchange');
  });

  after(async () => {
    await rt?.close();
  });

  async function refusal(id: number, edits: unknown): Promise<EngineErrorShape> {
    const before = rt.traffic.list().length;
    const shape = await rt.engine.call('traffic.replay', { id, edits: edits as ReplayEdits }).then(
      (s) => assert.fail(`replayed as exchange ${s.id}`),
      (err: unknown) => toErrorShape(err),
    );
    assert.equal(rt.traffic.list().length, before, 'nothing was sent');
    return shape;
  }

  test('a CR/LF in an edited :authority', async () => {
    const d = await rt.engine.call('traffic.get', { id: h2.id });
    const headers = d.requestHeaders.map(([n, v]): [string, string] => (n === ':authority' ? [n, `${v}\r\nX-Injected: 1`] : [n, v]));
    const index = headers.findIndex(([n]) => n === ':authority');
    assert.deepEqual(await refusal(h2.id, { headers }), {
      code: 'invalid_params',
      message: `headers[${index}].value: contains CR/LF`,
      details: { field: `headers[${index}].value` },
    });
  });

  test('two Host headers, and an :authority next to a different Host', async () => {
    const two = await refusal(h1.id, { headers: [['Host', `nope.localhost:${rt.port}`], ['Host', `other.localhost:${rt.port}`]] });
    assert.equal(two.code, 'invalid_params');
    assert.match(two.message, /^headers: two Host headers/);
    assert.deepEqual(two.details, { field: 'headers' });
    const mixed = await refusal(h2.id, { headers: [[':authority', `nope.localhost:${rt.port}`], ['host', `other.localhost:${rt.port}`]] });
    assert.match(mixed.message, /^headers: two Host headers/);
  });

  test('a replay aimed at the dashboard, by URL or by Host', async () => {
    const byUrl = await refusal(h1.id, { url: `http://locald.localhost:${rt.port}/api/ws` });
    assert.equal(byUrl.code, 'invalid_params');
    assert.match(byUrl.message, /^url: targets the locald dashboard/);
    assert.deepEqual(byUrl.details, { field: 'url' });
    const byHost = await refusal(h1.id, { headers: [['X-A', '1'], ['Host', `locald.localhost:${rt.port}`]] });
    assert.match(byHost.message, /^headers\[1\]\.value: targets the locald dashboard/);
  });

  test('malformed edits are named too, never internal', async () => {
    const cases: [unknown, string][] = [
      [{ headers: 'Host: x' }, 'headers'],
      [{ headers: [['X-A']] }, 'headers[0]'],
      [{ url: '/caf\u00e9' }, 'url'],
      [{ headers: [['X-A', '\u65e5']] }, 'headers[0].value'],
      [{ method: 7 }, 'method'],
      ['everything', 'edits'],
    ];
    for (const [edits, field] of cases) {
      const shape = await refusal(h1.id, edits);
      assert.equal(shape.code, 'invalid_params', JSON.stringify(edits));
      assert.deepEqual(shape.details, { field }, shape.message);
      assert.ok(shape.message.startsWith(`${field}: `), shape.message);
    }
  });

  test('a valid edit still replays and is captured', async () => {
    const replay = await rt.engine.call('traffic.replay', { id: h2.id, edits: { url: '/h2-again' } });
    assert.equal(replay.replayOf, h2.id);
    assert.equal(replay.url, '/h2-again');
    assert.equal(replay.status, 404);
  });
});
