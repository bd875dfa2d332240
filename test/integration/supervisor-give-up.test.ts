import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatLogLine } from '../../engine/cli/format.js';
import { harness, nodeFixture, project, service, tempDir, waitFor } from './supervisor-kit.js';

// Short waits so a run of failures takes well under a second per start.
const FAST = { maxFailedStarts: 3, backoff: { initialMs: 50, maxMs: 200 } };

function spawnCount(file: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

test('a service that keeps failing at start is given up on, stays down, and a manual restart clears it', async (t) => {
  const spawns = join(tempDir(t), 'spawns.log');
  const h = harness(t, project('p', [service('broken', nodeFixture('fail-fast.js'), { restart: 'on-failure', env: { SPAWN_LOG: spawns } })]), FAST);
  await h.supervisor.start();
  const gaveUp = await h.waitForState('broken', (s) => s.gaveUpAfter === 3, 'given up', 20_000);
  assert.equal(gaveUp.status, 'crashed');
  assert.equal(gaveUp.reason, 'gave up after 3 failures; fix it and restart');
  assert.equal(gaveUp.nextRestartAt, null);
  // The terminal's line for it: locald's own, said once.
  const said = h.lines.filter((l) => l.service === 'broken' && l.stream === 'system' && l.text.includes('gave up'));
  assert.equal(said.length, 1);
  assert.equal(formatLogLine(said[0]!, false, 0), 'locald: p/broken exited with code 1; gave up after 3 failures; fix it and restart');
  assert.equal(spawnCount(spawns), 3);
  // Not respawned afterwards: five of the longest backoff periods pass with no new start.
  await new Promise((r) => setTimeout(r, FAST.backoff.maxMs * 5));
  assert.equal(spawnCount(spawns), 3);
  assert.equal(h.supervisor.state('broken')?.status, 'crashed');

  // restartService resolves with the state after the first new failure: backing off again.
  const restarted = await h.supervisor.restartService('broken');
  assert.equal(restarted.status, 'backoff');
  assert.equal(restarted.gaveUpAfter ?? null, null, 'the restart clears the given-up state');
  assert.ok(spawnCount(spawns) >= 4, 'started again');
  // The count starts over: it gives up again only after another full run of failures.
  const again = await h.waitForState('broken', (s) => s.gaveUpAfter === 3, 'given up again', 20_000);
  assert.equal(again.reason, 'gave up after 3 failures; fix it and restart');
  assert.equal(spawnCount(spawns), 6);
});

test('a service that became ready before each crash keeps its normal backoff', async (t) => {
  const spawns = join(tempDir(t), 'spawns.log');
  const h = harness(t, project('p', [service('flaky', nodeFixture('fail-fast.js'), { restart: 'on-failure', env: { SPAWN_LOG: spawns, UP_MS: '300' } })]), FAST);
  await h.supervisor.start();
  // Twice the give-up count of crashes, each after being ready: never given up.
  await waitFor(() => (spawnCount(spawns) >= 7 ? true : undefined), 30_000, () => `7 starts; ${spawnCount(spawns)} so far; ${JSON.stringify(h.supervisor.state('flaky'))}`);
  assert.ok(h.history.every((e) => (e.state.gaveUpAfter ?? null) === null));
  assert.ok(h.history.filter((e) => e.state.status === 'ready').length >= 6);
});
