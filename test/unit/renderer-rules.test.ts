// The rule editor's form model: a draft from a captured exchange, the draft as the engine's
// rule (with the form's own located errors), and a rule back into the form.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rule } from '../../shared/rules.js';
import { parseFilter } from '../../shared/filter/parse.js';
import { draftFromExchange, emptyDraft, matcherForExchange } from '../../renderer/src/rules/rule-draft.js';
import { actionSummary, draftToInput, ruleToDraft } from '../../renderer/src/rules/rule-wire.js';
import { pausedEdits, remainingText } from '../../renderer/src/rules/paused.js';
import type { PausedExchange } from '../../shared/rules.js';

const exchange = { method: 'GET', host: 'shop.localhost:7700', url: '/api/flags?x=1', service: 'api', status: 200 };

describe('rule from an exchange', () => {
  it('matches method, path without the query, host and service, in the filter language', () => {
    const match = matcherForExchange(exchange);
    assert.equal(match, 'method:GET path:/api/flags host:shop.localhost:7700 service:api');
    assert.deepEqual(parseFilter(match).errors, []);
  });
  it('quotes a value with a space so it parses back', () => {
    const match = matcherForExchange({ ...exchange, url: '/a b', service: null });
    assert.equal(match, 'method:GET path:"/a b" host:shop.localhost:7700');
  });
  it('pre-fills a mock with the captured status, headers (without framing) and body', () => {
    const d = draftFromExchange(exchange, {
      headers: [
        ['content-type', 'application/json'],
        ['content-length', '13'],
        ['x-served-by', 'api'],
      ],
      body: '{"beta":true}',
    });
    assert.equal(d.action, 'mock');
    assert.equal(d.mock.status, '200');
    assert.equal(d.mock.headers, 'content-type: application/json\nx-served-by: api');
    assert.equal(d.mock.body, '{"beta":true}');
  });
});

describe('draft to rule', () => {
  it('builds a mock', () => {
    const d = { ...emptyDraft(), match: ' path:/api/flags ', mock: { status: '201', headers: 'content-type: text/plain', body: 'hi', bodyFile: '', times: '2' } };
    assert.deepEqual(draftToInput(d).rule, { match: 'path:/api/flags', enabled: true, mock: { status: 201, headers: { 'content-type': 'text/plain' }, body: 'hi', times: 2 } });
  });
  it('takes a body file from the project instead of the inline body', () => {
    const d = { ...emptyDraft(), mock: { ...emptyDraft().mock, body: 'ignored', bodyFile: ' mocks/flags.json ' } };
    assert.deepEqual(draftToInput(d).rule?.mock, { status: 200, headers: { 'content-type': 'application/json' }, bodyFile: 'mocks/flags.json' });
  });
  it('parses durations and sizes as people type them', () => {
    assert.deepEqual(draftToInput({ ...emptyDraft(), action: 'delay', delay: { mode: 'range', fixed: '', min: '100ms', max: '1s' } }).rule?.delay, { minMs: 100, maxMs: 1000 });
    assert.equal(draftToInput({ ...emptyDraft(), action: 'throttle', throttle: '64kb/s' }).rule?.throttle, 65536);
    assert.deepEqual(draftToInput({ ...emptyDraft(), action: 'fail', fail: 'close-after', closeAfter: '1kb' }).rule?.fail, { kind: 'close-after', bytes: 1024 });
    assert.deepEqual(draftToInput({ ...emptyDraft(), action: 'fail', fail: '503' }).rule?.fail, { kind: 'status', status: 503 });
  });
  it('names the field of a value it cannot read', () => {
    assert.deepEqual(draftToInput({ ...emptyDraft(), mock: { ...emptyDraft().mock, status: 'abc' } }).errors.map((e) => e.field), ['mock.status']);
    assert.deepEqual(draftToInput({ ...emptyDraft(), action: 'delay', delay: { ...emptyDraft().delay, fixed: 'soon' } }).errors.map((e) => e.field), ['delay']);
    assert.deepEqual(draftToInput({ ...emptyDraft(), action: 'map' }).errors.map((e) => e.field), ['map']);
    assert.deepEqual(draftToInput({ ...emptyDraft(), action: 'headers' }).errors.map((e) => e.field), ['headers']);
  });
  it('opens a saved rule on the same form it was made with', () => {
    const draft = { ...emptyDraft(), match: 'service:api', action: 'headers' as const, headers: { setRequest: '', setResponse: 'x-debug: 1', removeRequest: 'cookie', removeResponse: '' } };
    const built = draftToInput(draft).rule;
    assert.ok(built !== null);
    const rule: Rule = { ...built, id: 'r1', enabled: true, source: 'user', match: built.match };
    const { kept, ...form } = ruleToDraft(rule);
    assert.deepEqual(form, (({ kept: _k, ...rest }) => rest)(draft));
    assert.deepEqual(kept, { setResponseHeaders: { 'x-debug': '1' }, removeRequestHeaders: ['cookie'] });
    assert.equal(actionSummary(rule), 'set x-debug; remove cookie');
  });
});

describe('editing a rule the form shows only part of', () => {
  const rule: Rule = {
    id: 'u1',
    match: 'path:/legacy',
    enabled: true,
    source: 'user',
    name: 'legacy API',
    map: { service: 'api', path: '/v1' },
    setResponseHeaders: { 'x-debug': '1' },
    addRequestHeaders: { 'x-extra': 'a' },
    replaceUrl: [{ find: '/old', replace: '/new' }],
    responseDelay: { ms: 200 },
    continue: true,
  };

  it('saved unchanged, it keeps every action, the ones the form cannot edit included', () => {
    const built = draftToInput(ruleToDraft(rule));
    assert.deepEqual(built.errors, []);
    const { id: _id, source: _source, ...input } = rule;
    assert.deepEqual(built.rule, input);
  });

  it('switched to a mock, only the map gives way (a rule answers one way); the rest stays', () => {
    const draft = { ...ruleToDraft(rule), action: 'mock' as const };
    const built = draftToInput(draft);
    assert.equal(built.rule?.map, undefined);
    assert.equal(built.rule?.mock?.status, 200);
    assert.deepEqual(built.rule?.setResponseHeaders, { 'x-debug': '1' });
    assert.deepEqual(built.rule?.replaceUrl, [{ find: '/old', replace: '/new' }]);
    assert.equal(built.rule?.continue, true);
    assert.equal(built.rule?.name, 'legacy API');
  });
});

describe('paused countdown', () => {
  it('shows minutes and seconds, then now', () => {
    assert.equal(remainingText(300_000, 0), '5m 00s');
    assert.equal(remainingText(9_200, 0), '10s');
    assert.equal(remainingText(0, 5), 'now');
  });
});

describe('continuing a paused exchange', () => {
  const paused: PausedExchange = {
    id: 'bp1',
    exchangeId: 7,
    project: 'shop',
    ruleId: 'r1',
    phase: 'request',
    pausedAt: 0,
    timeoutAt: 300_000,
    clientTimeoutMs: null,
    request: { method: 'POST', url: '/api/orders', headers: [['content-type', 'application/json']], body: null },
    response: null,
  };
  const untouched = { method: 'POST', url: '/api/orders', status: '200', headers: paused.request.headers, body: null };
  it('sends no edits when nothing changed', () => {
    assert.deepEqual(pausedEdits(paused, untouched), { request: {} });
  });
  it('sends only the request fields the user changed', () => {
    const headers: [string, string][] = [...paused.request.headers, ['x-edited', '1']];
    assert.deepEqual(pausedEdits(paused, { ...untouched, method: 'put ', headers, body: 'hi' }), { request: { method: 'PUT', headers, body: Buffer.from('hi').toString('base64') } });
  });
  it('edits the status of a paused response', () => {
    const response = { ...paused, phase: 'response' as const, response: { status: 200, headers: [], body: null } };
    assert.deepEqual(pausedEdits(response, { ...untouched, status: '503', headers: [] }), { response: { status: 503 } });
  });
});
