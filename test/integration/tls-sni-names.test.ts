// Random `<name>.localhost` SNI names must not mint certificates: hundreds of handshakes
// against the real runtime (engine, proxy, CA on disk) leave no new leaf files, a project
// still gets its own verified leaf, and unknown names get the dashboard certificate and
// then the "no such project" page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { join } from 'node:path';
import { startRuntime, type Runtime } from '../../engine/runtime.js';
import { caPaths } from '../../engine/tls/paths.js';
import { REPO, tempHome } from '../helpers/locald-cli.js';
import { inspectHandshake } from '../helpers/tls-handshake.js';

const DASHBOARD_SAN = 'DNS:locald.localhost, DNS:*.locald.localhost';
const SHOP_SAN = 'DNS:shop.localhost, DNS:*.shop.localhost';

describe('TLS: certificates only for project names', () => {
  let home: string;
  let rt: Runtime;
  let leavesDir: string;

  before(async () => {
    home = tempHome('locald-sni-');
    leavesDir = caPaths(home).leavesDir;
    // What an earlier version left behind after a flood: leaves for names that are no project.
    await mkdir(leavesDir, { recursive: true });
    for (const junk of ['r0a1b2c3', 'r4d5e6f7']) {
      await writeFile(join(leavesDir, `${junk}.pem`), 'stale');
      await writeFile(join(leavesDir, `${junk}-key.pem`), 'stale');
    }
    rt = await startRuntime({ home, httpPort: 0 });
    await rt.engine.addProject(join(REPO, 'examples', 'shop'));
  });

  after(async () => {
    await rt?.close();
    await rm(home, { recursive: true, force: true });
  });

  test('leaves of names that are not projects are pruned at start', async () => {
    assert.deepEqual((await readdir(leavesDir)).sort(), ['locald-key.pem', 'locald.pem']);
  });

  test('300 handshakes with random names mint nothing and get the dashboard certificate', async () => {
    const caPem = rt.ca?.certPem ?? '';
    const names = Array.from({ length: 300 }, () => `r${randomBytes(6).toString('hex')}.localhost`);
    for (let i = 0; i < names.length; i += 25) {
      const batch = await Promise.all(names.slice(i, i + 25).map((n) => inspectHandshake(rt.port, n, caPem)));
      for (const h of batch) {
        assert.equal(h.cert.subjectaltname, DASHBOARD_SAN);
        assert.equal(h.authorized, false, 'the dashboard certificate does not cover a random name');
      }
    }
    assert.deepEqual((await readdir(leavesDir)).sort(), ['locald-key.pem', 'locald.pem']);
  });

  test('a project still gets its own valid leaf, for the project and its services', async () => {
    const caPem = rt.ca?.certPem ?? '';
    for (const name of ['shop.localhost', 'api.shop.localhost']) {
      const h = await inspectHandshake(rt.port, name, caPem);
      assert.equal(h.cert.subjectaltname, SHOP_SAN, name);
      assert.equal(h.authorized, true, name);
    }
    assert.deepEqual((await readdir(leavesDir)).sort(), ['locald-key.pem', 'locald.pem', 'shop-key.pem', 'shop.pem']);
  });

  test('an unknown name then gets the "no such project" page over HTTPS', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.get(
        { host: '127.0.0.1', port: rt.port, servername: 'nosuch.localhost', headers: { host: 'nosuch.localhost', accept: 'application/json' }, rejectUnauthorized: false, agent: false },
        (r) => {
          let body = '';
          r.on('data', (c: Buffer) => (body += c.toString()));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
    });
    assert.equal(res.status, 404);
    assert.equal((JSON.parse(res.body) as { type: string }).type, 'urn:locald:problem:unknown-project');
  });
});
