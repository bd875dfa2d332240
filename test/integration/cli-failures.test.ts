// `locald up` when things go wrong: explained error pages from real failing services,
// no orphans after SIGTERM or a crash of locald itself, a port in use, and `locald check`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isAlive, LOCALD_BIN, REPO, startLocald, tempHome, type LocaldProcess } from '../helpers/locald-cli.js';
import { request, waitFor } from '../helpers/proxy-net.js';

const FAILING = join(REPO, 'test', 'fixtures', 'projects', 'failing');
const run = promisify(execFile);

function readPids(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('error pages from real failing services', () => {
  let locald: LocaldProcess;
  let port: number;
  const pidsFile = join(mkdtempSync(join(tmpdir(), 'locald-pids-')), 'pids');

  before(async () => {
    locald = startLocald(['up', FAILING, '--http-port', '0'], { env: { PIDS_FILE: pidsFile } });
    port = await locald.port();
    await locald.waitForOutput(/locald: failing\/boom exited with code 3/, 60_000);
    await locald.waitForOutput(/failing\/deaf unhealthy/, 60_000);
    await locald.waitForOutput(/failing\/tree ready/, 60_000);
  });

  after(async () => {
    await locald?.stop('SIGKILL');
  });

  test('a crashed service gets a 502 naming the service, its exit code and its last log line', async () => {
    const res = await request(port, { host: `failing.localhost:${port}`, path: '/boom/x', headers: { accept: 'text/html' } });
    assert.equal(res.status, 502);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(res.text, /boom/);
    assert.match(res.text, /code 3/);
    assert.ok(res.text.includes('boom: fatal: DATABASE_URL is not set'), 'the last log line is on the page');
    const json = await request(port, { host: `failing.localhost:${port}`, path: '/boom/x' });
    assert.match(String(json.headers['content-type']), /application\/problem\+json/);
    const problem = JSON.parse(json.text) as Record<string, unknown>;
    assert.equal(problem.status, 502);
    assert.equal(problem.service, 'boom');
    assert.equal(problem.exitCode, 3);
    assert.ok(JSON.stringify(problem).includes('DATABASE_URL is not set'));
  });

  test('a refused connection names the port', async () => {
    const state = await request(port, { host: `failing.localhost:${port}`, path: '/deaf/' });
    assert.equal(state.status, 502);
    const problem = JSON.parse(state.text) as { detail: string };
    const servicePort = Number(/deaf: running, but not listening on (\d+)/.exec(locald.output())?.[1]);
    assert.ok(servicePort > 0, 'the service printed its $PORT');
    assert.ok(problem.detail.includes(String(servicePort)), `the explanation names port ${servicePort}: ${problem.detail}`);
  });

  test('SIGTERM leaves no process behind, grandchildren included', async () => {
    const pids = await waitFor(() => (readPids(pidsFile).length >= 2 ? readPids(pidsFile) : undefined), 'tree.js to record its pids');
    assert.ok(pids.every(isAlive), 'the service and its grandchild run while locald runs');
    assert.equal(await locald.stop('SIGTERM'), 0);
    await waitFor(() => (pids.some(isAlive) ? undefined : true), `pids ${pids.join(', ')} to be gone`);
  });
});

describe('a crash of locald itself', () => {
  test('leaves services behind that the next start reaps', async () => {
    const home = tempHome();
    const pidsFile = join(mkdtempSync(join(tmpdir(), 'locald-pids-')), 'pids');
    const first = startLocald(['up', FAILING, '--http-port', '0'], { home, env: { PIDS_FILE: pidsFile } });
    await first.waitForOutput(/failing\/tree ready/, 60_000);
    const pids = await waitFor(() => (readPids(pidsFile).length >= 2 ? readPids(pidsFile) : undefined), 'pids');
    await first.stop('SIGKILL');
    assert.ok(pids.every(isAlive), 'SIGKILL of locald orphans its services (the case reaping exists for)');

    const second = startLocald(['up', FAILING, '--http-port', '0'], { home });
    try {
      await second.waitForOutput(/reaped \d+ process groups? left over/, 30_000);
      await waitFor(() => (pids.some(isAlive) ? undefined : true), `orphans ${pids.join(', ')} to be reaped`);
    } finally {
      await second.stop('SIGTERM');
    }
  });
});

describe('bad input to the CLI', () => {
  let blocker: Server;
  let busyPort: number;

  before(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    busyPort = (blocker.address() as { port: number }).port;
  });
  after(() => blocker.close());

  test('a proxy port in use is a clear error naming the port, and exit code 1', async () => {
    const locald = startLocald(['up', join(REPO, 'examples', 'shop'), '--http-port', String(busyPort)]);
    const code = await locald.waitForExit();
    assert.equal(code, 1);
    assert.match(locald.output(), new RegExp(`port ${busyPort} is already in use`));
  });

  test('a broken locald.toml: `locald up` names file, line and column, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locald-bad-'));
    writeFileSync(join(dir, 'locald.toml'), '[service "web"]\ncommand = "node web.js"\n');
    const locald = startLocald(['up', dir, '--http-port', '0']);
    const code = await locald.waitForExit();
    assert.equal(code, 1);
    assert.ok(locald.output().includes(`${join(dir, 'locald.toml')}:1:`), locald.output());
    assert.match(locald.output(), /\[services\.web\]/);
  });

  test('`locald check` exits 0 for a valid project and 1 with located errors for an invalid one', async () => {
    const ok = await run(process.execPath, [LOCALD_BIN, 'check', join(REPO, 'examples', 'shop')]);
    assert.match(ok.stdout, /ok — project 'shop', 3 services/);
    const dir = mkdtempSync(join(tmpdir(), 'locald-bad-'));
    mkdirSync(join(dir, 'x'));
    writeFileSync(join(dir, 'locald.toml'), '[services.api]\ncomand = "node api.js"\n\n[routes]\n"/api" = "apii"\n');
    const failed = await run(process.execPath, [LOCALD_BIN, 'check', dir]).then(
      () => assert.fail('check should fail'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /locald\.toml:2:1: \[services\.api\.comand\]/);
    assert.match(failed.stderr, /command/);
    assert.match(failed.stderr, /apii/);
    assert.match(failed.stderr, /api/);
  });

  test('an unknown option is refused with usage, exit code 2', async () => {
    const failed = await run(process.execPath, [LOCALD_BIN, 'up', '--http-prot', '1']).then(
      () => assert.fail('should fail'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, /unknown option --http-prot/);
  });
});
