// The renderer shows captured content from arbitrary services: it must never execute
// or render it as HTML, and it must stay a pure browser module that talks only through
// shared/. These checks read the sources, so a regression fails here before it ships.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const rendererDir = join(root, 'renderer');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.(tsx?|html)$/.test(name)) out.push(path);
  }
  return out;
}

const files = sources(join(rendererDir, 'src')).map((path) => ({ path: relative(root, path), text: readFileSync(path, 'utf8') }));

describe('renderer safety', () => {
  it('has sources to check', () => {
    assert.ok(files.length > 20);
  });
  it('never injects HTML or evaluates strings', () => {
    const banned: [RegExp, string][] = [
      [/dangerouslySetInnerHTML/, 'dangerouslySetInnerHTML'],
      [/\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML/, 'HTML injection'],
      [/\beval\s*\(|new Function\s*\(/, 'string evaluation'],
      [/document\.write/, 'document.write'],
      [/<iframe|srcdoc|<object|<embed/i, 'embedded documents'],
      [/createContextualFragment|DOMParser/, 'HTML parsing'],
    ];
    for (const { path, text } of files) {
      for (const [pattern, what] of banned) assert.ok(!pattern.test(text), `${path} uses ${what}`);
    }
  });
  it('previews captured images only through blob: URLs', () => {
    for (const { path, text } of files) {
      for (const m of text.matchAll(/<img[^>]*src=\{([^}]*)\}/g)) assert.equal(m[1], 'url', `${path}: <img src> must be the blob URL`);
    }
    const preview = files.find((f) => f.path.endsWith('BodyView.tsx'));
    assert.ok(preview?.text.includes('URL.createObjectURL(new Blob('));
  });
  it('imports only shared/ and browser packages: no engine/, electron/ or Node APIs', () => {
    const allowedPackages = new Set(['react', 'react-dom', 'react-dom/client', 'react/jsx-runtime', 'zustand']);
    for (const { path, text } of files) {
      if (path.endsWith('vite.config.ts')) continue;
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\s+['"]([^'"]+)['"]/g)) {
        const spec = m[1] ?? m[2] ?? '';
        if (spec.startsWith('.')) {
          const target = relative(root, join(root, path, '..', spec));
          assert.ok(target.startsWith('renderer/') || target.startsWith('shared/'), `${path} imports ${spec} (${target}); only renderer/ and shared/ are allowed`);
        } else {
          assert.ok(allowedPackages.has(spec), `${path} imports package ${spec}`);
        }
      }
    }
  });
  it('index.html has no inline script (CSP script-src self)', () => {
    const html = readFileSync(join(rendererDir, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 1, 'only the module entry');
    assert.match(scripts[0]?.[1] ?? '', /type="module"\s+src=/);
    assert.equal(scripts[0]?.[2]?.trim(), '');
    assert.ok(!/\son[a-z]+=/i.test(html), 'no inline event handlers');
  });
  it('every <button> in the sources has text or an aria-label', () => {
    for (const { path, text } of files) {
      for (const m of text.matchAll(/<button\b((?:=>|[^>])*)>([\s\S]*?)<\/button>/g)) {
        const attrs = m[1] ?? '';
        const inner = (m[2] ?? '').replace(/\{\/\*[\s\S]*?\*\/\}/g, '').trim();
        assert.ok(/aria-label=/.test(attrs) || inner.length > 0, `${path}: a button without an accessible name: ${m[0].slice(0, 80)}`);
      }
      for (const m of text.matchAll(/<(input|select|textarea)\b((?:=>|[^>])*)>/g)) {
        const attrs = m[2] ?? '';
        assert.ok(/aria-label=|aria-labelledby=|\bid=/.test(attrs), `${path}: <${m[1]}> without aria-label: ${m[0].slice(0, 100)}`);
      }
    }
  });
});
