// The filter bar's autosuggest and the desktop shell's inspector filter (renderer-only; the language itself is tested in shared-filter).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applySuggestion, suggest, type KnownValues } from '../../renderer/src/filter/suggest.js';
import { inspectorFilterFromSearch, inspectorFilterText } from '../../renderer/src/filter/inspector-filter.js';

describe('filter suggestions', () => {
  const known: KnownValues = { methods: ['GET', 'DELETE'], statuses: [200, 404], services: ['api', 'web'], projects: ['shop'], hosts: ['shop.localhost:7700'] };
  it('suggests keys for a partial word', () => {
    const s = suggest('sta', 3, known);
    assert.deepEqual(
      s.items.map((i) => i.insert),
      ['status:'],
    );
    assert.deepEqual([s.start, s.end], [0, 3]);
  });
  it('suggests values seen in the data after key:', () => {
    assert.deepEqual(
      suggest('service:', 8, known).items.map((i) => i.label),
      ['service:api', 'service:web'],
    );
    assert.ok(suggest('method:D', 8, known).items.some((i) => i.label === 'method:DELETE'));
    assert.ok(suggest('status:', 7, known).items.some((i) => i.label === 'status:404'));
    assert.ok(suggest('status:', 7, known).items.some((i) => i.label === 'status:5xx'));
  });
  it('keeps the negation', () => {
    assert.deepEqual(
      suggest('-serv', 5, known).items.map((i) => i.insert),
      ['-service:'],
    );
  });
  it('offers duration operators', () => {
    assert.ok(suggest('duration', 8, known).items.some((i) => i.insert === 'duration<'));
  });
  it('applies a suggestion in the middle of the input', () => {
    const input = 'method:GET serv status:200';
    const s = suggest(input, 15, known);
    const item = s.items[0];
    assert.ok(item);
    const applied = applySuggestion(input, s, item);
    assert.equal(applied.value, 'method:GET service: status:200');
    assert.equal(applied.cursor, 19);
    const v = suggest(applied.value, applied.cursor, known);
    const done = applySuggestion(applied.value, v, v.items[0] ?? assert.fail('no value suggestions'));
    assert.equal(done.value, 'method:GET service:api status:200');
  });
});

describe('the desktop shell\'s inspector filter', () => {
  it('a window opened on a service (?project=&service=) starts filtered to it, as an open window is', () => {
    const filter = inspectorFilterFromSearch('?project=jobs&service=worker');
    assert.deepEqual(filter, { project: 'jobs', service: 'worker' });
    assert.equal(inspectorFilterText(filter ?? {}), 'project:jobs service:worker');
    assert.deepEqual(inspectorFilterFromSearch('?project=jobs'), { project: 'jobs' });
    assert.equal(inspectorFilterText({ project: 'jobs' }), 'project:jobs');
    assert.equal(inspectorFilterFromSearch(''), null);
  });
});
