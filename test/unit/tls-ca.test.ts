import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '../../engine/tls/x509-lib.js';
import { LocalCa, CaError, caInfo } from '../../engine/tls/ca.js';
import { caEnv, caPaths, leafPaths } from '../../engine/tls/paths.js';
import { localhostNameConstraintsDer } from '../../engine/tls/x509.js';

const DAY_MS = 86_400_000;
const POSIX = process.platform !== 'win32';

function days(cert: X509Certificate): number {
  return (new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime()) / DAY_MS;
}

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

describe('LocalCa', () => {
  let home: string;
  let ca: LocalCa;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'locald-ca-'));
    ca = await LocalCa.open(home);
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  test('creates the CA on first use, with a private key only the user can read', async () => {
    assert.deepEqual(ca.origin, { kind: 'created' });
    const paths = caPaths(home);
    assert.equal(ca.certPath, paths.certPath);
    assert.equal(await readFile(paths.certPath, 'utf8'), ca.certPem);
    if (POSIX) {
      assert.equal(await mode(paths.keyPath), 0o600);
      assert.equal(await mode(paths.dir), 0o700);
    }
    // No temp files or lock left behind.
    assert.deepEqual((await readdir(paths.dir)).sort(), ['ca-key.pem', 'ca.pem']);
  });

  test('the CA certificate is a self-signed ECDSA P-256 CA with the required extensions', () => {
    const cert = new X509Certificate(ca.certPem);
    assert.equal(cert.ca, true);
    assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.match(cert.subject, /^CN=locald local CA \(.+@.+\)$/m);
    assert.equal(cert.subject, cert.issuer);
    assert.ok(cert.checkIssued(cert) && cert.verify(cert.publicKey), 'self-signed');
    assert.ok(days(cert) > 3000, `CA valid for ${days(cert)} days`);

    const parsed = new x509.X509Certificate(ca.certPem);
    const bc = parsed.getExtension(x509.BasicConstraintsExtension);
    assert.ok(bc, 'basicConstraints present');
    assert.equal(bc.ca, true);
    assert.equal(bc.pathLength, 0);
    assert.equal(bc.critical, true);
    const ku = parsed.getExtension(x509.KeyUsagesExtension);
    assert.ok(ku, 'keyUsage present');
    assert.equal(ku.critical, true);
    assert.equal(ku.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    assert.ok(parsed.getExtension(x509.SubjectKeyIdentifierExtension), 'subjectKeyIdentifier present');
    const nc = parsed.extensions.find((e) => e.type === '2.5.29.30');
    assert.ok(nc, 'nameConstraints present');
    assert.equal(nc.critical, true);
    assert.deepEqual(Buffer.from(nc.value), localhostNameConstraintsDer());
  });

  test('the name constraint is DER for permitted DNS:localhost and excluded IPv4 and IPv6 everything', () => {
    const der = localhostNameConstraintsDer();
    assert.equal(der.toString('hex'),
      '3041' + 'a00d' + '300b' + '8209' + Buffer.from('localhost').toString('hex') +
      'a130' + '300a' + '8708' + '00'.repeat(8) + '3022' + '8720' + '00'.repeat(32));
  });

  test('opening again loads the same CA', async () => {
    const again = await LocalCa.open(home);
    assert.deepEqual(again.origin, { kind: 'loaded' });
    assert.equal(again.fingerprint256, ca.fingerprint256);
    assert.match(again.sha1, /^[0-9A-F]{40}$/);
    assert.match(again.commonName, /^locald local CA \(/);
  });

  test('issues a project leaf for name.localhost and *.name.localhost, signed by the CA', async () => {
    const leafCert = await ca.leafFor('shop');
    const leaf = new X509Certificate(leafCert.certPem);
    const caCert = new X509Certificate(ca.certPem);
    assert.equal(leaf.subjectAltName, 'DNS:shop.localhost, DNS:*.shop.localhost');
    assert.deepEqual(leafCert.dnsNames, ['shop.localhost', '*.shop.localhost']);
    assert.equal(leaf.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(leaf.ca, false);
    assert.ok(leaf.verify(caCert.publicKey), 'signature verifies with the CA key');
    assert.ok(leaf.checkIssued(caCert), 'issuer matches the CA subject');
    assert.ok(days(leaf) < 825, `leaf valid for ${days(leaf)} days`);
    assert.ok(days(leaf) <= 398, `leaf valid for ${days(leaf)} days, above Apple's public limit`);
    assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'EKU is serverAuth only');
    assert.ok(new Date(leaf.validFrom).getTime() <= Date.now(), 'valid now');

    const parsed = new x509.X509Certificate(leafCert.certPem);
    const ku = parsed.getExtension(x509.KeyUsagesExtension);
    assert.equal(ku?.usages, x509.KeyUsageFlags.digitalSignature);
    const aki = parsed.getExtension(x509.AuthorityKeyIdentifierExtension);
    const ski = new x509.X509Certificate(ca.certPem).getExtension(x509.SubjectKeyIdentifierExtension);
    assert.ok(aki?.keyId && aki.keyId === ski?.keyId, 'authorityKeyIdentifier names the CA key');

    const paths = leafPaths(home, 'shop');
    assert.equal(await readFile(paths.certPath, 'utf8'), leafCert.certPem);
    if (POSIX) assert.equal(await mode(paths.keyPath), 0o600);
  });

  test('leaves have random serials and their own keys', async () => {
    const a = new X509Certificate((await ca.leafFor('alpha')).certPem);
    const b = new X509Certificate((await ca.leafFor('beta')).certPem);
    assert.notEqual(a.serialNumber, b.serialNumber);
    assert.ok(a.serialNumber.length >= 30, `serial ${a.serialNumber} has at least 120 bits`);
    assert.notEqual(a.publicKey.export({ format: 'jwk' }).x, b.publicKey.export({ format: 'jwk' }).x);
  });

  test('a leaf is cached in memory and on disk', async () => {
    const first = await ca.leafFor('cache');
    assert.equal(await ca.leafFor('cache'), first, 'same object from memory');
    const [x, y] = await Promise.all([ca.leafFor('together'), ca.leafFor('together')]);
    assert.equal(x, y, 'concurrent requests share one issuance');
    const reopened = await LocalCa.open(home);
    assert.equal((await reopened.leafFor('cache')).certPem, first.certPem, 'read back from disk');
  });

  test('a leaf expiring within 30 days is reissued', async () => {
    const current = await ca.leafFor('renew');
    const later = await LocalCa.open(home, { now: () => new Date(Date.now() + 380 * DAY_MS) });
    const renewed = await later.leafFor('renew');
    assert.notEqual(renewed.certPem, current.certPem);
    assert.ok(renewed.notAfter.getTime() > current.notAfter.getTime());
    assert.equal(await readFile(leafPaths(home, 'renew').certPath, 'utf8'), renewed.certPem, 'renewal written to disk');
  });

  test('rejects names that are not DNS labels, before touching the disk', async () => {
    for (const bad of ['', 'Shop', 'a_b', '-x', 'x-', 'a.b', '../etc', 'a/b', 'a'.repeat(64), 'café', ' shop']) {
      await assert.rejects(ca.leafFor(bad), (err: unknown) => {
        assert.ok(err instanceof CaError, `${JSON.stringify(bad)} rejected with a CaError`);
        assert.match(err.message, /project name|must not be empty/);
        return true;
      });
    }
    assert.ok((await ca.leafFor('a'.repeat(63))).certPem.includes('BEGIN CERTIFICATE'), '63 characters are fine');
    assert.ok(!(await readdir(caPaths(home).dir)).includes('etc'));
  });
});

describe('LocalCa recovery', () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'locald-ca-recover-'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  test('a new CA makes old leaves be reissued', async () => {
    const first = await LocalCa.open(home);
    const oldLeaf = await first.leafFor('shop');
    await rm(caPaths(home).certPath);
    await rm(caPaths(home).keyPath);
    const second = await LocalCa.open(home);
    assert.deepEqual(second.origin, { kind: 'created' });
    assert.notEqual(second.fingerprint256, first.fingerprint256);
    const newLeaf = await second.leafFor('shop');
    assert.notEqual(newLeaf.certPem, oldLeaf.certPem);
    const leaf = new X509Certificate(newLeaf.certPem);
    assert.ok(leaf.verify(second.certificate.publicKey));
    assert.ok(!leaf.verify(first.certificate.publicKey));
  });

  test('an unreadable CA certificate is replaced, and says why', async () => {
    await writeFile(caPaths(home).certPath, 'not a certificate');
    const ca = await LocalCa.open(home);
    assert.equal(ca.origin.kind, 'replaced');
    assert.match(ca.origin.kind === 'replaced' ? ca.origin.reason : '', /could not be parsed/);
    assert.equal(new X509Certificate(await readFile(caPaths(home).certPath, 'utf8')).fingerprint256, ca.fingerprint256);
  });

  test('a CA key that does not match the certificate is replaced', async () => {
    const other = await mkdtemp(join(tmpdir(), 'locald-ca-other-'));
    try {
      await LocalCa.open(other);
      await writeFile(caPaths(home).keyPath, await readFile(caPaths(other).keyPath, 'utf8'));
      const ca = await LocalCa.open(home);
      assert.deepEqual(ca.origin, { kind: 'replaced', reason: 'the CA key does not belong to the CA certificate' });
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  test('a missing CA key is reported as the reason for a new CA', async () => {
    await rm(caPaths(home).keyPath);
    const ca = await LocalCa.open(home);
    assert.equal(ca.origin.kind, 'replaced');
    assert.match(ca.origin.kind === 'replaced' ? ca.origin.reason : '', /CA key .* is missing/);
  });

  test('a CA that expires within 30 days is replaced', async () => {
    const before = await LocalCa.open(home);
    const ca = await LocalCa.open(home, { now: () => new Date(Date.now() + 3640 * DAY_MS) });
    assert.equal(ca.origin.kind, 'replaced');
    assert.match(ca.origin.kind === 'replaced' ? ca.origin.reason : '', /expires/);
    assert.notEqual(ca.fingerprint256, before.fingerprint256);
  });

  test('two opens in one process share one CA', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'locald-ca-twice-'));
    try {
      const [a, b, c] = await Promise.all([LocalCa.open(fresh), LocalCa.open(fresh), LocalCa.open(fresh)]);
      assert.equal(a.fingerprint256, b.fingerprint256);
      assert.equal(b.fingerprint256, c.fingerprint256);
      assert.equal([a, b, c].filter((x) => x.origin.kind === 'created').length, 1);
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });
});

describe('caInfo and caEnv', () => {
  test('report the CA path without creating the CA', async () => {
    const home = await mkdtemp(join(tmpdir(), 'locald-ca-info-'));
    try {
      const before = await caInfo(home);
      assert.deepEqual(before, { certPath: join(home, 'ca', 'ca.pem'), exists: false });
      assert.deepEqual(caEnv(home), { NODE_EXTRA_CA_CERTS: join(home, 'ca', 'ca.pem') });
      const ca = await LocalCa.open(home);
      const info = await caInfo(home);
      assert.equal(info.exists, true);
      assert.equal(info.fingerprint256, ca.fingerprint256);
      assert.match(info.subject ?? '', /CN=locald local CA/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
