// engine/proxy has no import loop, type-only imports included: a loop means two modules
// that can only be understood together (issue 13 found capture-hooks → types → h2c-pool →
// forwarding → capture-hooks).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../../engine/proxy');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Relative imports and re-exports of `file` that stay inside engine/proxy. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/\b(?:from|import)\s+'(\.{1,2}\/[^']+)\.js'/g)) {
    const target = path.resolve(path.dirname(file), `${m[1]}.ts`);
    if (target.startsWith(ROOT + path.sep)) out.push(target);
  }
  return out;
}

/** One import cycle, as relative paths, or null. */
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
    if (found !== null) return found.map((f) => path.relative(ROOT, f));
  }
  return null;
}

describe('engine/proxy import graph', () => {
  it('finds a loop when there is one (the checker itself)', () => {
    const graph = new Map([
      [`${ROOT}/a.ts`, [`${ROOT}/b.ts`]],
      [`${ROOT}/b.ts`, [`${ROOT}/c.ts`]],
      [`${ROOT}/c.ts`, [`${ROOT}/a.ts`]],
    ]);
    assert.deepEqual(findCycle(graph), ['a.ts', 'b.ts', 'c.ts', 'a.ts']);
  });

  it('has no import loop, type-only imports included', () => {
    const graph = new Map(sources(ROOT).map((f) => [f, importsOf(f)]));
    assert.ok(graph.size > 20, 'the proxy sources were found');
    assert.equal(findCycle(graph), null);
  });
});
