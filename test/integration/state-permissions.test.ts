// A loose state folder or CA key, with real files and real modes: locald repairs folders of
// the user's own (0700, one warning) and refuses a CA key other users can read or replace,
// in the library and through the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureHome } from '../../engine/home.js';
import { PrivatePathError } from '../../engine/private-paths.js';
import { LocalCa } from '../../engine/tls/ca.js';
import { caPaths } from '../../engine/tls/paths.js';
import { LOCALD_BIN } from '../helpers/locald-cli.js';

const POSIX = process.platform !== 'win32';
const modeOf = (path: string): number => statSync(path).mode & 0o777;
const newHome = (): string => mkdtempSync(join(tmpdir(), 'locald-perm-'));

/** Runs the built CLI; resolves with its exit code and output, whatever the code. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [LOCALD_BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test('a home folder at 0777 is set to 0700 with one warning; the next start is quiet', { skip: !POSIX }, () => {
  const home = newHome();
  chmodSync(home, 0o777);
  const warnings: string[] = [];
  ensureHome(home, (m) => warnings.push(m));
  assert.equal(modeOf(home), 0o700);
  assert.deepEqual(warnings, [`${home} was open to other users (mode 0777); locald set it to 0700`]);
  ensureHome(home, (m) => warnings.push(m));
  assert.equal(warnings.length, 1);
});

test('a ca/ folder at 0777 is set to 0700 with a warning, and the CA is used', { skip: !POSIX }, async () => {
  const home = newHome();
  const first = await LocalCa.open(home);
  chmodSync(caPaths(home).dir, 0o777);
  const warnings: string[] = [];
  const again = await LocalCa.open(home, { onWarning: (m) => warnings.push(m) });
  assert.equal(modeOf(caPaths(home).dir), 0o700);
  assert.deepEqual(warnings, [`${caPaths(home).dir} was open to other users (mode 0777); locald set it to 0700`]);
  assert.equal(again.fingerprint256, first.fingerprint256);
});

test('a CA key at 0644 is refused, named with its mode, and left as it is', { skip: !POSIX }, async () => {
  const home = newHome();
  await LocalCa.open(home);
  const { keyPath } = caPaths(home);
  const key = readFileSync(keyPath, 'utf8');
  chmodSync(keyPath, 0o644);
  await assert.rejects(LocalCa.open(home), (e: unknown) => {
    assert.ok(e instanceof PrivatePathError);
    assert.match(e.message, new RegExp(`${keyPath} can be read or replaced by other users \\(mode 0644\\); locald will not use it\\. Run \`locald ca --uninstall\``));
    return true;
  });
  assert.equal(readFileSync(keyPath, 'utf8'), key, 'the key is not replaced behind the user\'s back');
  assert.equal(modeOf(keyPath), 0o644);
});

test('a CA key that belongs to another user is refused', { skip: !POSIX || process.getuid?.() !== 0 }, async () => {
  const home = newHome();
  await LocalCa.open(home);
  chownSync(caPaths(home).keyPath, 65534, 65534);
  await assert.rejects(LocalCa.open(home), /belongs to another user \(uid 65534\), who could have replaced it/);
});

test('the CLI: one clear line and exit 1 for a loose key; a warning and on for a loose home', { skip: !POSIX }, async () => {
  const home = newHome();
  await LocalCa.open(home);
  chmodSync(caPaths(home).keyPath, 0o644);
  const refused = await cli(['ca', '--home', home]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, '');
  assert.match(refused.stderr, /^locald: .*ca-key\.pem can be read or replaced by other users \(mode 0644\); locald will not use it\..*\n$/);

  const loose = newHome();
  chmodSync(loose, 0o777);
  const repaired = await cli(['ca', '--home', loose]);
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.equal(repaired.stderr, `locald: warning: ${loose} was open to other users (mode 0777); locald set it to 0700\n`);
  assert.equal(modeOf(loose), 0o700);
});
