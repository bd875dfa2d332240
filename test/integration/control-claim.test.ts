// Claiming a state directory through its control socket, in-process with real Unix sockets:
// concurrent claims, a claim lock left by a dead claimer, early clients, and bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { EngineApi, EngineInfo } from '../../shared/api.js';
import { connectControl } from '../../engine/control/client.js';
import { claimControlSocket, EngineRunningError, type ControlServer } from '../../engine/control/server.js';
import { tempHome } from '../helpers/locald-cli.js';

const info: EngineInfo = { version: 't', httpPort: 1, dashboardUrl: 'http://locald.localhost:1/', home: '/h', pid: process.pid };
const api: EngineApi = {
  call: (method) => (method === 'engine.info' ? Promise.resolve(info) : Promise.reject(new Error('not here'))) as never,
  subscribe: () => () => undefined,
};

/** Leaves a socket file nobody listens on, as a SIGKILLed engine does. */
function orphanSocket(home: string): void {
  const orphan = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(join(home, 'engine.sock'))}, () => process.kill(process.pid, 'SIGKILL'))`]);
  assert.equal(orphan.signal, 'SIGKILL');
  assert.ok(existsSync(join(home, 'engine.sock')));
}

for (const left of ['a fresh', 'a dead engine\'s']) {
  test(`of five concurrent claims on ${left} state directory exactly one wins`, async () => {
    const home = tempHome();
    if (left !== 'a fresh') orphanSocket(home);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => claimControlSocket(home)));
    const won = results.filter((r): r is PromiseFulfilledResult<ControlServer> => r.status === 'fulfilled');
    try {
      assert.equal(won.length, 1);
      for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof EngineRunningError, String(r.reason));
      assert.equal(existsSync(join(home, 'engine.lock')), false, 'the claim lock is released');
    } finally {
      for (const w of won) w.value.close();
    }
  });
}

test('a claim lock left by a claimer that died is removed, and the socket of a dead engine taken over', async () => {
  const home = tempHome();
  const dead = spawnSync(process.execPath, ['-e', '0']);
  writeFileSync(join(home, 'engine.lock'), String(dead.pid));
  orphanSocket(home);
  const server = await claimControlSocket(home);
  try {
    server.serve(api);
    const client = await connectControl(home);
    assert.ok(client !== null);
    assert.equal((await client.api.call('engine.info', {})).pid, process.pid);
    client.close();
  } finally {
    server.close();
  }
});

test('a client that connects before the engine exists is answered once it does; bad lines get errors', async () => {
  const home = tempHome();
  const server = await claimControlSocket(home);
  try {
    const client = await connectControl(home);
    assert.ok(client !== null);
    const early = client.api.call('engine.info', {});
    setTimeout(() => server.serve(api), 50);
    assert.equal((await early).version, 't');
    client.close();

    const raw = net.connect(join(home, 'engine.sock'));
    let text = '';
    raw.on('data', (c: Buffer) => (text += c.toString()));
    raw.write('this is not json\n{"type":"request","id":3,"method":"nope","params":{}}\n');
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`no answers: ${text}`)), 5_000);
      const check = (): void => {
        if (text.split('\n').length > 2) {
          clearTimeout(deadline);
          resolve();
        } else setTimeout(check, 10);
      };
      check();
    });
    const answers = text.trim().split('\n').map((l) => JSON.parse(l) as { id: number; ok: boolean; error: { code: string } });
    assert.deepEqual(answers.map((a) => [a.id, a.ok, a.error.code]), [
      [-1, false, 'invalid_params'],
      [3, false, 'invalid_params'],
    ]);
    raw.destroy();
  } finally {
    server.close();
  }
});
