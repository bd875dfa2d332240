// `locald ca --install/--uninstall` against real NSS databases (Chromium's ~/.pki/nssdb and a
// Firefox profile) in a temporary user home, with the real certutil from libnss3-tools.
// The system store is left alone: changing this machine's trust is not a test's business.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCa } from '../../engine/tls/ca.js';
import { caCommand, installCa } from '../../engine/tls/command.js';
import { issueLeafCertificate } from '../../engine/tls/x509.js';
import { detectTrustTargets, programExists, runCommand, uninstallCa } from '../../engine/tls/trust-run.js';

const linuxWithCertutil = process.platform === 'linux' && (await programExists('certutil'));
const skip = linuxWithCertutil ? false : 'needs Linux and certutil (apt-get install libnss3-tools)';

async function newNssDb(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const made = await runCommand(['certutil', '-N', '-d', `sql:${dir}`, '--empty-password']);
  assert.equal(made.code, 0, made.stderr);
}

/** The certificate stored under `nickname` in an NSS database, and its trust flags, or null. */
async function nssEntry(dir: string, nickname: string): Promise<{ pem: string; trust: string } | null> {
  const pem = await runCommand(['certutil', '-L', '-d', `sql:${dir}`, '-n', nickname, '-a']);
  if (pem.code !== 0) return null;
  const list = await runCommand(['certutil', '-L', '-d', `sql:${dir}`]);
  const line = list.stdout.split('\n').find((l) => l.startsWith(nickname));
  return { pem: pem.stdout, trust: line?.slice(nickname.length).trim() ?? '' };
}

describe('trusting the CA in NSS databases', { skip }, () => {
  let home: string;
  let userHome: string;
  let chromium: string;
  let firefox: string;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'locald-trust-'));
    userHome = await mkdtemp(join(tmpdir(), 'locald-trust-user-'));
    chromium = join(userHome, '.pki', 'nssdb');
    firefox = join(userHome, '.mozilla', 'firefox', 'abcd1234.default-release');
    await newNssDb(chromium);
    await newNssDb(firefox);
    await mkdir(join(userHome, '.mozilla', 'firefox', 'not-a-profile'), { recursive: true });
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
    await rm(userHome, { recursive: true, force: true });
  });

  test('finds Chromium\'s database and Firefox profiles with a cert9.db', async () => {
    const targets = await detectTrustTargets('linux', userHome, 'install');
    assert.deepEqual(targets.nss, [
      { kind: 'database', dir: chromium, browsers: 'Chromium', create: false },
      { kind: 'database', dir: firefox, browsers: 'Firefox', create: false },
    ]);
  });

  test('install adds the CA as a trusted TLS CA to every database and reports each', async () => {
    const outcome = await installCa(home, { platform: 'linux', userHome, targets: { linuxSystemStore: null } });
    const ca = await LocalCa.open(home);
    assert.equal(outcome.caNote, 'created a new local CA');
    assert.deepEqual(outcome.reports.map((r) => [r.store, r.status]), [
      [`NSS database ${chromium} (Chromium)`, 'added'],
      [`NSS database ${firefox} (Firefox)`, 'added'],
    ]);
    assert.match(outcome.reports[0]?.detail ?? '', /^added: ran certutil -d sql:\S+ -A -t C,, -n 'locald local CA \(.*\)' -i \S+ca\.pem$/);
    for (const db of [chromium, firefox]) {
      const entry = await nssEntry(db, ca.commonName);
      assert.ok(entry, `CA present in ${db}`);
      assert.equal(new X509Certificate(entry.pem).fingerprint256, ca.fingerprint256, 'the same certificate');
      assert.equal(entry.trust, 'C,,', 'trusted to issue TLS server certificates');
    }
  });

  test('installing again is harmless', async () => {
    const outcome = await installCa(home, { platform: 'linux', userHome, targets: { linuxSystemStore: null } });
    assert.equal(outcome.caNote, undefined, 'the existing CA is reused');
    assert.deepEqual(outcome.reports.map((r) => [r.status, r.detail]), [
      ['present', 'already there'],
      ['present', 'already there'],
    ]);
  });

  test('NSS accepts project leaves from the trusted CA and enforces its .localhost constraint', async (t) => {
    if (!(await programExists('vfychain'))) {
      t.skip('vfychain (libnss3-tools) is not installed');
      return;
    }
    const ca = await LocalCa.open(home);
    const leaf = await ca.leafFor('shop');
    const forged = await issueLeafCertificate({ certPem: ca.certPem, keyPem: await readFile(ca.keyPath, 'utf8') }, {
      dnsNames: ['example.com'],
      now: new Date(),
    });
    const verify = async (pem: string) => {
      const file = join(userHome, `chain-${Math.random().toString(16).slice(2)}.der`);
      await writeFile(file, new X509Certificate(pem).raw);
      return runCommand(['vfychain', '-d', `sql:${chromium}`, '-u', '1', file]); // -u 1: TLS server
    };
    const good = await verify(leaf.certPem);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    const bad = await verify(forged.certPem);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout + bad.stderr, /not permitted to issue a certificate with this name/);
  });

  test('uninstall removes it, and a second uninstall finds nothing to remove', async () => {
    const ca = await LocalCa.open(home);
    const outcome = await uninstallCa(home, { platform: 'linux', userHome, targets: { linuxSystemStore: null } });
    assert.deepEqual(outcome.reports.map((r) => r.status), ['removed', 'removed']);
    for (const db of [chromium, firefox]) assert.equal(await nssEntry(db, ca.commonName), null, `gone from ${db}`);
    const again = await uninstallCa(home, { platform: 'linux', userHome, targets: { linuxSystemStore: null } });
    assert.deepEqual(again.reports.map((r) => r.detail), ['skipped: the CA is not in this store', 'skipped: the CA is not in this store']);
  });

  test('a database certutil cannot write is reported as failed with certutil\'s message', async () => {
    // certutil creates a database in an empty directory, but not in one that is missing.
    const broken = join(userHome, 'missing', 'broken-nssdb');
    const outcome = await installCa(home, { platform: 'linux', userHome, targets: { linuxSystemStore: null, nss: [{ kind: 'database', dir: broken, browsers: 'Chromium', create: false }] } });
    assert.equal(outcome.reports[0]?.status, 'failed');
    assert.match(outcome.reports[0]?.detail ?? '', /^failed: certutil -d sql:\S+broken-nssdb .*: .+/);
    assert.deepEqual(outcome.reports[0]?.stillUntrusted, { browsers: 'Chromium', remedy: 'fix the failure above, then run this again' });
  });

  test('the locald ca command prints each store and exits 0, or 1 when a store failed', async () => {
    const ok = await caCommand(home, 'install', { platform: 'linux', userHome, targets: { linuxSystemStore: null } });
    assert.equal(ok.exitCode, 0);
    assert.match(ok.output, new RegExp(`^CA certificate: .*ca\\.pem\\nadded {3}NSS database ${chromium.replaceAll('.', '\\.')} \\(Chromium\\): ran certutil`));
    const nope = { kind: 'database' as const, dir: join(userHome, 'nope'), browsers: 'Chromium', create: false };
    const bad = await caCommand(home, 'install', { platform: 'linux', userHome, targets: { linuxSystemStore: null, nss: [nope] } });
    assert.equal(bad.exitCode, 1);
    assert.match(bad.output, /FAILED {2}NSS database .*nope \(Chromium\): certutil -d sql:.*nope -A .*: certutil: .+/);
    assert.match(bad.output, /to do it yourself: certutil -d sql:.*nope -A/);
    assert.match(bad.output, /\nChromium will still not trust the CA: fix the failure above, then run this again\.$/);
  });
});

describe('a fresh home: no NSS database yet', { skip }, () => {
  let home: string;
  let userHome: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'locald-trust-fresh-'));
    userHome = await mkdtemp(join(tmpdir(), 'locald-trust-fresh-user-'));
    // Firefox has been installed (its folder exists) but has not created a profile yet.
    await mkdir(join(userHome, '.mozilla', 'firefox'), { recursive: true });
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
    await rm(userHome, { recursive: true, force: true });
  });

  test('install creates ~/.pki/nssdb (0700, empty password), adds the CA, and says Firefox needs a profile first', async () => {
    const result = await caCommand(home, 'install', { platform: 'linux', userHome, targets: { linuxSystemStore: null } });
    const nssdb = join(userHome, '.pki', 'nssdb');
    assert.equal(result.exitCode, 0, result.output);
    const ca = await LocalCa.open(home);
    const entry = await nssEntry(nssdb, ca.commonName);
    assert.ok(entry, result.output);
    assert.equal(entry.trust, 'C,,');
    assert.equal((await stat(nssdb)).mode & 0o777, 0o700);
    const lines = result.output.split('\n');
    assert.match(lines[2] ?? '', new RegExp(`^added {3}NSS database ${nssdb.replaceAll('.', '\\.')} \\(Chromium\\): ran mkdir -p -m 0700 \\S+ && certutil -d sql:\\S+ -N --empty-password && certutil .* -A `));
    assert.ok(lines.includes('skipped Firefox: no Firefox profile yet; start Firefox once, then run this again'), result.output);
    assert.ok(lines.includes('Firefox will still not trust the CA: no Firefox profile yet; start Firefox once, then run this again.'), result.output);
    assert.doesNotMatch(result.output, /Chromium will still not trust/);
    const again = await caCommand(home, 'uninstall', { platform: 'linux', userHome, targets: { linuxSystemStore: null } });
    assert.match(again.output, /\nremoved NSS database \S+ \(Chromium\): ran certutil -d \S+ -D -n /);
    assert.doesNotMatch(again.output, /Firefox/, 'nothing to take out of Firefox');
    assert.equal(await nssEntry(nssdb, ca.commonName), null);
  });

  test('without certutil, the report says which browsers will not trust the CA and what to install', async () => {
    const result = await caCommand(home, 'install', {
      platform: 'linux',
      userHome: join(userHome, 'other'),
      targets: { linuxSystemStore: null },
      hasProgram: async (p) => p !== 'certutil',
    });
    assert.equal(result.exitCode, 0, 'skipped is not failed');
    assert.match(result.output, /\nChromium will still not trust the CA: certutil is not installed; install libnss3-tools \(Debian\/Ubuntu\) or nss-tools \(Fedora\), then run this again\./);
  });
});

describe('locald ca without trust stores', () => {
  test('path prints the certificate path first, creating the CA once', async () => {
    const home = await mkdtemp(join(tmpdir(), 'locald-trust-path-'));
    try {
      const first = await caCommand(home, 'path');
      assert.equal(first.exitCode, 0);
      assert.equal(first.output.split('\n')[0], join(home, 'ca', 'ca.pem'));
      assert.match(first.output, /created just now/);
      const second = await caCommand(home, 'path');
      assert.doesNotMatch(second.output, /created just now/);
      assert.match(second.output, /sha256: +[0-9A-F:]{95}/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  test('uninstall without a CA changes nothing and creates nothing', async () => {
    const home = await mkdtemp(join(tmpdir(), 'locald-trust-none-'));
    try {
      const result = await caCommand(home, 'uninstall', { platform: 'linux', userHome: home, targets: { linuxSystemStore: 'debian' } });
      assert.equal(result.exitCode, 0);
      assert.match(result.output, /there is no local CA, so nothing is trusted/);
      assert.equal(await programExists('ca.pem', { PATH: join(home, 'ca') }), false, 'no CA file was created');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  test('the system store step without root or sudo prints the sudo commands', async () => {
    const home = await mkdtemp(join(tmpdir(), 'locald-trust-sys-'));
    try {
      const result = await caCommand(home, 'install', {
        platform: 'linux',
        userHome: home,
        targets: { linuxSystemStore: 'debian', nss: [] },
        isRoot: false,
        hasProgram: async (p) => p !== 'sudo',
      });
      assert.equal(result.exitCode, 0, 'skipped is not failed');
      const caPath = join(home, 'ca', 'ca.pem');
      assert.ok(result.output.includes('skipped system store (Debian/Ubuntu): needs administrator rights'), result.output);
      assert.ok(result.output.includes(`to do it yourself: sudo cp ${caPath} /usr/local/share/ca-certificates/locald.crt`), result.output);
      assert.ok(result.output.includes('to do it yourself: sudo update-ca-certificates'), result.output);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
