#!/usr/bin/env node
// `npm start`'s last step: runs the desktop app with the Electron binary. The `electron`
// package downloads its binary on first use and, when that fails (offline, a proxy), prints
// the downloader's stack trace and then its own. Here a failed download is one line that
// says what to do, and the exit code is 1.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const electronDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));

/** The binary as the `electron` package would run it, without its download-on-require; null when missing. */
function electronBinary() {
  const pathFile = join(electronDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const binary = override ? join(override, relative ?? 'electron') : relative === null ? null : join(electronDir, 'dist', relative);
  return binary !== null && existsSync(binary) ? binary : null;
}

/** Runs the package's own installer quietly; its first error line when it fails, else null. */
function download() {
  if (process.stdout.isTTY) process.stdout.write('locald: downloading the Electron binary (once)…\n');
  const result = spawnSync(process.execPath, [join(electronDir, 'install.js')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status === 0) return null;
  const firstLine = `${result.stderr ?? ''}\n${result.error?.message ?? ''}`.split('\n').map((l) => l.trim()).find((l) => l !== '');
  return firstLine ?? `the installer exited with ${result.status ?? result.signal}`;
}

let binary = electronBinary();
if (binary === null) {
  const failure = download();
  binary = electronBinary();
  if (binary === null) {
    process.stderr.write(
      `locald: the desktop app needs the Electron binary, which is not installed and could not be downloaded (${failure ?? 'not found after the download'}); ` +
        'check the network or set ELECTRON_MIRROR, then run `npm start` again. `npx locald up` works without Electron.\n',
    );
    process.exit(1);
  }
}

const child = spawn(binary, [appDir, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal !== null ? 1 : 0)));
