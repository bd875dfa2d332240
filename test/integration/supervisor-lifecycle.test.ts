import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { recordFileName } from '../../engine/supervisor/pid-records.js';
import { harness, nodeFixture, pidExists, project, service, waitUntilGone } from './supervisor-kit.js';

function getJson(port: number, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body));
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      })
      .on('error', reject);
  });
}

test('a service starts with $PORT and env, becomes ready over TCP, logs, and stops cleanly', async (t) => {
  const h = harness(t, project('shop', [service('api', nodeFixture('http-server.js'), { env: { GREETING: 'hello', SHARED: 'service' } })]), {
    extraEnv: { EXTRA_CA: '/tmp/ca.pem', SHARED: 'extra' },
  });
  await h.supervisor.start();
  const state = h.supervisor.state('api');
  assert.ok(state);
  assert.equal(state.status, 'ready', JSON.stringify(state));
  assert.equal(state.reason, null);
  assert.ok(state.port !== null && state.port > 0);
  assert.ok(state.pid !== null && pidExists(state.pid));
  assert.equal(state.restarts, 0);

  const env = await getJson(state.port, '/env?names=PORT,GREETING,EXTRA_CA,SHARED');
  assert.deepEqual(env, { PORT: String(state.port), GREETING: 'hello', EXTRA_CA: '/tmp/ca.pem', SHARED: 'service' });

  // The pid record exists while it runs, with the pid and its group.
  const recordFile = join(h.stateDir, 'processes', recordFileName('shop', 'api'));
  const record = JSON.parse(readFileSync(recordFile, 'utf8')) as { pid: number; pgid: number; startTime: string | null };
  assert.equal(record.pid, state.pid);
  assert.equal(record.pgid, state.pid);
  if (process.platform === 'linux') assert.match(record.startTime ?? '', /^linux:\d+$/);

  // Output lines and system events, in seq order.
  await h.waitForLine('api', /listening on http:\/\/127\.0\.0\.1:\d+/);
  const logs = h.supervisor.logs({ service: 'api' });
  assert.ok(logs.some((l) => l.stream === 'stdout' && /^http-server pid \d+ starting$/.test(l.text)));
  assert.ok(logs.some((l) => l.stream === 'system' && l.text.startsWith('starting: ')));
  assert.ok(logs.some((l) => l.stream === 'system' && l.text.startsWith('ready on port')));
  for (let i = 1; i < logs.length; i++) assert.ok((logs[i]?.seq ?? 0) > (logs[i - 1]?.seq ?? 0));
  assert.deepEqual(h.supervisor.logs({ service: 'api', limit: 2 }), logs.slice(-2));
  const after = logs[1]?.seq ?? 0;
  assert.deepEqual(h.supervisor.logs({ afterSeq: after }), logs.filter((l) => l.seq > after));

  await h.supervisor.stop();
  const stopped = h.supervisor.state('api');
  assert.equal(stopped?.status, 'stopped');
  assert.equal(stopped?.pid, null);
  assert.ok(stopped?.lastExit !== null);
  await waitUntilGone(state.pid);
  assert.equal(existsSync(recordFile), false, 'pid record removed on stop');
  const statuses = h.history.filter((e) => e.state.name === 'api').map((e) => e.state.status);
  assert.deepEqual([...new Set(statuses)], ['starting', 'ready', 'stopping', 'stopped']);
});
