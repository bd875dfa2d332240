import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseArgs } from '../../engine/cli/args.js';
import {
  MIN_NODE,
  doctorExitCode,
  formatDoctorReport,
  judgeCa,
  judgeEngine,
  doctorPort,
  judgeNode,
  judgePort,
  judgeResolver,
  versionAtLeast,
} from '../../engine/doctor/verdicts.js';

test('engine: locald answering is ok; nothing listening is a warning; something else fails', () => {
  assert.equal(judgeEngine({ port: 7700, answer: { kind: 'http', status: 401, locald: true } }).status, 'ok');
  const withOwner = judgeEngine({ port: 7700, answer: { kind: 'http', status: 401, locald: true }, owner: { pid: 42, version: '0.1.0' } });
  assert.match(withOwner.summary, /pid 42, version 0\.1\.0/);
  const foreignHome = judgeEngine({ port: 7700, answer: { kind: 'http', status: 401, locald: true }, servesHome: false });
  assert.equal(foreignHome.status, 'warn');
  assert.match(foreignHome.fix ?? '', /--home/);
  const none = judgeEngine({ port: 7700, answer: { kind: 'refused' } });
  assert.equal(none.status, 'warn');
  assert.match(none.fix ?? '', /locald up/);
  const other = judgeEngine({ port: 7700, answer: { kind: 'http', status: 200, locald: false, server: 'nginx' } });
  assert.equal(other.status, 'fail');
  assert.match(other.summary, /something other than locald: HTTP 200 \(Server: nginx\)/);
  assert.equal(judgeEngine({ port: 7700, answer: { kind: 'error', message: 'socket hang up' } }).status, 'fail');
});

test('resolver: loopback answers pass; ENOTFOUND fails with the browsers and a hosts entry in the fix', () => {
  assert.equal(judgeResolver({ name: 'doctor-check.localhost', addresses: ['127.0.0.1', '::1'] }, 7700).status, 'ok');
  const glibc = judgeResolver({ name: 'doctor-check.localhost', error: 'ENOTFOUND' }, 7700);
  assert.equal(glibc.status, 'fail');
  assert.match(glibc.summary, /does not resolve \(ENOTFOUND\)/);
  assert.match(glibc.fix ?? '', /Chromium, Firefox and curl/);
  assert.match(glibc.fix ?? '', /127\.0\.0\.1 shop\.localhost/);
  assert.match(glibc.fix ?? '', /Host: shop\.localhost:7700/);
  const elsewhere = judgeResolver({ name: 'x.localhost', addresses: ['10.0.0.5'] }, 7700);
  assert.equal(elsewhere.status, 'fail');
  assert.match(elsewhere.summary, /10\.0\.0\.5, not to loopback/);
});

test('CA: missing is a warning, absent from a store fails and names it, unknown is a warning', () => {
  assert.equal(judgeCa({ certPath: '/h/ca/ca.pem', stores: null }).status, 'warn');
  const absent = judgeCa({
    certPath: '/h/ca/ca.pem',
    stores: [
      { store: 'system store (Debian/Ubuntu)', state: 'present' },
      { store: 'NSS database /root/.pki/nssdb (Chromium)', state: 'absent', reason: 'the store does not exist yet' },
    ],
  });
  assert.equal(absent.status, 'fail');
  assert.match(absent.summary, /not trusted in NSS database \/root\/\.pki\/nssdb \(Chromium\): the store does not exist yet \(trusted in system store/);
  assert.match(absent.fix ?? '', /locald ca --install/);
  assert.equal(judgeCa({ certPath: 'c', stores: [{ store: 'Firefox', state: 'unknown', reason: 'no profile' }] }).status, 'warn');
  assert.equal(judgeCa({ certPath: 'c', stores: [{ store: 'macOS login keychain', state: 'present' }] }).status, 'ok');
});

test('port: free is ok, held by locald is ok, held by another process fails and names it', () => {
  assert.equal(judgePort({ port: 7700, listening: false, holders: [], locald: false }).status, 'ok');
  const ours = judgePort({ port: 7700, listening: true, holders: [{ pid: 12, command: 'node bin/locald.js up' }], locald: true });
  assert.equal(ours.status, 'ok');
  assert.match(ours.summary, /held by locald: pid 12 \(node bin\/locald\.js up\)/);
  const foreign = judgePort({ port: 7700, listening: true, holders: [{ pid: 99, command: 'python3 -m http.server 7700' }], locald: false });
  assert.equal(foreign.status, 'fail');
  assert.match(foreign.summary, /pid 99 \(python3 -m http\.server 7700\), not by locald/);
  assert.match(foreign.fix ?? '', /--http-port 7701/);
  const unseen = judgePort({ port: 7700, listening: true, holders: [], locald: false });
  assert.match(unseen.fix ?? '', /lsof -iTCP:7700 -sTCP:LISTEN/);
});

test('node: versions compare numerically; MIN_NODE matches package.json engines', () => {
  assert.equal(versionAtLeast('20.11.0', '20.11'), true);
  assert.equal(versionAtLeast('v20.9.0', '20.11'), false);
  assert.equal(versionAtLeast('24.0.0', '20.11'), true);
  assert.equal(judgeNode('18.19.0').status, 'fail');
  assert.match(judgeNode('18.19.0').fix ?? '', /20\.11 or later/);
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
  assert.equal(pkg.engines.node, `>=${MIN_NODE}`);
});

test('exit code and report: warnings pass, one failure fails; fixes are indented under their check', () => {
  const ok = { id: 'node' as const, status: 'ok' as const, summary: 'fine' };
  const warn = { id: 'engine' as const, status: 'warn' as const, summary: 'none', fix: 'start it' };
  const fail = { id: 'resolver' as const, status: 'fail' as const, summary: 'broken', fix: 'add hosts' };
  assert.equal(doctorExitCode([ok, warn]), 0);
  assert.equal(doctorExitCode([ok, warn, fail]), 1);
  assert.equal(formatDoctorReport([warn, fail], false), 'warn  engine: none\n      fix: start it\nFAIL  resolver: broken\n      fix: add hosts\nlocald doctor: 1 check failed');
  assert.ok(formatDoctorReport([fail], true).includes('\u001b[31mFAIL\u001b[0m'));
});

test('doctor and dashboard arguments', () => {
  assert.deepEqual(parseArgs(['doctor']), { ok: true, command: { kind: 'doctor', httpPort: undefined, home: undefined, json: false } });
  assert.deepEqual(parseArgs(['doctor', '--json', '--http-port', '8080', '--home', '/h']), { ok: true, command: { kind: 'doctor', httpPort: 8080, home: '/h', json: true } });
  assert.deepEqual(parseArgs(['dashboard', '--rotate-token']), { ok: true, command: { kind: 'dashboard', rotateToken: true, httpPort: undefined, home: undefined } });
  const cases: [string[], RegExp][] = [
    [['doctor', '--rotate-token'], /unknown option --rotate-token \(valid: --json, --http-port, --home\)/],
    [['dashboard', '--json'], /unknown option --json/],
    [['doctor', '--http-port', '0'], /from 1 to 65535, got '0'/],
    [['dashboard', 'extra'], /unexpected argument 'extra'/],
  ];
  for (const [argv, message] of cases) {
    const r = parseArgs(argv);
    assert.equal(r.ok, false, argv.join(' '));
    assert.match(r.ok ? '' : r.error, message);
  }
});

test('doctor asks about the port the user named, else the live owner record\'s, else the default', () => {
  assert.equal(doctorPort(9000, { port: 7811, live: true }, 7700), 9000);
  assert.equal(doctorPort(undefined, { port: 7811, live: true }, 7700), 7811);
  assert.equal(doctorPort(undefined, { port: 7811, live: false }, 7700), 7700, 'a stale record says nothing about the port');
  assert.equal(doctorPort(undefined, null, 7700), 7700);
});
