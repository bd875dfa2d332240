import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchesGlob } from '../../engine/watch/glob.js';

const cases: Array<[pattern: string, path: string, expected: boolean]> = [
  ['go.mod', 'go.mod', true],
  ['go.mod', 'sub/go.mod', false],
  ['*.go', 'main.go', true],
  ['*.go', 'src/main.go', false],
  ['src/**/*.go', 'src/main.go', true],
  ['src/**/*.go', 'src/a/b/c/main.go', true],
  ['src/**/*.go', 'src/main.go.bak', false],
  ['src/**/*.go', 'lib/main.go', false],
  ['**/*.go', 'main.go', true],
  ['**/*.go', 'a/b/main.go', true],
  ['src/**', 'src/a/b', true],
  ['src/**', 'srcx/a', false],
  ['src/*.{ts,tsx}', 'src/app.tsx', true],
  ['src/*.{ts,tsx}', 'src/app.ts', true],
  ['src/*.{ts,tsx}', 'src/app.js', false],
  ['{src,lib}/**/*.{go,mod}', 'lib/x/y.mod', true],
  ['{src,lib}/**/*.{go,mod}', 'test/x/y.go', false],
  ['file?.txt', 'file1.txt', true],
  ['file?.txt', 'file12.txt', false],
  ['file?.txt', 'file/.txt', false],
  ['a.b', 'axb', false],
  ['(x)+[y]', '(x)+[y]', true],
  ['./src/*.go', 'src/a.go', true],
  ['src/', 'src', true],
  ['{a', '{a', true],
  ['x**y', 'xabcy', true],
  ['x**y', 'xa/by', false],
];

describe('matchesGlob', () => {
  for (const [pattern, path, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${path}`, () => {
      assert.equal(matchesGlob(path, pattern), expected);
    });
  }
});
