// The engine as the desktop app hosts it: lifecycle messages and engine requests over the
// parent channel, services really started, and host.shutdown leaving nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { EngineToHost } from '../../shared/engine-host.js';
import type { ProjectState } from '../../shared/state.js';
import { connectControl } from '../../engine/control/client.js';
import { readOwnerRecord } from '../../engine/control/owner-record.js';
import { isAlive, REPO, tempHome } from '../helpers/locald-cli.js';
import { request, waitFor } from '../helpers/proxy-net.js';

test('utility engine: ready, add + start a project, serve it, shut down cleanly', async () => {
  const home = tempHome();
  const child = fork(join(REPO, 'test/fixtures/engine/utility-host.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, LOCALD_HOME: home, LOCALD_HTTP_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const received: EngineToHost[] = [];
  child.on('message', (m) => received.push(m as EngineToHost));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let nextId = 1;
  const call = async (method: string, params: object): Promise<unknown> => {
    const id = nextId++;
    child.send({ type: 'request', id, method, params });
    const reply = await waitFor(() => received.find((m) => m.type === 'response' && m.id === id), `reply to ${method}`, 60_000);
    if (reply.type !== 'response') throw new Error('unreachable');
    if (!reply.ok) throw new Error(`${method}: ${reply.error.message}`);
    return reply.result;
  };
  try {
    const ready = await waitFor(() => received.find((m) => m.type === 'host.ready'), 'host.ready', 30_000);
    assert.equal(ready.type, 'host.ready');
    const port = ready.type === 'host.ready' ? ready.info.httpPort : 0;
    assert.ok(port > 0);

    child.send({ type: 'host.preview', id: 7, dir: join(REPO, 'examples', 'shop') });
    const preview = await waitFor(() => received.find((m) => m.type === 'host.previewResult' && m.id === 7), 'preview');
    assert.ok(preview.type === 'host.previewResult' && preview.result.ok && preview.result.config.services.length === 3);

    const added = (await call('projects.add', { dir: join(REPO, 'examples', 'shop') })) as ProjectState;
    assert.equal(added.status, 'stopped', 'adding a project never runs its commands');
    const started = (await call('projects.start', { project: 'shop' })) as ProjectState;
    assert.equal(started.status, 'running');
    const res = await request(port, { host: `shop.localhost:${port}`, path: '/api/products' });
    assert.equal(res.status, 200);
    assert.ok(received.some((m) => m.type === 'event' && m.event === 'project.state'), 'state events reach the host');

    // The app's engine is the user's one engine: `locald` commands reach it over its control socket.
    assert.equal(readOwnerRecord(home)?.kind, 'desktop app');
    assert.equal(readOwnerRecord(home)?.port, port);
    const control = await connectControl(home);
    assert.ok(control !== null, 'the utility engine listens on the control socket');
    try {
      assert.deepEqual((await control.api.call('projects.list', {})).map((p) => [p.name, p.status]), [['shop', 'running']]);
    } finally {
      control.close();
    }

    const bad = await call('projects.start', { project: 'nope' }).catch((e: Error) => e.message);
    assert.match(String(bad), /no project named 'nope'/);

    const pids = started.services.map((s) => s.pid).filter((p): p is number => p !== null);
    assert.equal(pids.length, 3);
    child.send({ type: 'host.shutdown' });
    await waitFor(() => received.find((m) => m.type === 'host.stopped'), 'host.stopped', 30_000);
    assert.equal(await exited, 0);
    assert.deepEqual(pids.filter(isAlive), [], 'no service outlives the engine');
    assert.equal(readOwnerRecord(home), null, 'a clean stop removes the owner record');
    assert.equal(await connectControl(home), null, 'and nobody answers on the socket');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
