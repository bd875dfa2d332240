// `npm start` where Electron's binary is missing and cannot be downloaded: one line that says
// what to do and exit 1, not the downloader's stack trace followed by the electron package's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/locald-cli.js';

/** A loopback port nothing listens on: the download fails at once, offline or not. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('npm start without an Electron binary that can be downloaded: one clear line, exit 1', async () => {
  const env = {
    ...process.env,
    // An empty binary location, an empty download cache and a mirror that refuses: nothing is
    // found and nothing is downloaded, whether or not this machine has the real binary.
    ELECTRON_OVERRIDE_DIST_PATH: mkdtempSync(join(tmpdir(), 'locald-no-electron-')),
    electron_config_cache: mkdtempSync(join(tmpdir(), 'locald-electron-cache-')),
    ELECTRON_MIRROR: `http://127.0.0.1:${await closedPort()}/`,
  };
  const child = spawn(process.execPath, [join(REPO, 'electron', 'launch.mjs')], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  assert.equal(code, 1);
  assert.equal(stdout, '');
  const lines = stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0] as string, /^locald: the desktop app needs the Electron binary, which is not installed and could not be downloaded \(.+\); .*npx locald up/);
});
