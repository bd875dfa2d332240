import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWatchFilter, gitignoreGlobs, ignoreGlob, rebaseGlobs } from '../../engine/watch/watch-filter.js';

describe('createWatchFilter', () => {
  const filter = createWatchFilter(['src/**/*.go', 'go.mod', '**/*.js'], ['dist', 'src/gen/**', '*.log'].map(ignoreGlob));

  it('watches what the patterns name', () => {
    assert.equal(filter.isWatched('src/a/main.go'), true);
    assert.equal(filter.isWatched('go.mod'), true);
    assert.equal(filter.isWatched('README.md'), false);
  });

  it('ignores .git and node_modules at any depth by default', () => {
    assert.equal(filter.isWatched('node_modules/x/index.js'), false);
    assert.equal(filter.isWatched('web/node_modules/x/index.js'), false);
    assert.equal(filter.isIgnored('.git'), true);
    assert.equal(filter.isWatched('web/app.js'), true);
  });

  it('ignores folders, anchored globs and names at any depth', () => {
    assert.equal(filter.isIgnored('dist'), true);
    assert.equal(filter.isWatched('dist/bundle.js'), false);
    assert.equal(filter.isWatched('src/gen/api.go'), false);
    assert.equal(filter.isWatched('src/x/out.log'), false);
  });
});

describe('gitignoreGlobs', () => {
  it('turns .gitignore lines into ignore globs, leaving out comments, blanks and negations', () => {
    assert.deepEqual(gitignoreGlobs('# build\n/build/\n*.tmp\n\ncoverage\n!keep.tmp\nlogs/today/\n\\#weird\n'), ['build', '**/*.tmp', '**/coverage', 'logs/today', '**/#weird']);
  });

  it('ignores what git ignores', () => {
    const filter = createWatchFilter(['**'], gitignoreGlobs('/build/\n*.tmp\n'));
    assert.equal(filter.isWatched('build/out.js'), false);
    assert.equal(filter.isWatched('src/build/x.go'), true);
    assert.equal(filter.isWatched('src/a.tmp'), false);
    assert.equal(filter.isWatched('src/a.go'), true);
  });
});

describe('rebaseGlobs', () => {
  it('keeps anywhere-globs and re-anchors globs inside the service folder', () => {
    assert.deepEqual(rebaseGlobs(['**/*.tmp', 'api/gen', 'web/dist'], 'api'), ['**/*.tmp', 'gen']);
    assert.deepEqual(rebaseGlobs(['x'], ''), ['x']);
  });
});
