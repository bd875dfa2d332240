// The one filter language (shared/filter): the inspector's filter bar and the engine's rule matchers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter } from '../../shared/filter/match.js';
import { closestKey, parseFilter, parseStatus } from '../../shared/filter/parse.js';
import { tokenize, tokenAt } from '../../shared/filter/tokenize.js';
import { parseDuration, parseSize } from '../../shared/filter/units.js';
import type { ExchangeSummary } from '../../shared/traffic.js';
import { summary } from './renderer-fixtures.js';

function matches(filter: string, e: ExchangeSummary): boolean {
  const parsed = parseFilter(filter);
  assert.deepEqual(parsed.errors, [], `unexpected errors for ${filter}`);
  return compileFilter(parsed.terms)(e);
}

describe('filter tokenizer', () => {
  it('splits on whitespace and keeps positions', () => {
    assert.deepEqual(
      tokenize('  a  b:c ').map((t) => [t.text, t.start, t.end]),
      [
        ['a', 2, 3],
        ['b:c', 5, 8],
      ],
    );
  });
  it('groups quoted words and unescapes', () => {
    assert.deepEqual(
      tokenize('path:"/a b" "x \\" y"').map((t) => t.text),
      ['path:/a b', 'x " y'],
    );
  });
  it('finds the token at the cursor, or an empty one between tokens', () => {
    assert.equal(tokenAt('method:GE status:2', 8).text, 'method:GE');
    const gap = tokenAt('a  b', 2);
    assert.equal(gap.text, '');
    assert.equal(gap.start, 2);
  });
});

describe('filter units', () => {
  it('parses sizes', () => {
    assert.equal(parseSize('100kb'), 102_400);
    assert.equal(parseSize('1mb'), 1_048_576);
    assert.equal(parseSize('1.5KB'), 1536);
    assert.equal(parseSize('42'), 42);
    assert.equal(parseSize('2g'), 2 * 1024 ** 3);
    assert.equal(parseSize('ten'), null);
    assert.equal(parseSize('10parsecs'), null);
  });
  it('parses durations', () => {
    assert.equal(parseDuration('200ms'), 200);
    assert.equal(parseDuration('1s'), 1000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('300'), 300);
    assert.equal(parseDuration('soon'), null);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('1d'), 86_400_000);
    assert.equal(parseDuration('-1s'), null);
    assert.equal(parseDuration('5 minutes'), null);
  });
  it('parses status patterns', () => {
    assert.deepEqual(parseStatus('404'), { kind: 'exact', code: 404 });
    assert.deepEqual(parseStatus('5xx'), { kind: 'pattern', digits: '5xx' });
    assert.deepEqual(parseStatus('40x'), { kind: 'pattern', digits: '40x' });
    assert.deepEqual(parseStatus('200-299'), { kind: 'range', from: 200, to: 299 });
    assert.equal(parseStatus('299-200'), null);
    assert.equal(parseStatus('6xx'), null);
    assert.equal(parseStatus('abc'), null);
  });
});

describe('filter parse errors', () => {
  it('reports located errors with suggestions', () => {
    const { errors, terms } = parseFilter('method:GET status:abc');
    assert.equal(terms.length, 1);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.start, 11);
    assert.equal(errors[0]?.end, 21);
    assert.match(errors[0]?.message ?? '', /not a status.*status:5xx/);
  });
  it('suggests the key for a typo', () => {
    assert.match(parseFilter('stauts:500').errors[0]?.message ?? '', /did you mean 'status:'/);
    assert.equal(closestKey('metod'), 'method');
    assert.equal(closestKey('zzzzzz'), null);
  });
  it('treats host:port, URLs and quoted text as text, not as keys', () => {
    for (const input of ['localhost:7700', 'http://shop.localhost/api', '"foo:bar"', '-"foo:bar"']) {
      const { errors, terms } = parseFilter(input);
      assert.deepEqual(errors, [], input);
      assert.deepEqual(terms[0] && { key: terms[0].key }, { key: 'text' }, input);
    }
    assert.ok(compileFilter(parseFilter('"foo:bar"').terms)(summary(1, { url: '/q?foo:bar' })), 'quoted text is searched for');
  });
  it('rejects an unknown key with the valid keys, located, instead of searching for it', () => {
    const { errors, terms } = parseFilter('method:GET foo:bar');
    assert.deepEqual(terms.map((t) => t.key), ['method']);
    assert.equal(errors.length, 1);
    assert.deepEqual([errors[0]?.start, errors[0]?.end], [11, 18]);
    assert.match(errors[0]?.message ?? '', /^unknown filter key 'foo'; valid keys: method, status, .*duration/);
    assert.match(errors[0]?.message ?? '', /quote it: "foo:bar"/);
    assert.match(parseFilter('-foo:bar').errors[0]?.message ?? '', /unknown filter key 'foo'/, 'negated too');
  });
  it('suggests the nearest key for a typo even when the value looks like a port', () => {
    assert.match(parseFilter('stauts:500').errors[0]?.message ?? '', /^unknown filter key 'stauts'; did you mean 'status:'\?/);
    assert.match(parseFilter('durtion:5').errors[0]?.message ?? '', /did you mean 'duration>'\?/);
  });
  it('rejects empty values and bad enums', () => {
    assert.match(parseFilter('method:').errors[0]?.message ?? '', /needs a value, e\.g\. method:POST/);
    assert.match(parseFilter('has:cake').errors[0]?.message ?? '', /valid: has:error, has:body/);
    assert.match(parseFilter('is:lost').errors[0]?.message ?? '', /is:pinned/);
    assert.match(parseFilter('proto:h3').errors[0]?.message ?? '', /valid: http\/1\.1, h2, h2c/);
    assert.match(parseFilter('kind:mqtt').errors[0]?.message ?? '', /valid: http, ws/);
    assert.match(parseFilter('larger:big').errors[0]?.message ?? '', /not a size/);
    assert.match(parseFilter('duration>fast').errors[0]?.message ?? '', /not a duration/);
  });
  it('ignores a lone dash and empty input', () => {
    assert.deepEqual(parseFilter('  -  '), { terms: [], errors: [] });
  });
});

describe('filter matching', () => {
  const e = summary(1, { method: 'POST', status: 503, url: '/api/users?page=2', service: 'api', project: 'shop', responseSize: 150 * 1024, duration: 250, clientProtocol: 'h2' });
  it('matches free text across fields, case-insensitively', () => {
    assert.ok(matches('users', e));
    assert.ok(matches('USERS page=2', e));
    assert.ok(matches('post', e));
    assert.ok(matches('503', e));
    assert.ok(!matches('orders', e));
    assert.ok(!matches('users orders', e), 'every word must match');
  });
  it('matches method, status forms, service, project, host and path', () => {
    assert.ok(matches('method:post', e));
    assert.ok(!matches('method:GET', e));
    assert.ok(matches('status:5xx', e));
    assert.ok(matches('status:50x', e));
    assert.ok(matches('status:500-599', e));
    assert.ok(!matches('status:404', e));
    assert.ok(matches('service:API', e));
    assert.ok(!matches('service:ap', e), 'service is an exact name');
    assert.ok(matches('project:shop', e));
    assert.ok(matches('host:shop.local', e));
    assert.ok(matches('path:/users', e));
    assert.ok(matches('path:page=2', e));
    assert.ok(!matches('path:/orders', e));
  });
  it('treats the same key as alternatives and different keys as all-required', () => {
    assert.ok(matches('status:404 status:5xx', e));
    assert.ok(!matches('status:404 status:2xx', e));
    assert.ok(matches('status:404 status:5xx method:POST', e));
    assert.ok(!matches('status:404 status:5xx method:GET', e));
  });
  it('negates terms', () => {
    assert.ok(!matches('-method:POST', e));
    assert.ok(matches('-method:GET', e));
    assert.ok(!matches('-users', e));
    assert.ok(matches('-status:404 -status:2xx', e));
    assert.ok(!matches('-status:404 -status:5xx', e), 'every negation must fail to match');
  });
  it('compares sizes and durations', () => {
    assert.ok(matches('larger:100kb', e));
    assert.ok(!matches('larger:1mb', e));
    assert.ok(matches('smaller:1mb', e));
    assert.ok(!matches('smaller:100kb', e));
    assert.ok(matches('duration>200ms', e));
    assert.ok(!matches('duration>250ms', e));
    assert.ok(matches('duration>=250ms', e));
    assert.ok(matches('duration<1s', e));
    assert.ok(matches('duration<=250', e));
    assert.ok(!matches('duration<250', e));
    assert.ok(!matches('duration>1ms', summary(2, { duration: null })), 'a pending exchange has no duration yet');
  });
  it('matches header: on the request headers where the subject has them (rules), never on a list row without them', () => {
    const withHeaders = { ...summary(6, {}), requestHeaders: [['X-Foo', 'Bar baz'] as [string, string]] };
    const test = (filter: string): boolean => {
      const parsed = parseFilter(filter);
      assert.deepEqual(parsed.errors, [], filter);
      return compileFilter(parsed.terms)(withHeaders);
    };
    assert.ok(test('header:x-foo'));
    assert.ok(test('header:x-foo=bar'));
    assert.ok(!test('header:x-foo=qux'));
    assert.ok(!test('header:x-other'));
    assert.ok(test('-header:x-other'));
    assert.ok(!matches('header:x-foo', summary(7, {})));
    assert.match(parseFilter('header:bad(name)=1').errors[0]?.message ?? '', /not a header name/);
  });
  it('matches has:, proto:, kind:, is:', () => {
    const failed = summary(3, { error: { code: 'service_crashed', title: 'Service crashed', detail: 'x' }, status: null, state: 'error', requestSize: 0, responseSize: 0 });
    assert.ok(matches('has:error', failed));
    assert.ok(!matches('has:error', e));
    assert.ok(matches('has:body', e));
    assert.ok(!matches('has:body', failed));
    assert.ok(matches('crashed', failed), 'error titles are searchable');
    assert.ok(!matches('status:5xx', failed), 'no status, no status match');
    assert.ok(matches('proto:h2', e));
    assert.ok(matches('proto:http2', e));
    assert.ok(!matches('proto:h1', e));
    const ws = summary(4, { kind: 'websocket', messageCount: 3, pinned: true, replayOf: 1, state: 'streaming' });
    assert.ok(matches('kind:ws', ws));
    assert.ok(!matches('kind:sse', ws));
    assert.ok(matches('has:messages', ws));
    assert.ok(matches('is:pinned', ws));
    assert.ok(matches('is:replay', ws));
    assert.ok(matches('is:streaming', ws));
    assert.ok(!matches('is:pinned', e));
    assert.ok(!matches('is:replay', e));
    const earlier = summary(5, { earlier: true });
    assert.ok(matches('is:earlier', earlier));
    assert.ok(!matches('is:earlier', e), 'captured by this run');
    assert.ok(matches('-is:earlier', e));
  });
  it('matches everything with an empty filter', () => {
    assert.ok(matches('', e));
  });
});
