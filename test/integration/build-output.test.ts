// What `npm run build` leaves in dist/ is what Electron loads: main forks the engine entry,
// windows get the preload, and app:// serves the renderer folder (electron/logic/paths.ts).
// `npm test` builds first; run `npm run build` before running this file alone.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ENGINE_ENTRY, PRELOAD_BUNDLE, RENDERER_DIR } from '../../electron/logic/paths.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN_BUNDLE = 'dist/electron/main.js';
const RENDERER_INDEX = join(RENDERER_DIR, 'index.html');
const EXPECTED = [MAIN_BUNDLE, PRELOAD_BUNDLE, RENDERER_INDEX, ENGINE_ENTRY];

function missingOutput(): string[] {
  return EXPECTED.filter((path) => !existsSync(join(root, path)));
}

const RUN_BUILD = 'Run `npm run build` first (npm test builds before running the tests).';

/** Every test fails with the same clear instruction when dist/ was never built. */
function read(path: string): string {
  const missing = missingOutput();
  if (missing.length > 0) assert.fail(`build output missing: ${missing.join(', ')}. ${RUN_BUILD}`);
  return readFileSync(join(root, path), 'utf8');
}

/** Module specifiers of static and dynamic imports and of require() calls. */
function importsOf(code: string): { esm: string[]; cjs: string[] } {
  const esm = [
    ...[...code.matchAll(/^\s*import\s[^'"]*?from\s*["']([^"']+)["']/gm)].map((m) => m[1] ?? ''),
    ...[...code.matchAll(/^\s*import\s*["']([^"']+)["']/gm)].map((m) => m[1] ?? ''),
  ];
  const cjs = [...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] ?? '');
  return { esm, cjs };
}

describe('npm run build output (what Electron loads)', () => {
  it('main, preload, renderer and engine entry exist where electron/logic/paths.ts looks', () => {
    assert.deepEqual(missingOutput(), [], RUN_BUILD);
  });

  it('dist/electron/main.js is an ES module that imports electron', () => {
    const main = read(MAIN_BUNDLE);
    const { esm, cjs } = importsOf(main);
    assert.ok(esm.includes('electron'), `main.js imports: ${esm.join(', ')}`);
    assert.deepEqual(cjs, [], 'main.js must not call require()');
    assert.doesNotMatch(main, /\bmodule\.exports\b/);
    assert.equal(JSON.parse(read('package.json')).type, 'module', '.js is ESM only under "type": "module"');
    assert.equal(JSON.parse(read('package.json')).main, MAIN_BUNDLE, 'package.json "main" is what `electron .` starts');
  });

  it('dist/electron/preload.cjs is CommonJS that requires nothing but electron', () => {
    const preload = read(PRELOAD_BUNDLE);
    const { esm, cjs } = importsOf(preload);
    assert.deepEqual(esm, [], 'a sandboxed preload cannot use import');
    assert.doesNotMatch(preload, /^\s*export\s/m);
    assert.deepEqual([...new Set(cjs)], ['electron']);
    assert.match(preload, /contextBridge/);
  });

  it('the renderer index.html loads one external module script from assets/ and has no inline script', () => {
    const html = read(RENDERER_INDEX);
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    assert.ok(scripts.length > 0, 'index.html has a script tag');
    for (const [, attributes = '', body = ''] of scripts) {
      assert.equal(body.trim(), '', `inline script body (the CSP has no 'unsafe-inline' for scripts): ${body.slice(0, 80)}`);
      assert.match(attributes, /\btype=["']module["']/);
      const src = /\bsrc=["']([^"']+)["']/.exec(attributes)?.[1];
      assert.ok(src !== undefined, 'script has a src');
      assert.doesNotMatch(src, /^[a-z]+:|^\/\//i, `script must be served by app://, not ${src}`);
      const file = resolve(root, RENDERER_DIR, src.replace(/^\//, ''));
      assert.equal(relative(join(root, RENDERER_DIR), file).split(/[\\/]/)[0], 'assets', `${src} is under assets/`);
      assert.ok(existsSync(file) && statSync(file).size > 0, `${src} exists next to index.html`);
    }
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handlers');
  });

  it('the engine entry main forks exists and is an ES module', () => {
    const engine = read(ENGINE_ENTRY);
    assert.ok(importsOf(engine).esm.length > 0);
    assert.match(engine, /parentPort/);
    assert.doesNotMatch(engine, /from ["']electron["']/, 'the engine never imports electron');
  });
});
