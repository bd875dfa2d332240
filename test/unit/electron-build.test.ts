import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
// @ts-expect-error -- a plain .mjs build script without type declarations
import { buildElectron } from '../../electron/build.config.mjs';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('electron bundles (electron/build.config.mjs)', () => {
  it('the preload is one CommonJS file that requires nothing but electron; main is ESM', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'locald-electron-build-'));
    dirs.push(outDir);
    const out = (await buildElectron({ outDir })) as { main: string; preload: string };
    const preload = await readFile(out.preload, 'utf8');
    const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((match) => match[1]);
    assert.deepEqual([...new Set(required)], ['electron']);
    assert.doesNotMatch(preload, /^\s*(import|export)\s/m);
    assert.match(preload, /exposeInMainWorld\(DESKTOP_BRIDGE_KEY/);
    assert.doesNotMatch(preload, /ipcRenderer[),]\s*;?\s*$/m, 'ipcRenderer itself must never be exposed');
    const main = await readFile(out.main, 'utf8');
    assert.match(main, /^import .* from "electron";$/m);
    assert.match(main, /utilityProcess\.fork/);
  });
});
