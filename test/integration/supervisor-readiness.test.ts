import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { stripAnsi } from '../../engine/supervisor/line-splitter.js';
import { FIXTURES, harness, nodeFixture, project, service, waitUntilGone } from './supervisor-kit.js';

test('HTTP readiness: a 503 is not ready, any answer below 500 is', async (t) => {
  const h = harness(
    t,
    project('p', [
      service('sick', nodeFixture('http-server.js'), { env: { HEALTH_STATUS: '503' }, ready: { kind: 'http', path: '/healthz', timeoutMs: 1_500 } }),
      service('fine', nodeFixture('http-server.js'), { env: { HEALTH_STATUS: '404' }, ready: { kind: 'http', path: 'healthz', timeoutMs: 30_000 } }),
    ]),
  );
  await h.supervisor.start();
  assert.equal(h.supervisor.state('fine')?.status, 'ready');
  const sick = h.supervisor.state('sick');
  assert.equal(sick?.status, 'unhealthy');
  assert.equal(sick?.reason, `readiness check timed out after 1.5s: GET /healthz on port ${sick?.port} answered 503`);
  assert.ok(sick?.pid !== null, 'an unhealthy service keeps running');
});

test('log readiness: a matching line makes the service ready; a bad pattern is a clear reason', async (t) => {
  const h = harness(
    t,
    project('p', [
      service('worker', nodeFixture('ready-line.js'), { ready: { kind: 'log', pattern: 'ready to accept \\w+', timeoutMs: 30_000 } }),
      service('bad', nodeFixture('ready-line.js'), { ready: { kind: 'log', pattern: '(unclosed', timeoutMs: 30_000 } }),
    ]),
  );
  await h.supervisor.start();
  assert.equal(h.supervisor.state('worker')?.status, 'ready');
  assert.match(h.text('worker'), /warming up\nstill warming up|still warming up\nwarming up/);
  const bad = h.supervisor.state('bad');
  assert.equal(bad?.status, 'unhealthy');
  assert.match(bad?.reason ?? '', /^ready\.log pattern "\(unclosed" is not a valid regular expression/);
});

test('a readiness timeout makes the service unhealthy, and a later success flips it to ready', async (t) => {
  const h = harness(
    t,
    project('p', [
      service('slow', nodeFixture('http-server.js'), { env: { LISTEN_DELAY_MS: '2500' }, ready: { kind: 'tcp', timeoutMs: 500 } }),
      service('slowlog', nodeFixture('ready-line.js'), { env: { READY_DELAY_MS: '2000' }, ready: { kind: 'log', pattern: 'ready to accept', timeoutMs: 300 } }),
    ]),
  );
  await h.supervisor.start();
  const slow = h.supervisor.state('slow');
  assert.equal(slow?.status, 'unhealthy');
  assert.equal(slow?.reason, `readiness check timed out after 500ms: nothing accepted connections on port ${slow?.port}`);
  assert.equal(h.supervisor.state('slowlog')?.reason, 'readiness check timed out after 300ms: no output line matched /ready to accept/');
  await h.waitForState('slow', (s) => s.status === 'ready', 'ready after all');
  await h.waitForState('slowlog', (s) => s.status === 'ready', 'ready after all');
  assert.equal(h.supervisor.state('slow')?.reason, null);
});

test('a service listening on another port than $PORT is diagnosed, and the reason says so', async (t) => {
  const h = harness(t, project('p', [service('vite', nodeFixture('wrong-port.js'), { ready: { kind: 'tcp', timeoutMs: 1_500 } })]));
  await h.supervisor.start();
  // Under load the timeout may come before the announcement; the reason is updated when it does.
  const state = await h.waitForState('vite', (s) => s.status === 'unhealthy' && s.diagnostics.length > 0, 'unhealthy with a diagnosis');
  const announced = /localhost:(\d+)/.exec(stripAnsi(h.text('vite')))?.[1];
  assert.ok(announced !== undefined, h.text('vite'));
  const diagnostic = `app listens on ${announced}, not $PORT=${state.port}; set port = ${announced} or make it read $PORT`;
  assert.deepEqual(state.diagnostics, [diagnostic]);
  assert.equal(state.reason, `readiness check timed out after 1.5s: nothing accepted connections on port ${state.port}; ${diagnostic}`);
});

test('a configured port held by another process fails before spawning, naming the port and the key', async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => blocker.close());
  const port = (blocker.address() as net.AddressInfo).port;
  const h = harness(t, project('p', [service('api', nodeFixture('http-server.js'), { port, restart: 'on-failure' })]));
  await h.supervisor.start();
  const state = h.supervisor.state('api');
  assert.equal(state?.status, 'crashed');
  assert.equal(state?.reason, `port ${port} is already in use by another process; stop it or change services.api.port`);
  assert.equal(state?.pid, null);
  assert.equal(state?.startedAt, null, 'never spawned');
  assert.doesNotMatch(h.text('api'), /starting:/);
});

test('a missing working directory is a clear failure, not a spawn error', async (t) => {
  const cwd = join(process.cwd(), 'no-such-dir-locald');
  const h = harness(t, project('p', [service('api', nodeFixture('http-server.js'), { cwd })]));
  await h.supervisor.start();
  assert.equal(h.supervisor.state('api')?.status, 'crashed');
  assert.equal(h.supervisor.state('api')?.reason, `working directory ${cwd} does not exist`);
});

test('a service that exits with code 3 is crashed (restart never), with its output kept', async (t) => {
  const h = harness(t, project('p', [service('job', nodeFixture('exit-code.js'))]));
  await h.supervisor.start();
  const state = await h.waitForState('job', (s) => s.status === 'crashed', 'crashed');
  assert.equal(state.reason, 'exited with code 3');
  assert.deepEqual({ code: state.lastExit?.code, signal: state.lastExit?.signal }, { code: 3, signal: null });
  await h.waitForLine('job', /last words without newline/);
  const logs = h.supervisor.logs({ service: 'job' });
  assert.ok(logs.some((l) => l.stream === 'stdout' && l.text === 'about to fail'));
  assert.ok(logs.some((l) => l.stream === 'stderr' && l.text === 'something went wrong on stderr'));
  assert.ok(logs.some((l) => l.stream === 'system' && l.text === 'exited with code 3'));
});

test('on-failure restarts with backoff and counts restarts; a clean exit is not restarted', async (t) => {
  const h = harness(
    t,
    project('p', [
      service('flaky', nodeFixture('exit-code.js'), { restart: 'on-failure' }),
      service('done', nodeFixture('exit-code.js'), { restart: 'on-failure', env: { EXIT_CODE: '0' } }),
    ]),
  );
  await h.supervisor.start();
  const backoff = await h.waitForState('flaky', (s) => s.status === 'backoff', 'in backoff');
  assert.match(backoff.reason ?? '', /^exited with code 3; restarting in (500ms|1s)$/);
  assert.ok(backoff.nextRestartAt !== null && backoff.nextRestartAt > (backoff.lastExit?.at ?? 0));
  const again = await h.waitForState('flaky', (s) => s.restarts >= 2, 'restarted twice');
  assert.equal(again.restartPolicy, 'on-failure');
  // The delay grows: the second wait is longer than the first.
  const delays = h.history
    .filter((e) => e.state.name === 'flaky' && e.state.status === 'backoff')
    .map((e) => (e.state.nextRestartAt ?? 0) - (e.state.lastExit?.at ?? 0));
  assert.deepEqual(delays.slice(0, 2), [500, 1000]);
  const done = await h.waitForState('done', (s) => s.status === 'stopped' && s.lastExit !== null, 'stopped');
  assert.equal(done.reason, 'exited with code 0');
  assert.equal(done.restarts, 0);
  await h.supervisor.stop();
  const stopped = h.supervisor.state('flaky');
  assert.equal(stopped?.status, 'stopped');
  assert.equal(stopped?.nextRestartAt, null);
  for (const pid of h.history.map((e) => e.state.pid).filter((p): p is number => p !== null)) await waitUntilGone(pid);
});

test('`npm run dev` whose script runs Vite gets `-- --port $PORT`, so it listens where locald expects', { skip: process.platform === 'win32' ? 'fake vite is a POSIX script' : false }, async (t) => {
  const cwd = join(FIXTURES, 'vite-app');
  // The real Vite leaves its dependency cache there; the fixture itself has no dependencies.
  t.after(() => rmSync(join(cwd, 'node_modules'), { recursive: true, force: true }));
  const h = harness(
    t,
    project('p', [
      service('web', 'npm run dev', {
        cwd,
        // npm itself is found on PATH; the fake vite comes first.
        env: { PATH: `${join(cwd, 'fake-bin')}:${process.env.PATH ?? ''}`, npm_config_update_notifier: 'false' },
        ready: { kind: 'tcp', timeoutMs: 60_000 },
      }),
    ]),
  );
  await h.supervisor.start();
  const state = h.supervisor.state('web');
  assert.equal(state?.status, 'ready', `${state?.reason}\n${h.text('web')}`);
  assert.match(h.text('web'), /vite ignores \$PORT, so locald passes --port \d+/);
  assert.match(h.text('web'), new RegExp(`starting: npm run dev -- --port ${state?.port} `));
  // npm echoes the script with the flag; then Vite (the real one if the repo has it, since npm
  // puts ancestors' node_modules/.bin first, else fake-bin/vite) announces $PORT.
  assert.match(h.text('web'), new RegExp(`> vite --port ${state?.port}\\n`));
  assert.match(stripAnsi(h.text('web')), new RegExp(`Local: +http://localhost:${state?.port}/`));
  assert.deepEqual(state?.diagnostics, []);
});
