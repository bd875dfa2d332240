import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { editDistance, findDependencyCycles, isDnsLabel, normalizePrefix, sanitizeDnsLabel, startOrder, suggestNearest } from '../../engine/config/index.js';
import { KeyLocator } from '../../engine/config/locate.js';
import { describeChoices } from '../../engine/config/suggest.js';

describe('suggestNearest', () => {
  it('finds typos, transpositions and dash/underscore/case slips', () => {
    const keys = ['command', 'port', 'cwd', 'env', 'depends_on', 'ready', 'restart', 'protocol'];
    assert.equal(suggestNearest('comand', keys), 'command');
    assert.equal(suggestNearest('commnad', keys), 'command');
    assert.equal(suggestNearest('depends-on', keys), 'depends_on');
    assert.equal(suggestNearest('DependsOn', keys), 'depends_on');
    assert.equal(suggestNearest('Port', keys), 'port');
    assert.equal(suggestNearest('strip-prefix', ['service', 'strip_prefix']), 'strip_prefix');
    assert.equal(suggestNearest('servics', ['name', 'services', 'routes']), 'services');
  });

  it('gives nothing when no candidate is plausibly meant', () => {
    assert.equal(suggestNearest('x', ['tcp', 'http', 'log']), undefined);
    assert.equal(suggestNearest('banana', ['command', 'port']), undefined);
    assert.equal(suggestNearest('', ['a']), undefined);
    assert.equal(suggestNearest('abc', []), undefined);
  });

  it('measures Damerau (optimal string alignment) distance', () => {
    assert.equal(editDistance('', ''), 0);
    assert.equal(editDistance('abc', ''), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('porp', 'prop'), 1);
    assert.equal(editDistance('ca', 'abc'), 3);
  });

  it('describes choices with or without a guess', () => {
    assert.equal(describeChoices('tpc', ['tcp', 'http']), 'did you mean `tcp`? (valid keys: tcp, http)');
    assert.equal(describeChoices('zzz', ['tcp', 'http'], 'values'), 'valid values: tcp, http');
  });
});

describe('DNS labels', () => {
  it('accepts lowercase labels up to 63 characters', () => {
    for (const name of ['a', 'shop', 'my-shop', 'x1', '1x', 'a'.repeat(63)]) assert.ok(isDnsLabel(name), name);
    for (const name of ['', '-a', 'a-', 'A', 'a_b', 'a.b', 'a b', 'a'.repeat(64), 'é']) assert.ok(!isDnsLabel(name), name);
  });

  it('sanitizes folder names', () => {
    assert.equal(sanitizeDnsLabel('My Shop'), 'my-shop');
    assert.equal(sanitizeDnsLabel('__init__'), 'init');
    assert.equal(sanitizeDnsLabel('a..b--c'), 'a-b-c');
    assert.equal(sanitizeDnsLabel('日本'), '');
    assert.equal(sanitizeDnsLabel('x'.repeat(100)).length, 63);
    assert.ok(isDnsLabel(sanitizeDnsLabel(`${'a'.repeat(62)}_b`)));
  });
});

describe('normalizePrefix', () => {
  it('normalises slashes', () => {
    const cases: [string, string][] = [
      ['/', '/'],
      ['//', '/'],
      ['/api', '/api'],
      ['/api/', '/api'],
      ['//v2//api//', '/v2/api'],
      ['/%20x', '/%20x'],
    ];
    for (const [raw, prefix] of cases) assert.deepEqual(normalizePrefix(raw), { ok: true, prefix }, raw);
  });

  it('rejects what can never match a path, with a fix', () => {
    for (const raw of ['', 'api', '/a?b', '/a#b', '/a b', '/a\tb', '/./a', '/a/..']) {
      const result = normalizePrefix(raw);
      assert.equal(result.ok, false, raw);
      if (!result.ok) assert.ok(result.hint.length > 0);
    }
  });
});

describe('dependencies', () => {
  it('finds cycles, including self-loops, once each', () => {
    const graph = new Map<string, string[]>([
      ['a', ['b']],
      ['b', ['c', 'a']],
      ['c', ['a']],
      ['d', ['d']],
      ['e', ['missing']],
    ]);
    assert.deepEqual(findDependencyCycles(graph), [
      ['a', 'b', 'c', 'a'],
      ['a', 'b', 'a'],
      ['d', 'd'],
    ]);
    assert.deepEqual(findDependencyCycles(new Map([['x', ['y']], ['y', []]])), []);
  });

  it('orders services after their dependencies, otherwise in file order', () => {
    const services = [
      { name: 'web', dependsOn: ['api', 'auth'] },
      { name: 'api', dependsOn: ['db'] },
      { name: 'auth', dependsOn: [] },
      { name: 'db', dependsOn: [] },
    ];
    assert.deepEqual(startOrder(services).map((s) => s.name), ['auth', 'db', 'api', 'web']);
    const cyclic = [
      { name: 'a', dependsOn: ['b'] },
      { name: 'b', dependsOn: ['a'] },
      { name: 'c', dependsOn: [] },
    ];
    assert.deepEqual(startOrder(cyclic).map((s) => s.name), ['c', 'a', 'b']);
  });
});

describe('KeyLocator', () => {
  const text = [
    'name = "shop" # comment',
    '',
    '[services.web]',
    '  command = """',
    'multi = "not a key"',
    '"""',
    "  env = { A = '1', 'B.C' = \"2\" }",
    'depends_on = [',
    '  "api", # first',
    '  "db",',
    ']',
    '[ services . "my api" ]',
    'ready.http = "/x"',
    '[[arr]]',
    'k = 1',
    '[[arr]]',
    'k = 2',
    'inline = { a = { b = [1, { c = 2 }] } }',
  ].join('\n');
  const locator = new KeyLocator(text);

  it('finds keys and values, in headers, dotted keys, inline tables and arrays', () => {
    assert.deepEqual(locator.key(['name']), { line: 1, column: 1 });
    assert.deepEqual(locator.value(['name']), { line: 1, column: 8 });
    assert.deepEqual(locator.key(['services', 'web']), { line: 3, column: 11 });
    assert.deepEqual(locator.key(['services', 'web', 'command']), { line: 4, column: 3 });
    assert.deepEqual(locator.key(['services', 'web', 'env', 'B.C']), { line: 7, column: 20 });
    assert.deepEqual(locator.value(['services', 'web', 'env', 'A']), { line: 7, column: 15 });
    assert.deepEqual(locator.value(['services', 'web', 'depends_on', 1]), { line: 10, column: 3 });
    assert.deepEqual(locator.key(['services', 'my api']), { line: 12, column: 14 });
    assert.deepEqual(locator.key(['services', 'my api', 'ready', 'http']), { line: 13, column: 7 });
    assert.deepEqual(locator.key(['arr', 1, 'k']), { line: 17, column: 1 });
    // After [[arr]], keys belong to the last array element.
    assert.deepEqual(locator.key(['arr', 1, 'inline', 'a', 'b', 1, 'c']), { line: 18, column: 28 });
  });

  it('does not see keys inside multi-line strings, and falls back to the nearest ancestor', () => {
    assert.deepEqual(locator.key(['services', 'web', 'multi']), { line: 3, column: 11 });
    assert.deepEqual(locator.key(['services', 'web', 'port']), { line: 3, column: 11 });
    assert.equal(locator.key(['nothing']), undefined);
  });

  it('keeps what it found before text it cannot read, without throwing', () => {
    const partial = new KeyLocator('a = 1\nb = {{{\nc = 3');
    assert.deepEqual(partial.key(['a']), { line: 1, column: 1 });
    assert.equal(partial.key(['c']), undefined);
  });
});
