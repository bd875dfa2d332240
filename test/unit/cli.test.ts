import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../engine/cli/args.js';
import { formatLogLine, formatServiceState } from '../../engine/cli/format.js';
import { resolveHome } from '../../engine/home.js';
import type { ServiceState } from '../../shared/state.js';

test('locald up: dirs, --http-port (both spellings) and --home', () => {
  assert.deepEqual(parseArgs(['up']), { ok: true, command: { kind: 'up', dirs: ['.'], httpPort: undefined, home: undefined, capture: true } });
  assert.deepEqual(parseArgs(['up', 'a', 'b', '--http-port', '0', '--home=/tmp/h', '--no-capture']), {
    ok: true,
    command: { kind: 'up', dirs: ['a', 'b'], httpPort: 0, home: '/tmp/h', capture: false },
  });
  assert.deepEqual(parseArgs(['up', '--http-port=8081']).ok && (parseArgs(['up', '--http-port=8081']) as { command: { httpPort: number } }).command.httpPort, 8081);
});

test('bad arguments are refused with a message that says what is valid', () => {
  const cases: [string[], RegExp][] = [
    [['up', '--http-port', 'abc'], /--http-port must be a port number from 0 to 65535, got 'abc'/],
    [['up', '--http-port', '70000'], /got '70000'/],
    [['up', '--http-port'], /--http-port needs a value/],
    [['up', '--verbose'], /unknown option --verbose \(valid: --http-port, --home, --no-capture\)/],
    [['check', 'a', 'b'], /one DIR or FILE/],
    [['ca', '--install', '--uninstall'], /choose one/],
    [['frobnicate'], /unknown command 'frobnicate'. Commands: up, check, ca/],
  ];
  for (const [argv, message] of cases) {
    const r = parseArgs(argv);
    assert.equal(r.ok, false, argv.join(' '));
    assert.match(r.ok ? '' : r.error, message);
  }
});

test('check and ca defaults', () => {
  assert.deepEqual(parseArgs(['check']), { ok: true, command: { kind: 'check', target: '.' } });
  assert.deepEqual(parseArgs(['ca']), { ok: true, command: { kind: 'ca', action: 'path', home: undefined } });
  assert.deepEqual(parseArgs(['ca', '--install']), { ok: true, command: { kind: 'ca', action: 'install', home: undefined } });
  assert.deepEqual(parseArgs([]), { ok: true, command: { kind: 'help' } });
});

test('the state directory: --home, then LOCALD_HOME, then the platform default', () => {
  assert.equal(resolveHome('/a', { LOCALD_HOME: '/b' }, 'linux'), '/a');
  assert.equal(resolveHome(undefined, { LOCALD_HOME: '/b' }, 'linux'), '/b');
  assert.equal(resolveHome(undefined, { XDG_STATE_HOME: '/x' }, 'linux'), '/x/locald');
  assert.match(resolveHome(undefined, {}, 'darwin'), /\.locald$/);
  assert.match(resolveHome(undefined, { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32'), /locald$/);
});

test('log lines carry the project/service prefix, coloured only on request', () => {
  const line = { seq: 1, time: 0, project: 'shop', service: 'api', stream: 'stdout' as const, text: 'listening' };
  assert.equal(formatLogLine(line, false, 10), 'shop/api   | listening');
  const coloured = formatLogLine(line, true, 10);
  const ESC = String.fromCharCode(27);
  assert.ok(coloured.startsWith(`${ESC}[`) && coloured.endsWith(`${ESC}[0m listening`), JSON.stringify(coloured));
  assert.ok(coloured.includes('shop/api   |'));
});

test('service state lines say why a service is not ready', () => {
  const s: ServiceState = {
    name: 'api', status: 'crashed', port: 4000, pid: null, restartPolicy: 'never', restarts: 0, startedAt: 1,
    lastExit: { code: 3, signal: null, at: 2 }, reason: 'exited with code 3', nextRestartAt: null, diagnostics: ['listening on :5173, not $PORT=4000'],
  };
  assert.equal(formatServiceState('shop', s, false), 'locald: shop/api crashed :4000 — exited with code 3 (listening on :5173, not $PORT=4000)');
  const diagnostic = 'app listens on 5173, not $PORT=4000; set port = 5173 or make it read $PORT';
  const unhealthy: ServiceState = { ...s, status: 'unhealthy', reason: `readiness check timed out after 60s: nothing accepted connections on port 4000; ${diagnostic}`, diagnostics: [diagnostic] };
  assert.equal(formatServiceState('shop', unhealthy, false), `locald: shop/api unhealthy :4000 — ${unhealthy.reason}`, 'the diagnosis is said once');
});
