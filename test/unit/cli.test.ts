import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../engine/cli/args.js';
import { formatLogLine } from '../../engine/cli/format.js';
import { resolveHome } from '../../engine/home.js';

test('locald up: dirs, --http-port (both spellings) and --home', () => {
  assert.deepEqual(parseArgs(['up']), { ok: true, command: { kind: 'up', dirs: ['.'], httpPort: undefined, home: undefined, capture: true, bell: false } });
  assert.deepEqual(parseArgs(['up', 'a', 'b', '--http-port', '0', '--home=/tmp/h', '--no-capture']), {
    ok: true,
    command: { kind: 'up', dirs: ['a', 'b'], httpPort: 0, home: '/tmp/h', capture: false, bell: false },
  });
  assert.deepEqual(parseArgs(['up', '--http-port=8081']).ok && (parseArgs(['up', '--http-port=8081']) as { command: { httpPort: number } }).command.httpPort, 8081);
  assert.deepEqual(parseArgs(['up', '--capture-max-total', '65536']), {
    ok: true,
    command: { kind: 'up', dirs: ['.'], httpPort: undefined, home: undefined, capture: true, bell: false, captureMaxTotalBytes: 65536 },
  });
  assert.deepEqual(parseArgs(['up', 'shop', '--bell']), {
    ok: true,
    command: { kind: 'up', dirs: ['shop'], httpPort: undefined, home: undefined, capture: true, bell: true },
  });
});

test('bad arguments are refused with a message that says what is valid', () => {
  const cases: [string[], RegExp][] = [
    [['up', '--http-port', 'abc'], /--http-port must be a port number from 0 to 65535, got 'abc'/],
    [['up', '--http-port', '70000'], /got '70000'/],
    [['up', '--http-port'], /--http-port needs a value/],
    [['up', '--verbose'], /unknown option --verbose \(valid: --http-port, --home, --no-capture, --capture-max-total, --bell, --yes, --detach\)/],
    [['up', '--bell=no'], /--bell takes no value, got '--bell=no'/],
    [['up', '--capture-max-total', '2MB'], /--capture-max-total must be a number of bytes, at least 1024, got '2MB'/],
    [['up', '--capture-max-total=10'], /at least 1024, got '10'/],
    [['check', 'a', 'b'], /one DIR or FILE/],
    [['ca', '--install', '--uninstall'], /choose one/],
    [['frobnicate'], /unknown command 'frobnicate'. Commands: up, ls, status, logs, restart, stop, open, check, ca/],
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
  assert.deepEqual(parseArgs(['ca', '--uninstall', '--no-system-store']), {
    ok: true,
    command: { kind: 'ca', action: 'uninstall', home: undefined, skipSystemStore: true },
  });
  const lone = parseArgs(['ca', '--no-system-store']);
  assert.match(lone.ok ? '' : lone.error, /--no-system-store goes with --install or --uninstall/);
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

test("locald's own lines about a service are marked as locald's, not under the service's prefix", () => {
  const base = { seq: 1, time: 0, project: 'shop', service: 'api', stream: 'system' as const };
  assert.equal(formatLogLine({ ...base, text: 'ready on port 4000 (127.0.0.1)' }, false, 10), 'locald: shop/api ready on port 4000 (127.0.0.1)');
  assert.equal(formatLogLine({ ...base, text: "waiting for 'db'" }, false, 10), "locald: shop/api waiting for 'db'");
  assert.equal(formatLogLine({ ...base, service: 'locald', text: 'config changed; routes updated' }, false, 10), 'locald: shop: config changed; routes updated');
  const coloured = formatLogLine({ ...base, text: 'ready on port 4000' }, true, 10);
  assert.ok(!coloured.includes('|'), JSON.stringify(coloured));
  const ESC = String.fromCharCode(27);
  assert.equal(coloured.split(ESC).map((part) => part.replace(/^\[\d+m/, '')).join(''), 'locald: shop/api ready on port 4000');
});

test('a service line on stderr is red only when it reads like an error', () => {
  const base = { seq: 1, time: 0, project: 'shop', service: 'api', stream: 'stderr' as const };
  assert.equal(formatLogLine({ ...base, text: 'Error: boom' }, true, 0), `${formatLogLine({ ...base, text: '' }, true, 0)}\u001b[31mError: boom\u001b[0m`);
  assert.ok(formatLogLine({ ...base, text: 'listening' }, true, 0).endsWith(' listening'));
});
