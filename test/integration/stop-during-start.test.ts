// Stopping while a service is still starting: Ctrl+C in `locald up`, projects.stop and
// projects.remove must not wait for a readiness check (minutes), a second Ctrl+C kills at
// once, and a locald whose parent went away (npm, which does not forward signals) stops by
// itself. No process may be left.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../engine/engine.js';
import { isAlive, killAlive, LOCALD_BIN, REPO, startLocald, tempHome, writeProjectDir, type LocaldProcess } from '../helpers/locald-cli.js';
import { waitFor } from '../helpers/proxy-net.js';
import { nodeFixture, pidsIn } from './supervisor-kit.js';

const posixOnly = process.platform === 'win32' ? 'signals and process groups are POSIX' : false;

/**
 * `slow` never passes its HTTP readiness check (its server closes every connection) within
 * two minutes and has a grandchild; `web` waits for it. Far longer than any deadline here.
 */
function startingProject(slowScript = 'spawn-grandchild.js'): string {
  return writeProjectDir(
    [
      'name = "halfway"',
      '[services.slow]',
      `command = ${JSON.stringify(nodeFixture(slowScript))}`,
      'ready = { http = "/never", timeout = 120 }',
      '[services.web]',
      `command = ${JSON.stringify(nodeFixture('idle.js'))}`,
      'depends_on = ["slow"]',
      '[routes]',
      '"/" = "web"',
      '',
    ].join('\n'),
    'locald-halfway-',
  );
}

/** Starts `locald up` on the project; resolves once `slow` runs (its pids printed) and `web` waits for it. */
async function whileStarting(t: TestContext, slowScript?: string): Promise<{ locald: LocaldProcess; pids: () => number[] }> {
  const locald = startLocald(['up', startingProject(slowScript), '--http-port', '0']);
  const pids = (): number[] => pidsIn(locald.output());
  t.after(async () => {
    await locald.stop('SIGKILL');
    killAlive(pids());
  });
  await locald.waitForOutput(slowScript === undefined ? /grandchild pid \d+/ : /\blistening\b/, 30_000);
  await locald.waitForOutput(/waiting for 'slow'/, 30_000);
  return { locald, pids };
}

async function assertAllGone(pids: number[]): Promise<void> {
  assert.ok(pids.length > 0, 'the service printed its pids');
  await waitFor(() => (pids.every((pid) => !isAlive(pid)) ? true : undefined), `pids ${pids.join(', ')} to be gone`, 10_000);
}

describe('locald up: stopping while a service is starting', { skip: posixOnly }, () => {
  test('SIGINT stops at once: no wait for the readiness timeout, the waiting dependent is never spawned, no process is left', async (t) => {
    const { locald, pids } = await whileStarting(t);
    const before = pids();
    assert.equal(before.length, 2, `child and grandchild pids in:\n${locald.output()}`);
    for (const pid of before) assert.ok(isAlive(pid), `pid ${pid} runs before the stop`);

    // The deadline is far below the 120 s readiness timeout and well above the 5 s grace period.
    const code = await locald.stop('SIGINT', 20_000);
    assert.equal(code, 0, locald.output());
    assert.match(locald.output(), /locald: stopped\./);
    assert.doesNotMatch(locald.output(), /halfway\/web\s+\|.*starting:/, 'web was never spawned');
    await assertAllGone(before);
  });

  test('a second SIGINT SIGKILLs a service that ignores SIGTERM at once, instead of waiting out the grace period', async (t) => {
    const { locald, pids } = await whileStarting(t, 'ignore-sigterm.js');
    const before = pids();
    locald.child.kill('SIGINT');
    await locald.waitForOutput(/got SIGTERM, ignoring it/, 10_000);
    const code = await locald.stop('SIGINT', 20_000);
    assert.equal(code, 0, locald.output());
    assert.match(locald.output(), /SIGINT again — killing every service now \(SIGKILL\)/);
    // The grace period (5 s) never ran out: the kill came first.
    assert.doesNotMatch(locald.output(), /grace period; sending SIGKILL/);
    await assertAllGone(before);
    // Every group was confirmed gone, so no pid record is left for the next start to reap.
    assert.deepEqual(readdirSync(join(locald.home, 'processes')), []);
  });
});

describe('locald up: the parent that started it goes away (npx, whose npm does not forward signals)', { skip: posixOnly }, () => {
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    test(`${signal} to the parent: locald notices it was re-parented, stops its services and exits`, async (t) => {
      const home = tempHome();
      // Like npm: starts locald, shares its output, forwards no signal.
      const wrapperCode = [
        "const { spawn } = require('node:child_process');",
        `const child = spawn(process.execPath, ${JSON.stringify([LOCALD_BIN, 'up', startingProject(), '--http-port', '0', '--home', home])}, { stdio: 'inherit' });`,
        "console.log('locald pid ' + child.pid);",
        'setInterval(() => {}, 60000);',
      ].join('\n');
      const wrapper = spawn(process.execPath, ['-e', wrapperCode], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
      let output = '';
      wrapper.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
      wrapper.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
      t.after(() => killAlive([wrapper.pid ?? 0, ...pidsIn(output)]));

      await waitFor(() => (/waiting for 'slow'/.test(output) && /grandchild pid \d+/.test(output) ? true : undefined), `locald to start:\n${output}`, 30_000);
      const pids = pidsIn(output);
      const localdPid = Number(/locald pid (\d+)/.exec(output)?.[1]);
      assert.ok(isAlive(localdPid));

      wrapper.kill(signal);
      // locald's stdout is still open (the test holds it): only the re-parenting tells it.
      await waitFor(() => (isAlive(localdPid) ? undefined : true), `locald (pid ${localdPid}) to exit; output:\n${output}`, 20_000);
      assert.match(output, /locald: parent process exited: stopping every service/);
      await assertAllGone(pids);
    });
  }
});

/** Pids of every live descendant of `root` (by /proc; the test's own processes only). */
function descendantsOf(root: number): { pid: number; cmdline: string }[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: { pid: number; cmdline: string }[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift() ?? 0;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    found.push({ pid, cmdline });
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

describe('npx locald up: npm itself is killed (the README\'s way to run locald)', { skip: process.platform === 'linux' ? false : 'reads /proc' }, () => {
  // npm runs locald through `sh -c`, and that shell outlives a SIGKILLed npm: locald's own
  // parent never changes, so only watching npm itself tells locald.
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    test(`${signal} to npm: locald stops its services and exits`, async (t) => {
      const home = tempHome();
      const npm = spawn('npx', ['locald', 'up', startingProject(), '--http-port', '0', '--home', home], {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      });
      let output = '';
      npm.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
      npm.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
      let tree: { pid: number; cmdline: string }[] = [];
      t.after(() => killAlive([npm.pid ?? 0, ...tree.map((p) => p.pid), ...pidsIn(output)]));

      await waitFor(() => (/waiting for 'slow'/.test(output) && /grandchild pid \d+/.test(output) ? true : undefined), `locald to start:\n${output}`, 60_000);
      tree = descendantsOf(npm.pid ?? 0);
      const locald = tree.find((p) => p.cmdline.includes('bin/locald'));
      assert.ok(locald !== undefined, `locald runs under npm: ${JSON.stringify(tree)}`);
      const pids = pidsIn(output);

      npm.kill(signal);
      await waitFor(() => (isAlive(locald.pid) ? undefined : true), `locald (pid ${locald.pid}) to exit; output:\n${output}`, 20_000);
      await assertAllGone(pids);
      // Nothing npm started is left: not the shell, not a service.
      await waitFor(() => (tree.every((p) => !isAlive(p.pid)) ? true : undefined), `npm's processes to be gone: ${JSON.stringify(tree.filter((p) => isAlive(p.pid)))}`, 10_000);
    });
  }
});

/** Rejects when `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('engine: projects.stop and projects.remove while a service is starting', { skip: posixOnly }, () => {
  for (const method of ['projects.stop', 'projects.remove'] as const) {
    test(`${method} cancels the start at once: both calls return, every service is stopped, no process is left`, async (t) => {
      const engine = new Engine({ home: tempHome(), httpPort: 0, version: 'test', stopGraceMs: 2_000, watch: false });
      let logs = '';
      engine.subscribe('service.log', (lines) => (logs += lines.map((l) => `${l.service}: ${l.text}\n`).join('')));
      t.after(async () => {
        await engine.shutdown();
        killAlive(pidsIn(logs));
      });
      await engine.addProject(startingProject());
      const starting = engine.call('projects.start', { project: 'halfway' });
      await waitFor(() => (/grandchild pid \d+/.test(logs) ? true : undefined), 'slow to run', 30_000);
      const pids = pidsIn(logs);
      assert.equal(engine.getProject('halfway')?.services.find((s) => s.name === 'web')?.reason, "waiting for 'slow'");

      // Far below the 120 s readiness timeout.
      await within(engine.call(method, { project: 'halfway' }), 15_000, method);
      await within(starting, 5_000, 'the cancelled projects.start');
      if (method === 'projects.stop') {
        const states = engine.getProject('halfway')?.services.map((s) => [s.name, s.status]);
        assert.deepEqual(states, [['slow', 'stopped'], ['web', 'stopped']]);
      } else {
        assert.equal(engine.getProject('halfway'), undefined);
      }
      assert.doesNotMatch(logs, /^web: starting:/m, 'web was never spawned');
      await assertAllGone(pids);
    });
  }
});
