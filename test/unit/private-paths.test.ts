import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeFolder, judgeKeyFile } from '../../engine/private-paths.js';

const ME = 1000;

test('judgeFolder: the user\'s own folder open to others is repaired to 0700; a tight one is fine', () => {
  assert.deepEqual(judgeFolder('/h', { uid: ME, mode: 0o700 }, ME), { kind: 'ok' });
  for (const mode of [0o777, 0o755, 0o750, 0o701, 0o770]) {
    const verdict = judgeFolder('/h', { uid: ME, mode }, ME);
    assert.equal(verdict.kind, 'repair', mode.toString(8));
    assert.ok(verdict.kind === 'repair' && verdict.mode === 0o700 && verdict.warning.includes(`/h was open to other users (mode 0${mode.toString(8)})`));
  }
});

test("judgeFolder: another user's folder is refused; root's only when others can write to it", () => {
  const other = judgeFolder('/h', { uid: 1001, mode: 0o700 }, ME);
  assert.equal(other.kind, 'refuse');
  assert.match(other.kind === 'refuse' ? other.reason : '', /\/h belongs to another user \(uid 1001\)/);
  assert.deepEqual(judgeFolder('/h', { uid: 0, mode: 0o755 }, ME), { kind: 'ok' });
  const open = judgeFolder('/h', { uid: 0, mode: 0o777 }, ME);
  assert.equal(open.kind, 'refuse');
  assert.match(open.kind === 'refuse' ? open.reason : '', /can be changed by other users \(mode 0777\)/);
});

test('judgeKeyFile: a key is used only when it is the user\'s and 0600 or tighter', () => {
  assert.deepEqual(judgeKeyFile('/k', { uid: ME, mode: 0o600 }, ME), { kind: 'ok' });
  assert.deepEqual(judgeKeyFile('/k', { uid: ME, mode: 0o400 }, ME), { kind: 'ok' });
  for (const mode of [0o644, 0o640, 0o604, 0o660, 0o666]) {
    const verdict = judgeKeyFile('/k', { uid: ME, mode }, ME);
    assert.equal(verdict.kind, 'refuse', mode.toString(8));
    assert.match(verdict.kind === 'refuse' ? verdict.reason : '', new RegExp(`/k can be read or replaced by other users \\(mode 0${mode.toString(8)}\\)`));
  }
  assert.equal(judgeKeyFile('/k', { uid: 1001, mode: 0o600 }, ME).kind, 'refuse');
});

test('judgeFolder: a shared sticky folder such as /tmp is refused, never closed, even for its owner', () => {
  const verdict = judgeFolder('/tmp', { uid: ME, mode: 0o1777 }, ME);
  assert.equal(verdict.kind, 'refuse');
  assert.match(verdict.kind === 'refuse' ? verdict.reason : '', /\/tmp is a shared folder \(mode 01777\)/);
});
