// One engine per state directory, reached over its control socket: real `locald` processes,
// a real Unix socket, real services behind the proxy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { LOCALD_BIN, isAlive, killAlive, startLocald, tempHome, writeProjectDir, type LocaldProcess } from '../helpers/locald-cli.js';
import { request, waitFor } from '../helpers/proxy-net.js';
import { connectControl } from '../../engine/control/client.js';
import { readOwnerRecord } from '../../engine/control/owner-record.js';
import type { ProjectState } from '../../shared/state.js';

/** A one-service project whose server says its name and logs every request path. */
function projectDir(name: string): string {
  const dir = writeProjectDir(`name = "${name}"\n[services.web]\ncommand = "node server.js"\n`);
  const server = `require('http').createServer((q, r) => { console.log('${name} got ' + q.url); r.end('hello from ${name}\\n'); })
  .listen(process.env.PORT, () => console.log('${name} listening'));\n`;
  spawnSync(process.execPath, ['-e', `require('fs').writeFileSync(${JSON.stringify(join(dir, 'server.js'))}, ${JSON.stringify(server)})`]);
  return dir;
}

/** Runs a short `locald` command to its end. */
function locald(args: string[], home: string): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [LOCALD_BIN, ...args, '--home', home], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 30_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The engine's projects, asked over the control socket from this process (a `locald ls` costs a Node start). */
async function list(home: string): Promise<ProjectState[]> {
  const client = await connectControl(home);
  assert.ok(client !== null, 'an engine runs');
  try {
    return await client.api.call('projects.list', {});
  } finally {
    client.close();
  }
}

async function servicePids(home: string): Promise<number[]> {
  try {
    return (await list(home)).flatMap((p) => p.services.map((s) => s.pid).filter((pid): pid is number => pid !== null));
  } catch {
    return [];
  }
}

function hasScript(): boolean {
  return spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
}

describe('locald up B beside a running locald up A', () => {
  const home = tempHome();
  const dirA = projectDir('alpha');
  const dirB = projectDir('beta');
  let engine: LocaldProcess;
  let second: LocaldProcess | undefined;
  let port: number;
  const seen = new Set<number>();

  before(async () => {
    engine = startLocald(['up', dirA, '--http-port', '0'], { home });
    port = await engine.port();
    await engine.waitForOutput(/alpha is running at/);
  });

  after(async () => {
    for (const pid of await servicePids(home)) seen.add(pid);
    await second?.stop('SIGKILL');
    await engine.stop('SIGTERM');
    killAlive(seen);
  });

  test('the socket is 0600 in a 0700 folder, and the owner record names the engine', () => {
    assert.equal(statSync(join(home, 'engine.sock')).mode & 0o777, 0o600);
    assert.equal(statSync(home).mode & 0o777, 0o700);
    const record = readOwnerRecord(home);
    assert.equal(record?.pid, engine.child.pid);
    assert.equal(record?.port, port);
    assert.equal(record?.kind, 'locald up');
  });

  test('without a terminal and without --yes, locald up refuses to run the commands', async () => {
    const r = locald(['up', dirB], home);
    assert.equal(r.code, 1);
    assert.match(r.out, / {2}beta\/web: node server\.js {3}\(in /);
    assert.match(r.out, /refusing to run these commands without approval: no terminal to ask on; pass --yes/);
    assert.ok(!(await list(home)).some((p) => p.name === 'beta'), 'nothing was added');
  });

  test('locald up B --yes joins the engine: one port serves both projects', async () => {
    second = startLocald(['up', dirB, '--yes'], { home });
    await second.waitForOutput(new RegExp(`beta is running at http://beta\\.localhost:${port}/`));
    assert.match(second.output(), /an engine already runs \(pid \d+, port \d+\); adding beta to it/);
    const a = await request(port, { host: `alpha.localhost:${port}`, path: '/' });
    const b = await request(port, { host: `beta.localhost:${port}`, path: '/' });
    assert.equal(a.text, 'hello from alpha\n');
    assert.equal(b.text, 'hello from beta\n');
    // The joining terminal follows its project's logs.
    await second.waitForOutput(/beta\/web \| beta got \//);
  });

  test('locald ls shows both projects (plain and --json), status names the engine', () => {
    const plain = locald(['ls'], home);
    assert.equal(plain.code, 0);
    assert.match(plain.out, new RegExp(`^alpha {2}running {2}http://alpha\\.localhost:${port}/$`, 'm'));
    assert.match(plain.out, /^beta {2}running/m);
    assert.match(plain.out, /^ {2}web {2}ready {2}port \d+ {2}pid \d+$/m);
    const ls = locald(['ls', '--json'], home);
    assert.equal(ls.code, 0, ls.out);
    assert.deepEqual((JSON.parse(ls.out) as ProjectState[]).map((p) => p.name).sort(), ['alpha', 'beta']);
    const status = JSON.parse(locald(['status', '--json'], home).out) as { pid: number; port: number; uptimeMs: number; projects: unknown[] };
    assert.equal(status.pid, engine.child.pid);
    assert.equal(status.port, port);
    assert.ok(status.uptimeMs >= 0);
    assert.equal(status.projects.length, 2);
    assert.match(locald(['status'], home).out, /^engine: locald up [\d.]+, pid \d+, up \d+s$/m);
  });

  test('locald logs -f follows a live service: a line printed after it started reaches it', async () => {
    const follower = startLocald(['logs', 'alpha/web', '-f'], { home });
    try {
      await follower.waitForOutput(/alpha\/web \| alpha listening/);
      await request(port, { host: `alpha.localhost:${port}`, path: '/after-follow' });
      await follower.waitForOutput(/alpha\/web \| alpha got \/after-follow/);
      assert.equal(await follower.stop('SIGINT'), 0);
    } finally {
      await follower.stop('SIGKILL');
    }
    const grep = locald(['logs', 'alpha', '--grep', 'after-'], home);
    assert.equal(grep.code, 0);
    assert.deepEqual(grep.out.trim().split('\n'), ['alpha/web | alpha got /after-follow']);
  });

  test('restart gives a service a new process; stop stops a project', async () => {
    const before = (await list(home)).find((p) => p.name === 'alpha')?.services[0]?.pid;
    assert.ok(before !== null && before !== undefined);
    seen.add(before);
    const r = locald(['restart', 'alpha/web'], home);
    assert.equal(r.code, 0, r.out);
    const after = await waitFor(async () => {
      const s = (await list(home)).find((p) => p.name === 'alpha')?.services[0];
      return s?.status === 'ready' && s.pid !== before ? s.pid : undefined;
    }, 'alpha/web to run again');
    assert.equal(isAlive(before), false, 'the old process is gone');
    assert.notEqual(after, before);
    assert.equal((await request(port, { host: `alpha.localhost:${port}`, path: '/' })).status, 200);

    const stopped = locald(['stop', 'beta'], home);
    assert.equal(stopped.code, 0, stopped.out);
    assert.match(stopped.out, /beta is stopped/);
    assert.equal((await list(home)).find((p) => p.name === 'beta')?.status, 'stopped');
    const restarted = locald(['restart', 'beta'], home);
    assert.match(restarted.out, /beta is running at/);
    assert.equal((await request(port, { host: `beta.localhost:${port}`, path: '/' })).text, 'hello from beta\n');
  });

  test('locald open prints the URL and does not fail without an opener', () => {
    const r = spawnSync(process.execPath, [LOCALD_BIN, 'open', 'alpha', '--home', home], { encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^http://alpha\\.localhost:${port}/$`, 'm'));
    assert.match(r.stdout, /xdg-open could not run \(ENOENT\); open the URL yourself/);
    const dash = spawnSync(process.execPath, [LOCALD_BIN, 'open', '--home', home], { encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } });
    assert.match(dash.stdout, /^http:\/\/locald\.localhost:\d+\/\?token=[\w-]{20,}$/m);
    const missing = locald(['open', 'gamma'], home);
    assert.equal(missing.code, 1);
    assert.match(missing.out, /no project 'gamma' in the running engine/);
  });

  test('Ctrl+C on the second terminal stops only its project; the first keeps serving', async () => {
    assert.ok(second !== undefined);
    for (const pid of await servicePids(home)) seen.add(pid);
    assert.equal(await second.stop('SIGINT'), 0);
    assert.match(second.output(), /SIGINT: stopping beta/);
    assert.deepEqual((await list(home)).map((p) => p.name), ['alpha']);
    assert.equal((await request(port, { host: `alpha.localhost:${port}`, path: '/' })).text, 'hello from alpha\n');
    assert.notEqual((await request(port, { host: `beta.localhost:${port}`, path: '/' })).status, 200);
    assert.ok(isAlive(engine.child.pid as number));
  });

  test('locald up --detach adds the project, leaves it running and exits', async () => {
    const r = locald(['up', dirB, '--yes', '--detach'], home);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /beta keeps running in the engine \(pid \d+\); stop with `locald stop beta`/);
    assert.equal((await request(port, { host: `beta.localhost:${port}`, path: '/' })).text, 'hello from beta\n');
    for (const pid of await servicePids(home)) seen.add(pid);
    assert.equal(locald(['stop', 'beta'], home).code, 0);
  });

  test('on a terminal it asks first; y runs the project, and Ctrl+C typed on that terminal stops it', { skip: hasScript() ? false : 'needs script(1) for a pseudo-terminal' }, async () => {
    // script(1) gives locald a real pseudo-terminal: the prompt is read from it, and a typed
    // Ctrl+C reaches locald as SIGINT through the terminal's line discipline.
    const dirC = projectDir('delta');
    const cmd = [process.execPath, LOCALD_BIN, 'up', dirC, '--home', home].map((a) => `'${a}'`).join(' ');
    // `exec`: script(1) runs the command through $SHELL, and when that is dash (CI has no
    // SHELL set, so /bin/sh) the shell stays as locald's parent, takes the same Ctrl+C and
    // exits 130 itself, whatever locald does.
    const child = spawn('script', ['-qec', `exec ${cmd}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(() => (out.includes('Run them? [y/N]') ? true : undefined), 'the approval prompt', 30_000);
      assert.match(out, /delta\/web: node server\.js/);
      child.stdin.write('y\n');
      await waitFor(() => (/delta is running at/.test(out) ? true : undefined), 'delta to run', 30_000);
      assert.equal((await request(port, { host: `delta.localhost:${port}`, path: '/' })).text, 'hello from delta\n');
      for (const pid of await servicePids(home)) seen.add(pid);
      child.stdin.write('\u0003');
      assert.equal(await exited, 0);
      assert.match(out, /SIGINT: stopping delta/);
      assert.ok(!(await list(home)).some((p) => p.name === 'delta'));
    } finally {
      if (child.exitCode === null && child.pid !== undefined) killAlive([child.pid]);
    }
  });

  test('another user cannot connect to the socket', { skip: process.getuid?.() !== 0 ? 'needs root to become nobody' : false }, async () => {
    const script = `process.setgid(65534); process.setuid(65534);
      const s = require('net').connect(${JSON.stringify(join(home, 'engine.sock'))});
      s.on('connect', () => { console.log('CONNECTED'); s.destroy(); });
      s.on('error', (e) => console.log(e.code));`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(out.trim(), 'EACCES');
  });
});

describe('with no engine running', () => {
  test('every engine command says so in one line and exits 1', () => {
    const home = tempHome();
    for (const args of [['ls'], ['status', '--json'], ['logs', 'x', '-f']]) {
      const r = locald(args, home);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.out, `locald: no engine is running for ${home}; start one with \`locald up\`\n`);
    }
  });
});

describe('a stale owner record', () => {
  test('after SIGKILL of the engine, the next locald up takes the state directory over', async () => {
    const home = tempHome();
    const dir = projectDir('gamma');
    const first = startLocald(['up', dir, '--http-port', '0'], { home });
    const seen = new Set<number>();
    let next: LocaldProcess | undefined;
    try {
      await first.waitForOutput(/gamma is running at/);
      for (const pid of await servicePids(home)) seen.add(pid);
      assert.equal(await first.stop('SIGKILL'), 'SIGKILL');
      assert.equal(readOwnerRecord(home)?.pid, first.child.pid, 'the dead engine left its record');
      const ls = locald(['ls'], home);
      assert.equal(ls.code, 1);
      assert.match(ls.out, new RegExp(`a stale record was left: engine pid ${first.child.pid} is not running`));

      next = startLocald(['up', dir, '--http-port', '0'], { home });
      const port = await next.port();
      await next.waitForOutput(/gamma is running at/);
      assert.equal(readOwnerRecord(home)?.pid, next.child.pid);
      assert.equal((await request(port, { host: `gamma.localhost:${port}`, path: '/' })).text, 'hello from gamma\n');
      for (const pid of await servicePids(home)) seen.add(pid);
    } finally {
      await first.stop('SIGKILL');
      await next?.stop('SIGTERM');
      killAlive(seen);
    }
  });
});

describe('two locald up racing for one fresh state directory', () => {
  test('exactly one becomes the engine; the other joins it', async () => {
    const home = tempHome();
    const dirs = [projectDir('one'), projectDir('two')];
    const racers = dirs.map((dir) => startLocald(['up', dir, '--http-port', '0', '--yes'], { home }));
    const seen = new Set<number>();
    try {
      await Promise.all(racers.map((r, i) => r.waitForOutput(new RegExp(`${i === 0 ? 'one' : 'two'} is running at`))));
      const engines = racers.filter((r) => /proxy on http:/.test(r.output()));
      const joined = racers.filter((r) => /an engine already runs/.test(r.output()));
      assert.equal(engines.length, 1, racers.map((r) => r.output()).join('\n----\n'));
      assert.equal(joined.length, 1);
      assert.equal(readOwnerRecord(home)?.pid, engines[0]?.child.pid);
      assert.deepEqual((await list(home)).map((p) => p.name).sort(), ['one', 'two']);
      for (const pid of await servicePids(home)) seen.add(pid);
      assert.equal(await joined[0]?.stop('SIGINT'), 0);
    } finally {
      for (const r of racers) await r.stop('SIGTERM');
      killAlive(seen);
    }
  });
});
