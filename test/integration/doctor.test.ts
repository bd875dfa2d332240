// The real `locald doctor` on this machine: glibc does not resolve *.localhost here, so the
// resolver check fails with its fix; a running locald is reported as the engine and as the
// holder of its port; a foreign server on the port is named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { LOCALD_BIN, killAlive, startLocald, tempHome, writeProjectDir } from '../helpers/locald-cli.js';
import type { CheckResult } from '../../engine/doctor/verdicts.js';
import { nodeFixture } from './supervisor-kit.js';

interface Report {
  ok: boolean;
  port: number;
  checks: CheckResult[];
}

function doctor(home: string, port: number | undefined, json = true): { status: number | null; report: Report | null; stdout: string } {
  const args = [LOCALD_BIN, 'doctor', '--home', home, ...(port === undefined ? [] : ['--http-port', String(port)]), ...(json ? ['--json'] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, report: json ? (JSON.parse(r.stdout) as Report) : null, stdout: r.stdout };
}

function check(report: Report | null, id: CheckResult['id']): CheckResult {
  const found = report?.checks.find((c) => c.id === id);
  assert.ok(found !== undefined, `no ${id} check in ${JSON.stringify(report)}`);
  return found;
}

/** A port nothing listens on right now (bound and released by a child, so no socket of ours lingers). */
function freePort(): number {
  const r = spawnSync(process.execPath, ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

test('nothing running: the resolver fails with its fix (glibc), the port is free, exit code 1', () => {
  const port = freePort();
  const { status, report } = doctor(tempHome(), port);
  assert.equal(status, 1);
  assert.equal(report?.ok, false);
  const resolver = check(report, 'resolver');
  assert.equal(resolver.status, 'fail');
  assert.match(resolver.summary, /does not resolve/);
  assert.match(resolver.fix ?? '', /Chromium, Firefox and curl .* hosts entry per project/);
  assert.equal(check(report, 'engine').status, 'warn');
  assert.deepEqual([check(report, 'port').status, check(report, 'port').summary], ['ok', `port ${port} is free`]);
  assert.equal(check(report, 'node').status, 'ok');
  assert.match(check(report, 'ca').summary, /no local CA yet/);

  const plain = doctor(tempHome(), port, false);
  assert.equal(plain.status, 1);
  assert.match(plain.stdout, /^FAIL {2}resolver: .*\n {6}fix: .*hosts entry/m);
  assert.ok(!plain.stdout.includes('\u001b['), 'no colour when not a TTY');
});

test('with locald up on the port: the engine answers and the port is held by its pid', async (t) => {
  const home = tempHome();
  const dir = writeProjectDir(['name = "doc"', '[services.web]', `command = ${JSON.stringify(nodeFixture('idle.js'))}`].join('\n'), 'locald-doctor-');
  const locald = startLocald(['up', dir, '--http-port', '0'], { home });
  t.after(() => locald.stop());
  const port = await locald.port();
  const { status, report } = doctor(home, port);
  assert.equal(status, 1, 'the resolver still fails here');
  assert.equal(check(report, 'engine').status, 'ok');
  assert.match(check(report, 'engine').summary, new RegExp(`locald is running for this state directory and answers on port ${port} \\(pid ${locald.child.pid}, version `));
  const held = check(report, 'port');
  assert.equal(held.status, 'ok');
  assert.match(held.summary, new RegExp(`held by locald: pid ${locald.child.pid} \\(.*locald\\.js up`));
  // The CA exists now; whether it is trusted depends on this machine, but the check names the stores.
  assert.doesNotMatch(check(report, 'ca').summary, /no local CA yet/);

  // Without --http-port, doctor finds the engine of this state directory by its owner record,
  // on whatever port it runs.
  const found = doctor(home, undefined);
  assert.equal(found.report?.port, port);
  assert.match(check(found.report, 'engine').summary, new RegExp(`answers on port ${port} \\(pid ${locald.child.pid}, version `));

  // Asked about another state directory, doctor does not take this engine for its own.
  const elsewhere = check(doctor(tempHome(), port).report, 'engine');
  assert.equal(elsewhere.status, 'warn');
  assert.match(elsewhere.summary, /not with this state directory's dashboard token/);
});

test('with a foreign server on the port: doctor names that process and fails', async (t) => {
  const server = spawn(process.execPath, ['-e', "require('http').createServer((q,s)=>s.end('not locald')).listen(0,'127.0.0.1',function(){console.log(this.address().port)})"], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => killAlive([server.pid as number]));
  const port = await new Promise<number>((resolve, reject) => {
    server.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    server.once('exit', () => reject(new Error('the foreign server exited')));
  });
  const { status, report } = doctor(tempHome(), port);
  assert.equal(status, 1);
  const engine = check(report, 'engine');
  assert.equal(engine.status, 'fail');
  assert.match(engine.summary, /something other than locald: HTTP 200/);
  const held = check(report, 'port');
  assert.equal(held.status, 'fail');
  assert.match(held.summary, new RegExp(`held by pid ${server.pid} \\(.*createServer.*\\), not by locald`));
  assert.match(held.fix ?? '', /--http-port/);
});
