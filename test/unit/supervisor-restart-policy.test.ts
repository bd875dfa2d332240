import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BACKOFF_MAX_MS,
  backoffDelay,
  describeExit,
  formatDuration,
  isCleanExit,
  nextBackoffAttempt,
  shouldRestart,
} from '../../engine/supervisor/restart-policy.js';
import { DEFAULT_MAX_FAILED_STARTS, gaveUpReason, nextFailedStarts, shouldGiveUp } from '../../engine/supervisor/give-up-policy.js';

test('backoff doubles from 500ms and is capped at 30s', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(a)), [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  assert.equal(backoffDelay(10_000), BACKOFF_MAX_MS);
  assert.equal(backoffDelay(-1), 500);
  assert.deepEqual([0, 1, 2, 3].map((a) => backoffDelay(a, { initialMs: 50, maxMs: 150 })), [50, 100, 150, 150]);
});

test('give-up policy: failures before readiness add up, readiness resets them', () => {
  assert.equal(nextFailedStarts(0, false), 1);
  assert.equal(nextFailedStarts(6, false), 7);
  assert.equal(nextFailedStarts(7, true), 0);
  assert.equal(shouldGiveUp(7, DEFAULT_MAX_FAILED_STARTS), false);
  assert.equal(shouldGiveUp(8, DEFAULT_MAX_FAILED_STARTS), true);
  assert.equal(gaveUpReason(8), 'gave up after 8 failures; fix it and restart');
  assert.equal(gaveUpReason(1), 'gave up after 1 failure; fix it and restart');
});

test('the attempt grows with quick crashes and resets after 10s of uptime', () => {
  assert.equal(nextBackoffAttempt(null, 100), 0);
  assert.equal(nextBackoffAttempt(0, 100), 1);
  assert.equal(nextBackoffAttempt(4, 9_999), 5);
  assert.equal(nextBackoffAttempt(4, 10_000), 0);
});

test('restart policies', () => {
  const crash = { code: 3, signal: null };
  const clean = { code: 0, signal: null };
  const killed = { code: null, signal: 'SIGKILL' };
  assert.equal(shouldRestart('on-failure', crash), true);
  assert.equal(shouldRestart('on-failure', killed), true);
  assert.equal(shouldRestart('on-failure', clean), false);
  assert.equal(shouldRestart('always', clean), true);
  assert.equal(shouldRestart('never', crash), false);
  assert.equal(isCleanExit(clean), true);
  assert.equal(isCleanExit(killed), false);
});

test('exit descriptions and durations read like sentences', () => {
  assert.equal(describeExit({ code: 3, signal: null }), 'exited with code 3');
  assert.equal(describeExit({ code: null, signal: 'SIGKILL' }), 'killed by SIGKILL');
  assert.equal(describeExit({ code: null, signal: null }), 'exited');
  assert.equal(formatDuration(500), '500ms');
  assert.equal(formatDuration(30_000), '30s');
  assert.equal(formatDuration(1_500), '1.5s');
  assert.equal(formatDuration(180_000), '3m');
});
