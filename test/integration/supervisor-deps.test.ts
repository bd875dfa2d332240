import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness, nodeFixture, project, service } from './supervisor-kit.js';

test('services start after their dependencies are ready; independent ones do not wait', async (t) => {
  const h = harness(
    t,
    project('shop', [
      service('web', nodeFixture('http-server.js'), { dependsOn: ['api', 'auth'] }),
      service('api', nodeFixture('http-server.js'), { dependsOn: ['db'] }),
      service('db', nodeFixture('http-server.js'), { env: { LISTEN_DELAY_MS: '1000' } }),
      service('auth', nodeFixture('http-server.js')),
    ]),
  );
  await h.supervisor.start();
  for (const s of h.supervisor.states()) assert.equal(s.status, 'ready', `${s.name}: ${s.reason}`);
  const seqOf = (name: string, pattern: RegExp): number => {
    const line = h.lines.find((l) => l.service === name && l.stream === 'system' && pattern.test(l.text));
    assert.ok(line, `${name}: ${pattern}`);
    return line.seq;
  };
  const started = (n: string) => seqOf(n, /^starting: /);
  const ready = (n: string) => seqOf(n, /^ready on port/);
  assert.ok(ready('db') < started('api'));
  assert.ok(ready('api') < started('web'));
  assert.ok(ready('auth') < started('web'));
  // auth does not depend on db, so it does not wait for it.
  assert.ok(started('auth') < ready('db'));
  const waiting = h.history.find((e) => e.state.name === 'web' && e.state.status === 'starting' && e.state.reason?.startsWith('waiting for'));
  assert.ok(waiting, 'web showed that it was waiting');

  // Stop in reverse order: web before api before db.
  await h.supervisor.stop();
  const stoppedSeq = (n: string) => seqOf(n, /^stopped \(/);
  assert.ok(stoppedSeq('web') < stoppedSeq('api'));
  assert.ok(stoppedSeq('api') < stoppedSeq('db'));
});

test('dependents of a failed service are not started and say which dependency failed; a manual restart recovers', async (t) => {
  const h = harness(
    t,
    project('shop', [
      service('db', nodeFixture('exit-code.js')),
      service('api', nodeFixture('http-server.js'), { dependsOn: ['db'] }),
      service('web', nodeFixture('http-server.js'), { dependsOn: ['api'] }),
      service('other', nodeFixture('http-server.js')),
    ]),
  );
  await h.supervisor.start();
  assert.equal(h.supervisor.state('db')?.status, 'crashed');
  assert.equal(h.supervisor.state('other')?.status, 'ready');
  const api = h.supervisor.state('api');
  assert.equal(api?.status, 'stopped');
  assert.equal(api?.reason, "not started: dependency 'db' failed (exited with code 3)");
  assert.equal(api?.startedAt, null);
  assert.match(h.supervisor.state('web')?.reason ?? '', /^not started: dependency 'api' is stopped \(not started: dependency 'db' failed/);

  await assert.rejects(h.supervisor.restartService('nope'), /project 'shop' has no service 'nope' \(services: 'db', 'api', 'web', 'other'\)/);

  // Restarting api by hand starts it even though db failed; web follows once api is ready.
  const restarted = await h.supervisor.restartService('api');
  assert.equal(restarted.status, 'ready');
  await h.waitForState('web', (s) => s.status === 'ready', 'ready once api is');
});

test('restartService gives a new process, counts the restart and keeps the auto-picked port', async (t) => {
  const h = harness(t, project('p', [service('api', nodeFixture('http-server.js'))]));
  await h.supervisor.start();
  const before = h.supervisor.state('api');
  const after = await h.supervisor.restartService('api');
  assert.equal(after.status, 'ready');
  assert.notEqual(after.pid, before?.pid);
  assert.equal(after.port, before?.port);
  assert.equal(after.restarts, 1);
  assert.ok(after.lastExit !== null);
});

test('a dependency cycle or unknown dependency blocks only the services involved', async (t) => {
  const h = harness(
    t,
    project('p', [
      service('a', nodeFixture('http-server.js'), { dependsOn: ['b'] }),
      service('b', nodeFixture('http-server.js'), { dependsOn: ['a'] }),
      service('c', nodeFixture('http-server.js'), { dependsOn: ['ghost'] }),
      service('d', nodeFixture('http-server.js')),
    ]),
  );
  await h.supervisor.start();
  assert.equal(h.supervisor.state('a')?.reason, 'not started: dependency cycle a -> b -> a');
  assert.equal(h.supervisor.state('c')?.reason, "not started: depends on unknown service 'ghost'");
  assert.equal(h.supervisor.state('d')?.status, 'ready');
});
