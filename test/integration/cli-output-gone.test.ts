// `locald up` when whatever reads its output goes away (terminal closed, a piping parent
// killed): its next write fails with EPIPE. It must stop every service and exit 0, like a
// hang-up, instead of crashing, or spinning on "unexpected error" lines it cannot write.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, LOCALD_BIN, REPO, startLocald, tempHome, type LocaldProcess } from '../helpers/locald-cli.js';
import { request, waitFor } from '../helpers/proxy-net.js';

const SERVER = `
const http = require('node:http');
console.log('pid=' + process.pid);
http.createServer((req, res) => {
  console.log('request ' + req.method + ' ' + req.url);
  res.end('ok');
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

/** A project named `gone` whose one service is a Node HTTP server that logs a line per request. */
function projectDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'locald-gone-'));
  writeFileSync(join(dir, 'server.cjs'), SERVER);
  writeFileSync(join(dir, 'locald.toml'), `name = "gone"\n\n[services.web]\ncommand = ${JSON.stringify(`"${process.execPath}" server.cjs`)}\n`);
  return dir;
}

/** Starts `locald up` on a fresh project and waits until it runs; returns its proxy port and the service's pid. */
async function runningLocald(): Promise<{ locald: LocaldProcess; port: number; servicePid: number }> {
  const locald = startLocald(['up', projectDir(), '--http-port', '0']);
  const port = await locald.port();
  await locald.waitForOutput(/gone is running at http:\/\/gone\.localhost:\d+\//, 60_000);
  const servicePid = Number((await locald.waitForOutput(/pid=(\d+)/))[1]);
  assert.ok(isAlive(servicePid), 'the service runs while locald runs');
  return { locald, port, servicePid };
}

/** On failure only: leave no process behind for the next test. */
function killIfAlive(pid: number): void {
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

/** Makes the service log a line, which locald then tries to print. */
async function provokeWrite(port: number): Promise<void> {
  const res = await request(port, { host: `gone.localhost:${port}`, path: '/after-close' });
  assert.equal(res.status, 200);
}

const HAS_PYTHON = process.platform !== 'win32' && spawnSync('python3', ['--version']).status === 0;

/** Runs argv on a new pseudo-terminal, waits until the project runs, closes the terminal, reports. */
const PTY_HOST = `
import os, pty, re, select, signal, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
seen, end = b'', time.time() + 60
while not (re.search(rb'pid=\\d+\\r?\\n', seen) and b'is running at' in seen) and time.time() < end:
    if select.select([fd], [], [], 0.5)[0]:
        try:
            seen += os.read(fd, 65536)
        except OSError:
            break
m = re.search(rb'pid=(\\d+)', seen)
print('service', m.group(1).decode() if m else 'unknown', flush=True)
os.close(fd)
end = time.time() + 30
while time.time() < end:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        print('exit', os.waitstatus_to_exitcode(status), flush=True)
        sys.exit(0)
    time.sleep(0.05)
os.kill(pid, signal.SIGKILL)
os.waitpid(pid, 0)
print('exit timeout', flush=True)
`;

describe('locald up when its output goes away', () => {
  test('stdout and stderr both closed: it stops every service and exits 0', async () => {
    const { locald, port, servicePid } = await runningLocald();
    try {
      locald.child.stdout?.destroy();
      locald.child.stderr?.destroy();
      await provokeWrite(port);
      assert.equal(await locald.waitForExit(30_000), 0, 'exited by itself with code 0 (a SIGKILL after the deadline would show here)');
      await waitFor(() => (isAlive(servicePid) ? undefined : true), `service pid ${servicePid} to be gone`, 15_000);
    } finally {
      if (locald.child.exitCode === null) locald.child.kill('SIGKILL');
      killIfAlive(servicePid);
    }
  });

  test('only stdout closed: it stops the same way, and writes nothing more to the stderr that still works', async () => {
    const { locald, port, servicePid } = await runningLocald();
    try {
      locald.child.stdout?.destroy();
      const printedBefore = locald.output().length;
      await provokeWrite(port);
      assert.equal(await locald.waitForExit(30_000), 0);
      await waitFor(() => (isAlive(servicePid) ? undefined : true), `service pid ${servicePid} to be gone`, 15_000);
      assert.equal(locald.output().slice(printedBefore), '', 'no "unexpected error" lines, no "stopping" line: output is treated as gone');
    } finally {
      if (locald.child.exitCode === null) locald.child.kill('SIGKILL');
      killIfAlive(servicePid);
    }
  });

  // Node has no pseudo-terminal of its own; Python's pty module gives a real one to close.
  test('its terminal closes: the hang-up stops every service and it exits 0 (no abort restoring the dead terminal)', { skip: !HAS_PYTHON }, async () => {
    const terminal = spawn('python3', ['-c', PTY_HOST, process.execPath, LOCALD_BIN, 'up', projectDir(), '--http-port', '0', '--home', tempHome()], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let report = '';
    terminal.stdout.on('data', (chunk: Buffer) => (report += chunk.toString()));
    const closed = new Promise<number | null>((resolve) => terminal.once('close', resolve));
    const killer = setTimeout(() => terminal.kill('SIGKILL'), 120_000);
    assert.equal(await closed, 0, `the pty host finished: ${report}`);
    clearTimeout(killer);
    const servicePid = Number(/service (\d+)/.exec(report)?.[1]);
    assert.ok(servicePid > 0, `the service printed its pid: ${report}`);
    try {
      assert.match(report, /exit 0\n/, 'locald exited 0 by itself after the hang-up (a negative signal number: Node died restoring the dead terminal; "timeout": a hang)');
      await waitFor(() => (isAlive(servicePid) ? undefined : true), `service pid ${servicePid} to be gone`, 15_000);
    } finally {
      killIfAlive(servicePid);
    }
  });
});
