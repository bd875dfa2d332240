import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDnsLabel, labelForServername, labelProblem, leafDnsNames } from '../../engine/tls/names.js';

test('servernames map to the project label under .localhost', () => {
  const cases: Array<[string, string]> = [
    ['shop.localhost', 'shop'],
    ['api.shop.localhost', 'shop'],
    ['SHOP.LocalHost', 'shop'],
    ['shop.localhost.', 'shop'],
    ['locald.localhost', 'locald'],
    ['my-app2.localhost', 'my-app2'],
    ['a.b.shop.localhost', 'shop'],
  ];
  for (const [servername, label] of cases) {
    assert.deepEqual(labelForServername(servername), { ok: true, label }, servername);
  }
});

test('names outside .localhost, or with invalid labels, get no certificate', () => {
  for (const servername of ['localhost', '.localhost', 'example.com', 'shop.localhost.evil.com', 'bad_name.localhost', 'x..shop.localhost', '-shop.localhost', '', 'shoplocalhost']) {
    const match = labelForServername(servername);
    assert.equal(match.ok, false, servername);
    assert.ok(!match.ok && match.error.includes(servername), `error names ${JSON.stringify(servername)}`);
  }
});

test('leaf names are the project domain and one wildcard level, never *.localhost', () => {
  assert.deepEqual(leafDnsNames('shop'), ['shop.localhost', '*.shop.localhost']);
});

test('DNS labels: letters, digits, inner hyphens, 1-63 characters', () => {
  assert.ok(isDnsLabel('a') && isDnsLabel('0') && isDnsLabel('a-b') && isDnsLabel('x'.repeat(63)));
  assert.ok(!isDnsLabel('') && !isDnsLabel('-a') && !isDnsLabel('a-') && !isDnsLabel('x'.repeat(64)) && !isDnsLabel('A'));
  assert.equal(labelProblem('shop'), null);
  assert.match(labelProblem('Shop') ?? '', /must be lowercase/);
  assert.match(labelProblem('x'.repeat(64)) ?? '', /longer than 63/);
  assert.match(labelProblem('a.b') ?? '', /not a DNS label/);
  assert.match(labelProblem('') ?? '', /must not be empty/);
});
