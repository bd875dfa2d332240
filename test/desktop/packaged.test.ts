// The packaged app (issue 11, "The packaged app"): electron-builder --linux dir, offline,
// with electronDist pointing at a placeholder Electron that carries the fuse sentinel (so
// the fuses are really flipped), then the layout checked and the packaged main run under
// the stand-in through Add Project… with app.isPackaged true.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { extractAll, listPackage } from '@electron/asar';
import { appPaths } from '../../electron/logic/paths.js';
import { TRAY_ICON_STATES, trayIconFile } from '../../electron/logic/tray-icons.js';
import { REPO } from '../helpers/locald-cli.js';
import { curl } from './curl.js';
import { addProject, desktopEnvironment, launchDesktop } from './desktop-app.js';

desktopEnvironment();

/** @electron/fuses looks for this, then a version byte, a length byte and one byte per fuse. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const FUSE_ENABLED = 0x31;
const FUSE_DISABLED = 0x30;
/** Fuse order in wire version 1 (@electron/fuses FuseV1Options). */
const FUSES = ['runAsNode', 'enableCookieEncryption', 'enableNodeOptionsEnvironmentVariable', 'enableNodeCliInspectArguments', 'enableEmbeddedAsarIntegrityValidation', 'onlyLoadAppFromAsar', 'loadBrowserProcessSpecificV8Snapshot', 'grantFileProtocolExtraPrivileges'];

const work = mkdtempSync(join(tmpdir(), 'locald-packaged-'));
const unpacked = join(work, 'out', 'linux-unpacked');
const resources = join(unpacked, 'resources');
const asarFile = join(resources, 'app.asar');
let asarEntries: string[] = [];

/** A stand-in Electron distribution: a stub executable with every fuse on, as Electron ships them undecided. */
function placeholderElectron(dir: string): void {
  mkdirSync(join(dir, 'resources'), { recursive: true });
  const wire = Buffer.from([1, FUSES.length, ...FUSES.map(() => FUSE_ENABLED)]);
  writeFileSync(join(dir, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\necho "placeholder Electron" >&2\nexit 1\n'), Buffer.from(FUSE_SENTINEL), wire]));
  chmodSync(join(dir, 'electron'), 0o755);
  writeFileSync(join(dir, 'LICENSE'), 'placeholder');
  writeFileSync(join(dir, 'version'), JSON.parse(readFileSync(join(REPO, 'node_modules', 'electron', 'package.json'), 'utf8')).version);
}

function electronBuilder(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO, 'node_modules', 'electron-builder', 'cli.js'), ...args], {
      cwd: REPO,
      env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`electron-builder exited with ${code}:\n${output}`));
    });
  });
}

before(async () => {
  placeholderElectron(join(work, 'electron-dist'));
  await electronBuilder(['--linux', 'dir', '--publish', 'never', `-c.electronDist=${join(work, 'electron-dist')}`, `-c.directories.output=${join(work, 'out')}`]);
  asarEntries = listPackage(asarFile, { isPack: false }).map((entry) => entry.replace(/\\/g, '/'));
});
after(() => rmSync(work, { recursive: true, force: true }));

/** Top-level packages under the asar's node_modules (scoped ones as @scope/name). */
function shippedPackages(): Set<string> {
  const names = new Set<string>();
  for (const entry of asarEntries) {
    const parts = entry.split('/');
    if (parts[1] !== 'node_modules' || parts[2] === undefined) continue;
    names.add(parts[2].startsWith('@') && parts[3] !== undefined ? `${parts[2]}/${parts[3]}` : parts[2]);
  }
  return names;
}

test('app.asar holds main, preload, renderer and engine, and only production dependencies', (t) => {
  for (const file of ['/package.json', '/dist/electron/main.js', '/dist/electron/preload.cjs', '/dist/renderer/index.html', '/dist/engine/utility-entry.js']) {
    assert.ok(asarEntries.includes(file), `app.asar has ${file}`);
  }
  assert.equal(asarEntries.filter((entry) => entry.endsWith('.map')).length, 0, 'no source maps');
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const shipped = shippedPackages();
  assert.deepEqual(Object.keys(pkg.devDependencies).filter((name) => shipped.has(name)), [], 'no devDependency ships');
  for (const name of Object.keys(pkg.dependencies)) assert.ok(shipped.has(name), `${name} ships`);
  // The UI's libraries are bundled into dist/renderer by Vite; a copy in node_modules would ship twice.
  for (const name of ['react', 'react-dom', 'zustand', 'scheduler']) assert.ok(!shipped.has(name), `${name} is bundled, not shipped as a package`);
  t.diagnostic(`app.asar: ${statSync(asarFile).size} bytes, ${shipped.size} packages`);
});

test('every file main resolves in packaged mode exists in the layout', () => {
  const paths = appPaths({ appPath: asarFile, resourcesPath: resources, isPackaged: true });
  const inAsar = (file: string): string => `/${file.slice(asarFile.length + 1)}`;
  assert.ok(asarEntries.includes(inAsar(paths.engineEntry)), paths.engineEntry);
  assert.ok(asarEntries.includes(inAsar(paths.preload)), paths.preload);
  assert.ok(asarEntries.includes(inAsar(join(paths.rendererDir, 'index.html'))), paths.rendererDir);
  for (const icon of TRAY_ICON_STATES) {
    for (const dark of [false, true]) {
      const file = join(paths.trayIconsDir, trayIconFile(icon, 'linux', dark));
      assert.ok(existsSync(file), `${file} exists outside the asar`);
    }
  }
});

test("the fuses from electron-builder.yml are flipped in the app's binary", () => {
  const binary = readFileSync(join(unpacked, 'locald'));
  const at = binary.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length;
  const wire = Object.fromEntries(FUSES.map((name, i) => [name, binary[at + 2 + i]]));
  assert.equal(wire.runAsNode, FUSE_DISABLED);
  assert.equal(wire.enableNodeOptionsEnvironmentVariable, FUSE_DISABLED);
  assert.equal(wire.enableNodeCliInspectArguments, FUSE_DISABLED);
  assert.equal(wire.onlyLoadAppFromAsar, FUSE_ENABLED);
  assert.equal(wire.enableEmbeddedAsarIntegrityValidation, FUSE_ENABLED);
  assert.equal(wire.grantFileProtocolExtraPrivileges, FUSE_DISABLED);
});

test('the packaged main runs under the stand-in: Add Project… serves the project', async (t) => {
  // Node cannot read inside an asar the way Electron does, so the app runs from its extracted contents.
  const app = join(work, 'app');
  extractAll(asarFile, app);
  const desktop = await launchDesktop(t, { appPath: app, packaged: { resourcesPath: resources } });
  assert.ok(desktop.launch.tray?.image.path.startsWith(join(resources, 'tray')), `tray images come from resources/tray: ${desktop.launch.tray?.image.path}`);
  const url = await addProject(desktop, join(REPO, 'examples', 'shop'), 'shop');
  assert.equal((await curl(`${url}api/products`)).status, 200);
  assert.equal(desktop.launch.utilities[0]?.modulePath, join(app, 'dist', 'engine', 'utility-entry.js'), 'the engine runs from the package');
  assert.equal(await desktop.quitFromTray(), 0);
  assert.deepEqual(desktop.errorDialogs(), []);
  assert.deepEqual(desktop.problems(), []);
});
