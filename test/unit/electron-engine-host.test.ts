import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EngineHost } from '../../electron/logic/engine-host.js';
import type { EngineProcess } from '../../electron/logic/engine-host.js';
import { nextEngineRestart, pruneCrashHistory } from '../../electron/logic/engine-supervision.js';
import type { EngineStatus } from '../../electron/logic/engine-supervision.js';
import { WireClient } from '../../shared/wire-client.js';

// A stand-in engine entry speaking shared/engine-host.ts over Node IPC (the app uses
// utilityProcess's parentPort; the protocol is the same). MODE picks its behaviour.
const FAKE_ENGINE = `
const mode = process.env.MODE;
const answered = [];
if (mode === 'crash') process.exit(3);
if (mode === 'fatal') { process.send({ type: 'host.fatal', message: 'port 7700 is in use' }); setTimeout(() => process.exit(1), 50); }
else if (mode === 'fatal-lingers') { process.send({ type: 'host.fatal', message: 'port 7700 is in use' }); setInterval(() => {}, 1000); }
else {
  process.send({ type: 'host.ready', info: { version: 'test', httpPort: 7700, dashboardUrl: 'http://locald.localhost:7700/', home: '/tmp', pid: process.pid } });
  process.on('message', (message) => {
    if (message.type === 'request') {
      // 'slow': answers take a while, like projects.stop waiting for services to exit.
      const answer = () => {
        answered.push(message.method);
        process.send({ type: 'response', id: message.id, ok: true, result: { method: message.method, pid: process.pid } });
      };
      if (mode === 'slow') setTimeout(answer, 300);
      else answer();
    } else if (message.type === 'host.preview') {
      process.send({ type: 'host.previewResult', id: message.id, result: { ok: false, issues: [{ file: message.dir + '/locald.toml', message: 'missing' }] } });
    } else if (message.type === 'host.shutdown' && mode !== 'stubborn') {
      if (mode === 'slow') process.send({ type: 'event', event: 'project.removed', data: { project: 'shutdown after: ' + answered.join(',') } });
      process.send({ type: 'host.stopped' }, () => process.exit(0));
    }
  });
}
`;

let dir = '';
let script = '';
const children: ChildProcess[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'locald-enginehost-'));
  script = join(dir, 'fake-engine.cjs');
  await writeFile(script, FAKE_ENGINE);
});
after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

function spawnFake(mode: string): () => EngineProcess {
  return () => {
    const child = fork(script, [], { env: { ...process.env, MODE: mode }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    return {
      send: (message) => void child.send(message),
      kill: () => void child.kill('SIGKILL'),
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => child.on('exit', (code) => listener(code ?? -1)),
    };
  };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('nextEngineRestart', () => {
  const policy = { baseDelayMs: 500, maxDelayMs: 4_000, windowMs: 60_000, maxCrashesInWindow: 3 };

  it('backs off exponentially up to the cap', () => {
    assert.deepEqual(nextEngineRestart([1_000], 1_000, policy), { action: 'restart', delayMs: 500, attempt: 1 });
    assert.deepEqual(nextEngineRestart([1_000, 2_000], 2_000, policy), { action: 'restart', delayMs: 1_000, attempt: 2 });
    assert.deepEqual(nextEngineRestart([1, 2, 3], 3, policy), { action: 'restart', delayMs: 2_000, attempt: 3 });
    assert.deepEqual(nextEngineRestart([1, 2, 3], 3, { ...policy, maxDelayMs: 1_500 }), { action: 'restart', delayMs: 1_500, attempt: 3 });
  });

  it('gives up after too many crashes inside the window', () => {
    assert.deepEqual(nextEngineRestart([1, 2, 3, 4], 4, policy), { action: 'giveUp', crashes: 4, reason: 'the engine crashed 4 times in 1 minute' });
  });

  it('forgets crashes older than the window, so a stable run resets the backoff', () => {
    assert.deepEqual(nextEngineRestart([0, 1, 2, 3, 200_000], 200_000, policy), { action: 'restart', delayMs: 500, attempt: 1 });
    assert.deepEqual(pruneCrashHistory([0, 1, 2, 100_000, 100_001], 100_001, policy), [100_000, 100_001]);
    assert.equal(pruneCrashHistory(Array.from({ length: 50 }, (_, i) => i), 50, policy).length, 4);
  });
});

describe('EngineHost with a real child process', () => {
  it('starts the engine, routes calls and previews, and stop() waits for the process to exit', async () => {
    const statuses: EngineStatus[] = [];
    const host = new EngineHost({ spawn: spawnFake('normal'), onStatus: (s) => statuses.push(s) });
    const client = new WireClient((m) => host.bridge.fromClient('main', m));
    host.bridge.attach('main', (m) => client.receive(m));
    host.start();
    await waitFor(() => host.status.kind === 'running', 'engine running');
    const result = (await client.call('projects.list', {})) as unknown as { method: string; pid: number };
    assert.equal(result.method, 'projects.list');
    assert.equal(host.info?.pid, result.pid);
    assert.deepEqual(await host.preview('/p/shop'), { ok: false, issues: [{ file: '/p/shop/locald.toml', message: 'missing' }] });
    await host.stop();
    assert.equal(isAlive(result.pid), false);
    assert.deepEqual(
      statuses.map((s) => s.kind),
      ['starting', 'running', 'stopping'],
    );
    await assert.rejects(client.call('projects.list', {}), /locald is quitting/);
    assert.throws(() => host.start(), /shutting down/);
  });

  it('stop() lets a request in flight finish before it shuts the engine down (issue 16)', async () => {
    const host = new EngineHost({ spawn: spawnFake('slow') });
    const client = new WireClient((m) => host.bridge.fromClient('main', m));
    const events: unknown[] = [];
    host.bridge.attach('main', (m) => {
      if (m.type === 'event') events.push(m.data);
      client.receive(m);
    });
    host.start();
    await host.whenRunning();
    const stopping = client.call('projects.stop', { project: 'shop' });
    await host.stop();
    assert.deepEqual(await stopping, { method: 'projects.stop', pid: host.info?.pid });
    assert.deepEqual(events, [{ project: 'shutdown after: projects.stop' }], 'host.shutdown came after the answer');
    await assert.rejects(client.call('projects.list', {}), /locald is quitting/);
  });

  it('whenRunning waits through starting, and fails for a fatal engine or a quit', async () => {
    const host = new EngineHost({ spawn: spawnFake('normal') });
    const waiting = host.whenRunning();
    assert.equal(host.status.kind, 'starting', 'a host not started yet is starting, not stopping');
    host.start();
    await waiting;
    await host.stop();
    await assert.rejects(host.whenRunning(), /locald is quitting/);

    const fatal = new EngineHost({ spawn: spawnFake('fatal') });
    const never = fatal.whenRunning();
    fatal.start();
    await assert.rejects(never, /the engine stopped: port 7700 is in use/);
    await fatal.stop();

    const quitBeforeStart = new EngineHost({ spawn: spawnFake('normal') });
    const abandoned = quitBeforeStart.whenRunning();
    await quitBeforeStart.stop();
    await assert.rejects(abandoned, /locald is quitting/);
  });

  it('restarts a crashing engine with backoff, then gives up, and can be restarted by the user', async () => {
    const statuses: EngineStatus[] = [];
    let spawns = 0;
    const spawnCrash = spawnFake('crash');
    const host = new EngineHost({
      spawn: () => {
        spawns++;
        return spawnCrash();
      },
      onStatus: (s) => statuses.push(s),
      policy: { baseDelayMs: 20, maxDelayMs: 100, windowMs: 60_000, maxCrashesInWindow: 2 },
    });
    host.start();
    await waitFor(() => host.status.kind === 'crashed', 'giving up');
    assert.equal(spawns, 3);
    assert.deepEqual(statuses, [
      { kind: 'starting' },
      { kind: 'restarting', attempt: 1, message: 'the engine exited with code 3' },
      { kind: 'restarting', attempt: 2, message: 'the engine exited with code 3' },
      { kind: 'crashed', message: 'the engine exited with code 3; the engine crashed 3 times in 1 minute' },
    ]);
    host.restartAfterGivingUp();
    await waitFor(() => spawns === 4, 'manual restart');
    await host.stop();
  });

  it('does not restart an engine that reported a fatal error', async () => {
    let spawns = 0;
    const spawnFatal = spawnFake('fatal');
    const host = new EngineHost({
      spawn: () => {
        spawns++;
        return spawnFatal();
      },
      policy: { baseDelayMs: 10, maxDelayMs: 10, windowMs: 60_000, maxCrashesInWindow: 5 },
    });
    host.start();
    await waitFor(() => host.status.kind === 'crashed', 'fatal status');
    assert.deepEqual(host.status, { kind: 'crashed', message: 'port 7700 is in use' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(spawns, 1);
    await host.stop();
  });

  it('an engine that reported a fatal error but does not exit is stopped at once, not after the ready timeout', async () => {
    let child: ChildProcess | undefined;
    const spawnLingering = spawnFake('fatal-lingers');
    const host = new EngineHost({
      spawn: () => {
        const engine = spawnLingering();
        child = children.at(-1);
        return engine;
      },
      readyTimeoutMs: 60_000,
    });
    host.start();
    await waitFor(() => host.status.kind === 'crashed', 'the fatal status', 10_000);
    assert.deepEqual(host.status, { kind: 'crashed', message: 'port 7700 is in use' });
    assert.ok(child?.pid !== undefined && !isAlive(child.pid), 'the engine process is gone');
    await host.stop();
  });

  it('kills an engine that ignores host.shutdown after the grace period', async () => {
    const problems: string[] = [];
    const host = new EngineHost({ spawn: spawnFake('stubborn'), shutdownGraceMs: 300, onProblem: (p) => problems.push(p) });
    host.start();
    await waitFor(() => host.status.kind === 'running', 'engine running');
    const pid = host.info?.pid ?? 0;
    await host.stop();
    assert.equal(isAlive(pid), false);
    assert.deepEqual(problems, ['engine did not stop within 300 ms; killing it']);
  });

  it('restarts an engine that never reports ready', async () => {
    const silent = join(dir, 'silent.cjs');
    await writeFile(silent, 'setInterval(() => {}, 1000);');
    let spawns = 0;
    const host = new EngineHost({
      spawn: () => {
        spawns++;
        const child = fork(silent, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        children.push(child);
        return {
          send: (message) => void child.send(message),
          kill: () => void child.kill('SIGKILL'),
          onMessage: (listener) => child.on('message', listener),
          onExit: (listener) => child.on('exit', (code) => listener(code ?? -1)),
        };
      },
      readyTimeoutMs: 200,
      shutdownGraceMs: 200,
      policy: { baseDelayMs: 10, maxDelayMs: 10, windowMs: 60_000, maxCrashesInWindow: 5 },
    });
    host.start();
    await waitFor(() => spawns >= 2, 'a second spawn after the ready timeout');
    assert.equal(host.status.kind === 'restarting' || host.status.kind === 'starting', true);
    await host.stop();
  });
});
