import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeCause, closeReason } from '../../renderer/src/connection/close-cause.js';

test('an abnormal close is the engine being away, unless the engine answers that the token is refused', () => {
  assert.equal(closeCause(1006, null), 'engine-away');
  assert.equal(closeCause(1006, 200), 'engine-away');
  assert.equal(closeCause(1006, 401), 'token-refused');
  assert.equal(closeCause(1006, 403), 'token-refused');
  assert.equal(closeCause(1000, 401), 'closed');
  assert.equal(closeCause(1011, null), 'closed');
});

test('the reasons say what happens, and no longer blame a missing `locald up`', () => {
  assert.equal(closeReason('engine-away', 1006, ''), 'the engine is away (restarting or stopped)');
  assert.match(closeReason('token-refused', 1006, ''), /token changed; open the URL that `locald dashboard` prints/);
  assert.equal(closeReason('closed', 1011, 'boom'), 'closed (1011: boom)');
  for (const cause of ['engine-away', 'token-refused', 'closed'] as const) assert.doesNotMatch(closeReason(cause, 1006, ''), /is `locald up` running/);
});
