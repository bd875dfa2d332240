// Traffic that survives a restart, end to end: a real `locald up` child with
// `[capture] persist = true` is SIGKILLed while clients keep sending requests (so the engine is
// writing its traffic file), and a new `locald up` on the same home reads the file back.
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { decodeRecords } from '../../engine/capture/persist-codec.js';
import { foldRecords, parseEntry } from '../../engine/capture/persist-log.js';
import type { ExchangeSummary } from '../../shared/traffic.js';
import { startRuntime } from '../../engine/runtime.js';
import { engineCall, waitFor } from '../e2e/harness.js';
import { startLocald, tempHome, writeProjectDir, type LocaldProcess } from '../helpers/locald-cli.js';

const ECHO = `import http from 'node:http';
const big = 'r'.repeat(16 * 1024);
http.createServer((req, res) => {
  let n = 0;
  req.on('data', (c) => (n += c.length));
  req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(req.url + ' ' + n + ' ' + big));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

function project(persist: boolean): string {
  const dir = writeProjectDir(`name = "keep"\n\n[services.echo]\ncommand = "node echo.mjs"\n\n[capture]\npersist = ${persist}\n`, 'locald-persist-');
  writeFileSync(join(dir, 'echo.mjs'), ECHO);
  return dir;
}

interface Running {
  locald: LocaldProcess;
  port: number;
  dashboardUrl: string;
}

async function up(dir: string, home: string): Promise<Running> {
  const locald = startLocald(['up', dir, '--http-port', '0'], { home });
  const port = await locald.port();
  const dashboardUrl = (await locald.waitForOutput(/http:\/\/locald\.localhost:\d+\/\?token=[\w-]+/))[0];
  await waitFor('the echo service through the proxy', async () => (await send(port, '/ready', 0)) === 200, 60_000);
  return { locald, port, dashboardUrl };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
after(() => agent.destroy());

function send(port: number, path: string, bodyBytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { host: `keep.localhost:${port}`, 'content-type': 'text/plain' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(Buffer.alloc(bodyBytes, 'q'));
  });
}

/** The exchanges read back (a slice at a time, so the test waits for the `count` it expects). */
async function earlierExchanges(r: Running, count: number): Promise<ExchangeSummary[]> {
  return waitFor(`${count} earlier exchanges`, async () => {
    const earlier = (await engineCall(r, 'traffic.list', {})).filter((s) => s.earlier === true);
    return earlier.length >= count ? earlier : undefined;
  });
}

describe('persisted traffic across a SIGKILL of the engine', () => {
  const homes: string[] = [];
  const running: LocaldProcess[] = [];
  after(async () => {
    for (const l of running) await l.stop('SIGTERM');
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  });

  test('killed while writing under load: the file loads, every finished exchange but at most each client’s last is back, marked earlier', async (t) => {
    const home = tempHome('locald-persist-home-');
    homes.push(home);
    const dir = project(true);
    const first = await up(dir, home);
    running.push(first.locald);

    // Four clients, each sending one request after another, until the engine dies under them.
    const CLIENTS = 4;
    const done: string[][] = Array.from({ length: CLIENTS }, () => []);
    let killed = false;
    const clients = done.map(async (mine, c) => {
      for (let i = 0; !killed; i++) {
        const path = `/c${c}/r${i}`;
        try {
          if ((await send(first.port, path, 32 * 1024)) === 200) mine.push(path);
        } catch {
          return; // the engine is gone
        }
      }
    });
    await waitFor('200 exchanges answered', () => done.flat().length >= 200, 60_000);
    first.locald.child.kill('SIGKILL');
    killed = true;
    await first.locald.waitForExit();
    await Promise.all(clients);
    const file = join(home, 'traffic', 'keep.log');
    const onDisk = decodeRecords(readFileSync(file));
    const written = new Set(foldRecords(onDisk.payloads).map((x) => new URL((parseEntry(x) as { request: { url: string } }).request.url).pathname));

    t.diagnostic(`answered ${done.flat().length}, intact records ${onDisk.payloads.length}, tail: ${onDisk.stoppedAt?.reason ?? 'clean'}`);
    const second = await up(dir, home);
    running.push(second.locald);
    const earlier = await earlierExchanges(second, written.size);
    const urls = new Set(earlier.map((s) => s.url));
    assert.ok(earlier.length >= 200, `read back ${earlier.length} (the file held ${onDisk.payloads.length} intact records${onDisk.stoppedAt !== null ? `, then a ${onDisk.stoppedAt.reason} tail` : ''})`);
    assert.deepEqual([...urls].sort(), [...written].sort(), 'every intact record of the file is shown');
    for (const [c, mine] of done.entries()) {
      const missing = mine.filter((path) => !urls.has(path));
      assert.ok(missing.length <= 1, `client ${c}: ${missing.length} answered exchanges missing: ${missing.join(' ')}`);
      if (missing.length === 1) assert.equal(missing[0], mine.at(-1), `client ${c}: only its last exchange may be missing`);
    }
    const sample = earlier.find((s) => s.url === done[0]?.[0]);
    assert.equal(sample?.status, 200);
    assert.equal(sample?.requestSize, 32 * 1024);
    assert.equal(sample?.project, 'keep');
    // New traffic is not marked earlier, and is written after what was read back.
    assert.equal(await send(second.port, '/after-restart', 10), 200);
    const fresh = await waitFor('the new exchange', async () => (await engineCall(second, 'traffic.list', {})).find((s) => s.url === '/after-restart' && s.state === 'complete'));
    assert.equal(fresh.earlier, undefined);
    await second.locald.stop('SIGTERM');

    // A kill in the middle of a write leaves a record cut short: the next start cuts it off and loses only that exchange.
    const before = foldRecords(decodeRecords(readFileSync(file)).payloads).length;
    const last = decodeRecords(readFileSync(file)).payloads.at(-1)?.length ?? 0;
    truncateSync(file, statSync(file).size - Math.floor(last / 2));
    const third = await up(dir, home);
    running.push(third.locald);
    assert.equal((await earlierExchanges(third, before - 1)).length, before - 1);
    assert.match(third.locald.output(), /bytes at the end of .*keep\.log were incomplete/);
    await third.locald.stop('SIGTERM');
  });

  test('persist = false: nothing is written except pinned exchanges, and only those come back', async () => {
    const home = tempHome('locald-persist-home-');
    homes.push(home);
    const dir = project(false);
    const first = await up(dir, home);
    running.push(first.locald);
    for (let i = 0; i < 5; i++) assert.equal(await send(first.port, `/plain${i}`, 100), 200);
    assert.equal(await send(first.port, '/keep-me', 100), 200);
    const list = await waitFor('six finished exchanges', async () => {
      const all = (await engineCall(first, 'traffic.list', {})).filter((s) => s.state === 'complete' && s.url !== '/ready');
      return all.length === 6 ? all : undefined;
    });
    const file = join(home, 'traffic', 'keep.log');
    assert.equal(statSync(file).size, 0, 'unpinned exchanges are not written');
    const keep = list.find((s) => s.url === '/keep-me');
    await engineCall(first, 'traffic.pin', { id: keep?.id ?? 0, pinned: true });
    first.locald.child.kill('SIGKILL');
    await first.locald.waitForExit();

    const second = await up(dir, home);
    running.push(second.locald);
    const earlier = await earlierExchanges(second, 1);
    assert.deepEqual(earlier.map((s) => [s.url, s.pinned]), [['/keep-me', true]]);
    // Read back, it can be replayed: the engine sends its captured request again.
    const replay = await engineCall(second, 'traffic.replay', { id: earlier[0]?.id ?? 0 });
    assert.equal(replay.status, 200);
    assert.equal(replay.requestSize, 100);
    await second.locald.stop('SIGTERM');
  });

  test('projects.persistTraffic (the inspector toggle) switches persistence at runtime over [capture] persist = false', async () => {
    const home = tempHome('locald-persist-home-');
    homes.push(home);
    const rt = await startRuntime({ home, httpPort: 0, tls: false });
    try {
      const dir = project(false);
      await rt.engine.addProject(dir);
      await rt.engine.startProject('keep');
      const file = join(home, 'traffic', 'keep.log');
      const on = await rt.engine.call('projects.persistTraffic', { project: 'keep', persist: true });
      assert.equal(on.persistTraffic, true);
      assert.equal(await send(rt.port, '/kept', 10), 200);
      await waitFor('the exchange on disk', () => statSync(file).size > 0);
      const off = await rt.engine.call('projects.persistTraffic', { project: 'keep', persist: false });
      assert.equal(off.persistTraffic, undefined);
      assert.equal(await send(rt.port, '/not-kept', 10), 200);
      await waitFor('the second exchange to finish', () => rt.traffic.list().some((s) => s.url === '/not-kept' && s.state === 'complete'));
      const paths = foldRecords(decodeRecords(readFileSync(file)).payloads).map((x) => new URL((parseEntry(x) as { request: { url: string } }).request.url).pathname);
      assert.deepEqual(paths, ['/kept']);
      await assert.rejects(rt.engine.call('projects.persistTraffic', { project: 'nope', persist: true }), /nope/);
    } finally {
      await rt.close();
    }
  });
});
