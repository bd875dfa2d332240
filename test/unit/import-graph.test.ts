// No import loop in locald's sources, type-only imports included: a loop means two modules
// that can only be understood together. Issue 13 found one in engine/proxy (capture-hooks →
// types → h2c-pool → forwarding → capture-hooks); the last two outside it (electron's tray
// menu ↔ engine supervision, the CLI's args ↔ diagnose-args) went later.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '../..');
const SOURCE_DIRS = ['engine', 'shared', 'electron', 'renderer/src'];

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The file a relative specifier names (`./x.js` is x.ts or x.tsx), or null when it is not a source. */
function resolveSpecifier(from: string, specifier: string): string | null {
  const base = path.resolve(path.dirname(from), specifier.replace(/\.js$/, ''));
  for (const candidate of [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) if (fs.existsSync(candidate)) return candidate;
  return null;
}

/** Relative imports and re-exports of `file` that name another source file. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/\b(?:from|import)\s+'(\.{1,2}\/[^']+)'/g)) {
    const target = resolveSpecifier(file, m[1] as string);
    if (target !== null) out.push(target);
  }
  return out;
}

/** One import cycle, as paths relative to the repository, or null. */
export function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const found = visit(next);
        if (found !== null) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    if (state.get(node) !== undefined) continue;
    const found = visit(node);
    if (found !== null) return found.map((f) => path.relative(REPO, f));
  }
  return null;
}

describe('import graph', () => {
  it('finds a loop when there is one (the checker itself)', () => {
    const graph = new Map([
      [`${REPO}/a.ts`, [`${REPO}/b.ts`]],
      [`${REPO}/b.ts`, [`${REPO}/c.ts`]],
      [`${REPO}/c.ts`, [`${REPO}/a.ts`]],
    ]);
    assert.deepEqual(findCycle(graph), ['a.ts', 'b.ts', 'c.ts', 'a.ts']);
  });

  it('resolves the specifiers the sources use (engine/proxy alone has dozens of edges)', () => {
    const proxy = sources(path.join(REPO, 'engine/proxy'));
    const edges = proxy.reduce((n, f) => n + importsOf(f).length, 0);
    assert.ok(proxy.length > 40 && edges > 100, `${proxy.length} files, ${edges} edges`);
  });

  it('has no import loop in engine/, shared/, electron/ or renderer/src/, type-only imports included', () => {
    const graph = new Map(SOURCE_DIRS.flatMap((d) => sources(path.join(REPO, d))).map((f) => [f, importsOf(f)]));
    assert.ok(graph.size > 250, `the sources were found (${graph.size})`);
    assert.equal(findCycle(graph), null);
  });
});
