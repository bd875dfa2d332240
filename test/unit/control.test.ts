// The control channel's pure parts: command-line parsing of the engine commands, the NDJSON
// framing, the owner record's staleness verdict, and what `ls`, `status` and `logs` print.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../engine/cli/args.js';
import { logLineMatches } from '../../engine/cli/engine-commands.js';
import { engineStatus, formatUptime, formatProjectList, formatStatus } from '../../engine/cli/listing.js';
import { openerFor } from '../../engine/cli/opener.js';
import { describeCommands } from '../../engine/cli/up-attach.js';
import { encodeLine, LineDecoder } from '../../engine/control/ndjson.js';
import { isOwnerRecord, judgeOwnerRecord, type OwnerRecord } from '../../engine/control/owner-record.js';
import { controlSocketPath, socketPathProblem } from '../../engine/control/socket-path.js';
import type { ProjectConfig } from '../../shared/config.js';
import type { LogLine, ProjectState } from '../../shared/state.js';
import { serviceState } from './state-fixtures.js';

test('engine commands parse PROJECT[/SERVICE] and their flags', () => {
  assert.deepEqual(parseArgs(['ls', '--json', '--home', '/h']), { ok: true, command: { kind: 'ls', home: '/h', json: true } });
  assert.deepEqual(parseArgs(['status']), { ok: true, command: { kind: 'status', home: undefined, json: false } });
  assert.deepEqual(parseArgs(['logs', 'shop/api', '-f', '--grep', 'err|warn', '--since', '5m']), {
    ok: true,
    command: { kind: 'logs', home: undefined, project: 'shop', service: 'api', follow: true, grep: 'err|warn', sinceMs: 300_000 },
  });
  assert.deepEqual(parseArgs(['logs', 'shop', '--service', 'web']).ok && (parseArgs(['logs', 'shop', '--service', 'web']) as { command: { service: string } }).command.service, 'web');
  assert.deepEqual(parseArgs(['restart', 'shop/api']), { ok: true, command: { kind: 'restart', home: undefined, project: 'shop', service: 'api' } });
  assert.deepEqual(parseArgs(['restart', 'shop']), { ok: true, command: { kind: 'restart', home: undefined, project: 'shop', service: undefined } });
  assert.deepEqual(parseArgs(['stop', 'shop']), { ok: true, command: { kind: 'stop', home: undefined, project: 'shop' } });
  assert.deepEqual(parseArgs(['open']), { ok: true, command: { kind: 'open', home: undefined, project: undefined } });
  assert.deepEqual(parseArgs(['up', 'b', '--yes', '--detach']), {
    ok: true,
    command: { kind: 'up', dirs: ['b'], httpPort: undefined, home: undefined, capture: true, bell: false, yes: true, detach: true },
  });
});

test('bad engine-command arguments get a message that says what is wrong', () => {
  const cases: [string[], RegExp][] = [
    [['logs'], /locald logs needs a PROJECT, e.g. locald logs shop/],
    [['stop', 'shop/api'], /locald stop takes a PROJECT; to restart one service use locald restart shop\/api/],
    [['logs', 'shop', '--since', '5 minutes'], /--since must be a duration like 30s, 5m, 2h or 1d, got '5 minutes'/],
    [['logs', 'shop', '--since', '30'], /--since must be a duration like 30s, 5m, 2h or 1d, got '30'/],
    [['logs', 'shop', '--grep', '('], /--grep: Invalid regular expression/],
    [['logs', 'shop/api', '--service', 'web'], /'shop\/api' and --service web name different services/],
    [['logs', '/api'], /'\/api' is not PROJECT or PROJECT\/SERVICE/],
    [['ls', 'extra'], /unexpected argument 'extra'/],
    [['ls', '-f'], /unknown option --follow \(valid: --home, --json\)/],
    [['status', '--grep', 'x'], /unknown option --grep/],
  ];
  for (const [argv, message] of cases) {
    const r = parseArgs(argv);
    assert.equal(r.ok, false, argv.join(' '));
    assert.match(r.ok ? '' : r.error, message);
  }
});

test('NDJSON framing: messages split anywhere, newlines inside strings, junk lines, and a cap', () => {
  const a = encodeLine({ type: 'request', id: 1, method: 'projects.list', params: {} });
  const b = encodeLine({ text: 'line one\nline two' });
  assert.equal(a.indexOf('\n'), a.length - 1);
  assert.equal(b.indexOf('\n'), b.length - 1, 'a newline in a string stays escaped');
  const decoder = new LineDecoder(1024);
  const joined = a + b + 'not json\n';
  const got = [...decoder.push(joined.slice(0, 7)), ...decoder.push(joined.slice(7, 50)), ...decoder.push(joined.slice(50))];
  assert.deepEqual(got, [
    { kind: 'message', value: { type: 'request', id: 1, method: 'projects.list', params: {} } },
    { kind: 'message', value: { text: 'line one\nline two' } },
    { kind: 'invalid', text: 'not json' },
  ]);
  assert.throws(() => new LineDecoder(16).push('x'.repeat(17)), /exceeded 16 bytes without a newline/);
});

const record: OwnerRecord = {
  pid: 4242,
  processStart: '1000',
  startedAt: 1,
  kind: 'locald up',
  port: 7700,
  version: '0.1.0',
  socket: '/h/engine.sock',
  dashboardUrl: 'http://locald.localhost:7700/?token=t',
};

test('an owner record is stale when its pid is gone or now belongs to another process', () => {
  assert.deepEqual(judgeOwnerRecord(record, true, '1000'), { live: true });
  assert.deepEqual(judgeOwnerRecord(record, false, null), { live: false, reason: 'engine pid 4242 is not running' });
  assert.deepEqual(judgeOwnerRecord(record, true, '2000'), { live: false, reason: 'pid 4242 now belongs to another process' });
  // Where start times are unknown (not Linux) a living pid has to be believed.
  assert.deepEqual(judgeOwnerRecord({ ...record, processStart: null }, true, null), { live: true });
  assert.equal(isOwnerRecord(record), true);
  assert.equal(isOwnerRecord({ ...record, pid: '4242' }), false);
});

test('the control endpoint: a socket in the state folder, a named pipe on Windows, and a located error for a path too long', () => {
  assert.equal(controlSocketPath('/home/u/.locald', 'linux'), '/home/u/.locald/engine.sock');
  assert.match(controlSocketPath('C:\\Users\\u\\AppData\\Local\\locald', 'win32'), /^\\\\\.\\pipe\\locald-[0-9a-f]{16}$/);
  assert.equal(socketPathProblem('/h/engine.sock', 'linux'), null);
  assert.match(socketPathProblem(`/${'x'.repeat(120)}/engine.sock`, 'linux') ?? '', /longer than the 103 bytes a Unix socket allows; choose a shorter state folder with --home/);
});

const project: ProjectState = {
  name: 'shop',
  dir: '/p/shop',
  file: '/p/shop/locald.toml',
  status: 'running',
  url: 'http://shop.localhost:7700/',
  services: [serviceState('api', { pid: 99 })],
  routes: [],
  configIssues: [],
};

test('ls and status print plain lines', () => {
  assert.equal(formatProjectList([project]), 'shop  running  http://shop.localhost:7700/\n  api  ready  port 4000  pid 99');
  assert.equal(formatProjectList([]), 'no projects');
  const info = { version: '0.1.0', httpPort: 7700, dashboardUrl: 'http://locald.localhost:7700/', home: '/h', pid: 4242 };
  const status = engineStatus(info, record, [project], '/h/engine.sock', 3_723_001);
  assert.equal(status.uptimeMs, 3_723_000);
  assert.equal(formatStatus(status).split('\n')[0], 'engine: locald up 0.1.0, pid 4242, up 1h 2m');
  assert.match(formatStatus(status), /\nprojects:\n {2}shop {2}running {2}http:\/\/shop\.localhost:7700\/$/);
  // A record of another pid says nothing about the engine that answered.
  assert.equal(engineStatus({ ...info, pid: 1 }, record, [], '/h/engine.sock', 5).uptimeMs, null);
  assert.equal(formatUptime(59_000), '59s');
  assert.equal(formatUptime(90_061_000), '1d 1h');
});

test('logs filter by project, service, time and pattern', () => {
  const line: LogLine = { seq: 1, time: 1000, project: 'Shop', service: 'api', stream: 'stdout', text: 'GET /products 200' };
  assert.equal(logLineMatches(line, { project: 'shop' }), true);
  assert.equal(logLineMatches(line, { project: 'blog' }), false);
  assert.equal(logLineMatches(line, { project: 'shop', service: 'web' }), false);
  assert.equal(logLineMatches(line, { project: 'shop', notBefore: 1001 }), false);
  assert.equal(logLineMatches(line, { project: 'shop', grep: / 5\d\d$/ }), false);
  assert.equal(logLineMatches(line, { project: 'shop', grep: /products/ }), true);
});

test('the approval prompt lists every command with its folder; each platform has its opener', () => {
  const config = { name: 'blog', services: [{ name: 'web', command: 'npm run dev', cwd: '/p/blog' }] } as unknown as ProjectConfig;
  const info = { version: '0.1.0', httpPort: 7700, dashboardUrl: '', home: '/h', pid: 7 };
  assert.deepEqual(describeCommands([config], info), [
    'locald: an engine already runs (pid 7, port 7700); adding blog to it.',
    'These commands will run:',
    '  blog/web: npm run dev   (in /p/blog)',
  ]);
  assert.deepEqual(openerFor('linux', 'http://x/'), { command: 'xdg-open', args: ['http://x/'] });
  assert.deepEqual(openerFor('darwin', 'http://x/'), { command: 'open', args: ['http://x/'] });
  assert.equal(openerFor('win32', 'http://x/').command, 'cmd.exe');
});
