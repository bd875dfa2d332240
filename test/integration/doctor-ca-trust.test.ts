// doctor's CA check reads trust the way `locald ca --install` does: against real NSS
// databases (a Firefox profile, Chromium's missing ~/.pki/nssdb) in a temporary user home,
// before and after an install. The system store is left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCa } from '../../engine/tls/ca.js';
import { installCa } from '../../engine/tls/command.js';
import { checkCaTrust, programExists, runCommand } from '../../engine/tls/trust-run.js';
import { judgeCa } from '../../engine/doctor/verdicts.js';

const skip = process.platform === 'linux' && (await programExists('certutil')) ? false : 'needs Linux and certutil (apt-get install libnss3-tools)';

test('absent from the NSS stores before ca --install, present after; no CA yet is said as such', { skip }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'locald-doctor-ca-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const home = join(root, 'state');
  const userHome = join(root, 'user');
  const options = { platform: 'linux' as const, userHome, targets: { linuxSystemStore: null } };

  assert.equal((await checkCaTrust(home, options)).stores, null, 'no CA yet');

  const profile = join(userHome, '.mozilla', 'firefox', 'abc.default');
  await mkdir(profile, { recursive: true });
  const made = await runCommand(['certutil', '-N', '-d', `sql:${profile}`, '--empty-password']);
  assert.equal(made.code, 0, made.stderr);
  await LocalCa.open(home);

  const before = await checkCaTrust(home, options);
  assert.deepEqual(
    before.stores?.map((s) => [s.store, s.state, s.reason]),
    [
      [`NSS database ${join(userHome, '.pki', 'nssdb')} (Chromium)`, 'absent', 'the store does not exist yet'],
      [`NSS database ${profile} (Firefox)`, 'absent', 'the CA is not in this store'],
    ],
  );
  assert.equal(judgeCa(before).status, 'fail');

  await installCa(home, options);
  const after = await checkCaTrust(home, options);
  assert.deepEqual(after.stores?.map((s) => s.state), ['present', 'present']);
  assert.equal(judgeCa(after).status, 'ok');
});

test('a store without a presence check is unknown, not absent', { skip }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'locald-doctor-ca-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const home = join(root, 'state');
  await LocalCa.open(home);
  const result = await checkCaTrust(home, { platform: 'darwin', userHome: join(root, 'user'), targets: { nss: [] }, hasProgram: async () => true });
  assert.deepEqual(result.stores?.map((s) => [s.store, s.state]), [['macOS login keychain', 'unknown']]);
  assert.equal(judgeCa(result).status, 'warn');
});
