// Real TLS handshakes against certificates from the local CA, with Node's TLS client and curl.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { createSecureServer } from 'node:http2';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer as createTlsServer, type PeerCertificate, type Server as TlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { LocalCa } from '../../engine/tls/ca.js';
import { createSniCallback, secureServerOptions, type KnownProjects } from '../../engine/tls/sni.js';
import { issueLeafCertificate } from '../../engine/tls/x509.js';
import { inspectHandshake } from '../helpers/tls-handshake.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The projects these servers know: only `shop`. */
const SHOP_ONLY: KnownProjects = { getProject: (name) => (name === 'shop' ? {} : undefined) };

function listen(server: TlsServer | HttpsServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: TlsServer | HttpsServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

interface Handshake {
  authorized: boolean;
  authorizationError: string | null;
  cert: PeerCertificate;
}

/** A TLS handshake that verifies the server against `caPem` only (no rejectUnauthorized: false). */
function handshake(port: number, servername: string, caPem: string): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ca: [caPem] }, () => {
      const result = {
        authorized: socket.authorized,
        authorizationError: socket.authorizationError ? String(socket.authorizationError) : null,
        cert: socket.getPeerCertificate(),
      };
      socket.end();
      resolve(result);
    });
    socket.setTimeout(15_000, () => socket.destroy(new Error('handshake timed out')));
    socket.once('error', reject);
  });
}

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function hasCurl(): Promise<boolean> {
  return (await run('curl', ['--version'])).code === 0;
}

describe('SNI with the local CA', () => {
  let home: string;
  let ca: LocalCa;
  let server: TlsServer;
  let port: number;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'locald-tls-'));
    ca = await LocalCa.open(home);
    server = createTlsServer({ SNICallback: createSniCallback(ca, { projects: SHOP_ONLY, fallback: await ca.leafFor('locald') }) }, (socket) =>
      socket.end('hello\n'),
    );
    server.on('tlsClientError', () => undefined); // refused handshakes are part of the test
    port = await listen(server);
  });
  after(async () => {
    await close(server);
    await rm(home, { recursive: true, force: true });
  });

  test('a service subdomain verifies against the CA through the wildcard', async () => {
    const result = await handshake(port, 'api.shop.localhost', ca.certPem);
    assert.equal(result.authorizationError, null);
    assert.equal(result.authorized, true);
    assert.equal(result.cert.subjectaltname, 'DNS:shop.localhost, DNS:*.shop.localhost');
  });

  test('the project domain itself verifies, with the same leaf', async () => {
    const a = await handshake(port, 'shop.localhost', ca.certPem);
    const b = await handshake(port, 'SHOP.localhost', ca.certPem);
    assert.equal(a.authorized, true);
    assert.equal(a.cert.fingerprint256, b.cert.fingerprint256);
  });

  test('the dashboard gets its own leaf', async () => {
    const result = await handshake(port, 'locald.localhost', ca.certPem);
    assert.equal(result.authorized, true);
    assert.equal(result.cert.subjectaltname, 'DNS:locald.localhost, DNS:*.locald.localhost');
  });

  test('a name that is no project gets the dashboard certificate, and no leaf is minted for it', async () => {
    const { authorized, cert } = await inspectHandshake(port, 'nosuchproject.localhost', ca.certPem);
    assert.equal(authorized, false);
    assert.equal(cert.subjectaltname, 'DNS:locald.localhost, DNS:*.locald.localhost');
    await assert.rejects(readFile(join(home, 'ca', 'leaves', 'nosuchproject.pem')), { code: 'ENOENT' });
  });

  test('a name outside .localhost gets no certificate: the handshake fails', async () => {
    await assert.rejects(handshake(port, 'example.com', ca.certPem));
    await assert.rejects(handshake(port, 'bad_name.localhost', ca.certPem));
    // The server survives refused names.
    assert.equal((await handshake(port, 'shop.localhost', ca.certPem)).authorized, true);
  });

  test('a client that does not trust the CA rejects the certificate', async () => {
    const other = await mkdtemp(join(tmpdir(), 'locald-tls-other-'));
    try {
      const stranger = await LocalCa.open(other);
      await assert.rejects(handshake(port, 'shop.localhost', stranger.certPem), /self[- ]signed|unable to (get|verify)/i);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  test('the CA cannot vouch for names outside .localhost, even with its own key', async () => {
    // What a leaked CA key could forge: a certificate for another site. The CA's name
    // constraint makes OpenSSL (Node, curl) refuse it.
    const forged = await issueLeafCertificate({ certPem: ca.certPem, keyPem: await readFile(ca.keyPath, 'utf8') }, {
      dnsNames: ['example.com'],
      now: new Date(),
    });
    const evil = createTlsServer({ cert: forged.certPem, key: forged.keyPem }, (socket) => socket.end());
    evil.on('tlsClientError', () => undefined);
    const evilPort = await listen(evil);
    try {
      await assert.rejects(handshake(evilPort, 'example.com', ca.certPem), /permitted subtree violation|name constraint/i);
    } finally {
      await close(evil);
    }
  });

  test('curl verifies https://shop.localhost with --cacert', async (t) => {
    if (!(await hasCurl())) {
      t.skip('curl is not installed');
      return;
    }
    const https = createHttpsServer({ SNICallback: createSniCallback(ca, { projects: SHOP_ONLY, fallback: await ca.leafFor('locald') }) }, (req, res) => {
      res.end(`served ${req.headers.host ?? ''}\n`);
    });
    const httpsPort = await listen(https);
    try {
      for (const host of ['shop.localhost', 'web.shop.localhost']) {
        const result = await run('curl', [
          '--silent', '--show-error', '--max-time', '20',
          '--cacert', ca.certPath,
          '--resolve', `${host}:${httpsPort}:127.0.0.1`,
          `https://${host}:${httpsPort}/`,
        ]);
        assert.equal(result.stderr, '');
        assert.equal(result.code, 0);
        assert.equal(result.stdout, `served ${host}:${httpsPort}\n`);
      }
      // Without the CA, curl refuses: the success above came from the trust, not from leniency.
      const untrusted = await run('curl', [
        '--silent', '--show-error', '--max-time', '20',
        '--resolve', `shop.localhost:${httpsPort}:127.0.0.1`,
        `https://shop.localhost:${httpsPort}/`,
      ]);
      assert.equal(untrusted.code, 60, `curl exit ${untrusted.code}: ${untrusted.stderr}`);
    } finally {
      await close(https);
    }
  });
});

describe('secureServerOptions', () => {
  let home: string;
  let ca: LocalCa;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'locald-tls-opts-'));
    ca = await LocalCa.open(home);
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  test('a client that sends no server name gets the dashboard certificate', async () => {
    const server = createTlsServer(await secureServerOptions(ca, SHOP_ONLY), (socket) => socket.end());
    const port = await listen(server);
    try {
      const cert = await new Promise<PeerCertificate>((resolve, reject) => {
        // An IP address as host: Node sends no SNI. Verification would fail on the name, so
        // this test only inspects which certificate was served.
        const socket = connect({ host: '127.0.0.1', port, ca: [ca.certPem], checkServerIdentity: () => undefined }, () => {
          resolve(socket.getPeerCertificate());
          socket.end();
        });
        socket.once('error', reject);
      });
      assert.equal(cert.subjectaltname, 'DNS:locald.localhost, DNS:*.locald.localhost');
    } finally {
      await close(server);
    }
  });

  test('HTTP/2 over TLS: curl negotiates h2 through ALPN with an SNI-selected certificate', async (t) => {
    if (!(await hasCurl())) {
      t.skip('curl is not installed');
      return;
    }
    const server = createSecureServer({ ...(await secureServerOptions(ca, SHOP_ONLY)), allowHTTP1: true }, (req, res) => {
      res.end(`HTTP/${req.httpVersion} ${req.headers[':authority'] ?? req.headers.host ?? ''}\n`);
    });
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
    try {
      const result = await run('curl', [
        '--silent', '--show-error', '--max-time', '20', '--http2',
        '--cacert', ca.certPath,
        '--resolve', `api.shop.localhost:${port}:127.0.0.1`,
        `https://api.shop.localhost:${port}/`,
      ]);
      assert.equal(result.stderr, '');
      assert.equal(result.stdout, `HTTP/2.0 api.shop.localhost:${port}\n`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('concurrent first use', () => {
  test('several processes opening one fresh home agree on a single CA', async () => {
    const home = await mkdtemp(join(tmpdir(), 'locald-tls-race-'));
    try {
      // Each child loads the module, says "ready", and waits for "go" on stdin, so that all
      // of them reach LocalCa.open at the same moment instead of one per process start-up.
      const script = [
        `import { LocalCa } from ${JSON.stringify(join(ROOT, 'engine/tls/ca.ts'))};`,
        `process.stdout.write('ready\\n');`,
        `await new Promise((resolve) => process.stdin.once('data', resolve));`,
        `const ca = await LocalCa.open(process.argv[1]);`,
        `const leaf = await ca.leafFor('shop');`,
        `process.stdout.write(JSON.stringify({ fp: ca.fingerprint256, origin: ca.origin.kind, leaf: leaf.certPem }));`,
        `process.stdin.destroy();`,
      ].join('\n');
      type Outcome = { fp: string; origin: string; leaf: string };
      const children = Array.from({ length: 4 }, () => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, home], {
          cwd: ROOT,
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let out = '';
        let errText = '';
        let markReady: () => void = () => undefined;
        const ready = new Promise<void>((resolve) => (markReady = resolve));
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.startsWith('ready\n')) markReady();
        });
        child.stderr.on('data', (d: Buffer) => (errText += d.toString()));
        const done = new Promise<Outcome>((resolve, reject) => {
          child.on('error', reject);
          child.on('close', (code) => {
            markReady(); // never leave the test waiting on a child that died early
            if (code !== 0) reject(new Error(`child exited ${code}: ${errText}`));
            else resolve(JSON.parse(out.slice('ready\n'.length)) as Outcome);
          });
        });
        return { child, ready, done };
      });
      await Promise.all(children.map((c) => c.ready));
      for (const c of children) c.child.stdin.write('go\n');
      const runs = children.map((c) => c.done);
      const results = await Promise.all(runs);
      const onDisk = await LocalCa.open(home);
      for (const r of results) assert.equal(r.fp, onDisk.fingerprint256, 'every process uses the CA that is on disk');
      assert.equal(results.filter((r) => r.origin === 'created').length, 1, 'exactly one process created it');
      // Whatever leaf each process ended up with, it chains to that one CA.
      const { X509Certificate } = await import('node:crypto');
      for (const r of results) assert.ok(new X509Certificate(r.leaf).verify(onDisk.certificate.publicKey));
      assert.equal((await readFile(onDisk.certPath, 'utf8')), onDisk.certPem);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
