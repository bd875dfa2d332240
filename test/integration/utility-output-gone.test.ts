// The desktop app's engine inherits main's stdout/stderr, which can lose their reader (the
// terminal the app was started from closes). A write then fails with EPIPE; the engine must
// keep serving its host over the parent channel instead of crashing on that error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineToHost } from '../../shared/engine-host.js';
import { REPO, tempHome } from '../helpers/locald-cli.js';
import { waitFor } from '../helpers/proxy-net.js';

test('utility engine: a preview error written to a closed stderr does not take the engine down', async () => {
  const child = fork(join(REPO, 'test/fixtures/engine/utility-host.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, LOCALD_HOME: tempHome(), LOCALD_HTTP_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const received: EngineToHost[] = [];
  child.on('message', (m) => received.push(m as EngineToHost));
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const bad = mkdtempSync(join(tmpdir(), 'locald-bad-'));
  // The early draft's syntax: the preview reports it, and the engine prints the issues to stderr.
  writeFileSync(join(bad, 'locald.toml'), '[service "frontend"]\ncommand = "x"\n');
  try {
    await waitFor(() => received.find((m) => m.type === 'host.ready'), 'host.ready', 30_000);
    child.stdout?.destroy();
    child.stderr?.destroy();

    for (const id of [1, 2]) {
      child.send({ type: 'host.preview', id, dir: bad });
      const preview = await waitFor(() => received.find((m) => m.type === 'host.previewResult' && m.id === id), `preview ${id}`, 30_000);
      assert.ok(preview.type === 'host.previewResult' && !preview.result.ok, 'the bad config is reported to the host');
    }
    child.send({ type: 'request', id: 3, method: 'engine.info', params: {} });
    const info = await waitFor(() => received.find((m) => m.type === 'response' && m.id === 3), 'engine.info reply', 30_000);
    assert.ok(info.type === 'response' && info.ok, 'the engine still answers after its stderr broke');
    assert.equal(child.exitCode, null, 'the engine is still running');

    child.send({ type: 'host.shutdown' });
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
