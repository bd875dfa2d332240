import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { harness, nodeFixture, pidExists, project, service, startSupervisorHost, tempDir, waitFor, waitUntilGone } from './supervisor-kit.js';

test('stop leaves no orphans: a node grandchild and a shell-backgrounded process both die', async (t) => {
  const shellCombo = `${nodeFixture('idle.js')} & ${nodeFixture('spawn-grandchild.js')}`;
  const h = harness(
    t,
    project('p', [
      service('spawner', nodeFixture('spawn-grandchild.js')),
      service('combo', shellCombo, { env: { IDLE_ROLE: 'background' } }),
    ]),
  );
  await h.supervisor.start();
  assert.equal(h.supervisor.state('spawner')?.status, 'ready');
  assert.equal(h.supervisor.state('combo')?.status, 'ready');
  const pids = [
    Number((await h.waitForLine('spawner', /child pid (\d+)/))[1]),
    Number((await h.waitForLine('spawner', /grandchild pid (\d+)/))[1]),
    Number((await h.waitForLine('combo', /background pid (\d+)/))[1]),
    Number((await h.waitForLine('combo', /grandchild pid (\d+)/))[1]),
    Number((await h.waitForLine('combo', /child pid (\d+)/))[1]),
  ];
  for (const pid of pids) assert.ok(pidExists(pid), `pid ${pid} runs before stop`);

  await h.supervisor.stop();
  for (const name of ['spawner', 'combo']) assert.equal(h.supervisor.state(name)?.status, 'stopped');
  for (const pid of pids) await waitUntilGone(pid);
});

test('a service that ignores SIGTERM is SIGKILLed after the grace period', async (t) => {
  const h = harness(t, project('p', [service('stubborn', nodeFixture('ignore-sigterm.js'))]), { stopGraceMs: 700 });
  await h.supervisor.start();
  const running = h.supervisor.state('stubborn');
  assert.equal(running?.status, 'ready');
  const pid = running?.pid ?? 0;
  const nodePid = Number((await h.waitForLine('stubborn', /pid (\d+) listening/))[1]);

  await h.supervisor.stop();
  const state = h.supervisor.state('stubborn');
  assert.equal(state?.status, 'stopped');
  assert.match(h.text('stubborn'), /got SIGTERM, ignoring it/);
  assert.match(h.text('stubborn'), /still running at the end of the 700ms grace period; sending SIGKILL/);
  // The shell may have exec'd node (then the leader itself was SIGKILLed) or died of SIGTERM.
  assert.ok(state?.lastExit?.signal === 'SIGKILL' || state?.lastExit?.signal === 'SIGTERM', JSON.stringify(state?.lastExit));
  await waitUntilGone(pid);
  await waitUntilGone(nodePid);
});

test('when a service exits on its own, what it left in its group is terminated too', async (t) => {
  // The shell exits as soon as the backgrounded idle process is started.
  const h = harness(t, project('p', [service('leaver', `${nodeFixture('idle.js')} & sleep 0.5; exit 4`, { ready: { kind: 'log', pattern: 'idle pid', timeoutMs: 30_000 } })]));
  await h.supervisor.start();
  const idlePid = Number((await h.waitForLine('leaver', /idle pid (\d+)/))[1]);
  const state = await h.waitForState('leaver', (s) => s.status === 'crashed', 'crashed');
  assert.equal(state.reason, 'exited with code 4');
  await waitUntilGone(idlePid);
  assert.match(h.text('leaver'), /terminating what process \d+ left running in its process group/);
});

test('out of file descriptors, stop still signals the group and keeps its pid record until the group is confirmed gone', { skip: process.platform !== 'linux' ? 'reads /proc' : false }, async (t) => {
  const stateDir = tempDir(t);
  const record = join(stateDir, 'processes', 'p--stubborn.json');
  // A low limit, so that using up every descriptor is quick; the host holds them all while it stops.
  const host = await startSupervisorHost(t, stateDir, project('p', [service('stubborn', nodeFixture('ignore-sigterm.js'))]), {
    env: { STOP_GRACE_MS: '3000' },
    shellPrefix: 'ulimit -n 256 &&',
  });
  const nodePid = await host.printedPid(/pid (\d+) listening/);
  assert.ok(existsSync(record));

  host.child.kill('SIGUSR2');
  await waitFor(() => (/got SIGTERM/.test(host.stderr()) || host.stdout().includes('STOPPED') ? true : undefined), 20_000, () => `SIGTERM or STOPPED:\n${host.stderr()}`);
  assert.match(host.stdout(), /EXHAUSTED \d+ EMFILE/);
  // /proc could not be read, yet the group was signalled (not taken for empty)...
  assert.match(host.stderr(), /got SIGTERM, ignoring it/);
  // ...and while it still runs, its record is there for the next start to reap.
  assert.ok(pidExists(nodePid));
  assert.ok(existsSync(record), 'the pid record of a running group is kept');

  await waitFor(() => (host.stdout().includes('STOPPED') ? true : undefined), 30_000, () => `the stop to finish:\n${host.stderr()}`);
  await waitUntilGone(nodePid);
});

test('stop finishes within one grace period however many dependency levels ignore SIGTERM', async (t) => {
  const stubborn = nodeFixture('ignore-sigterm.js');
  const h = harness(t, project('p', [service('api', stubborn), service('web', stubborn, { dependsOn: ['api'] })]), { stopGraceMs: 4_000 });
  await h.supervisor.start();
  const pids = [h.supervisor.state('api')?.pid ?? 0, h.supervisor.state('web')?.pid ?? 0];
  const began = Date.now();
  await h.supervisor.stop();
  const took = Date.now() - began;
  // web (stopped first) and then api both reached the one deadline; one grace period per
  // level would take 8 s and more.
  assert.ok(took < 6_500, `stop took ${took} ms`);
  assert.match(h.text('web'), /grace period; sending SIGKILL/);
  for (const pid of pids) await waitUntilGone(pid);
});
