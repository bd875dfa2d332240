// Rules (engine/rules): the locald.rules.toml format with located errors, evaluation order,
// and the action primitives the proxy's data path uses (throttle, close-after, rewrites, mock files).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import type { Rule, RuleInput, RuleSet } from '../../shared/rules.js';
import { BreakpointRegistry } from '../../engine/rules/breakpoints.js';
import { CloseAfterTransform } from '../../engine/rules/close-after.js';
import { compileRules, delayMs, evaluateRequest, evaluateResponse, NO_REQUEST_DECISION } from '../../engine/rules/evaluate.js';
import { mockBody, MockBodyError } from '../../engine/rules/mock-body.js';
import { applyHeaderEdits, rewriteBody } from '../../engine/rules/rewrite.js';
import type { RequestView } from '../../engine/rules/rule-filter.js';
import { formatRulesFile, parseRulesFile } from '../../engine/rules/rules-file.js';
import { readApiRule, RulesService, rulesStoreFile } from '../../engine/rules/store.js';
import { ThrottleTransform } from '../../engine/rules/throttle.js';

const ISSUE_EXAMPLE = `[[rule]]
match = "method:GET path:/api/flags"
mock = { status = 200, headers = { "content-type" = "application/json" }, body = '{"beta":true}' }  # or body_file = "mocks/flags.json"

[[rule]]
match = "path:/legacy"
map = { service = "api", path = "/v1" }   # or map = { url = "http://127.0.0.1:9000" }

[[rule]]
match = "service:api"
set_response_headers = { "x-debug" = "1" }  # also set_request_headers, remove_*_headers

[[rule]]
match = "path:/api/slow"
delay = "300ms"                            # or delay = { min = "100ms", max = "900ms" }; throttle = "64kb/s"

[[rule]]
match = "path:/api/pay"
fail = "reset"                             # or "close-after:1kb", or a status: 503

[[rule]]
match = "method:POST path:/api/orders"
breakpoint = "request"                     # or "response", "both"
`;

function rulesOf(text: string): RuleInput[] {
  const r = parseRulesFile(text, 'locald.rules.toml');
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.issues));
  return r.rules;
}

function issuesOf(text: string): { line?: number; column?: number; keyPath?: string; message: string }[] {
  const r = parseRulesFile(text, 'locald.rules.toml');
  assert.equal(r.ok, false, 'expected the file to be refused');
  return r.ok ? [] : r.issues;
}

const asRules = (inputs: RuleInput[]): Rule[] => inputs.map((r, i) => ({ ...r, id: `r${i}`, enabled: r.enabled ?? true, source: 'user' }));

const view = (over: Partial<RequestView> = {}): RequestView => ({
  project: 'shop',
  service: 'api',
  route: '/api',
  kind: 'http',
  clientProtocol: 'http/1.1',
  method: 'GET',
  host: 'shop.localhost:7700',
  url: '/api/flags',
  ...over,
});

describe('locald.rules.toml', () => {
  it('reads every spelling of the issue\'s example', () => {
    const rules = rulesOf(ISSUE_EXAMPLE);
    assert.deepEqual(rules, [
      { match: 'method:GET path:/api/flags', mock: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"beta":true}' } },
      { match: 'path:/legacy', map: { service: 'api', path: '/v1' } },
      { match: 'service:api', setResponseHeaders: { 'x-debug': '1' } },
      { match: 'path:/api/slow', delay: { ms: 300 } },
      { match: 'path:/api/pay', fail: { kind: 'reset' } },
      { match: 'method:POST path:/api/orders', breakpoint: 'request' },
    ]);
  });

  it('reads the alternatives named in the comments', () => {
    const rules = rulesOf(`[[rule]]
match = ""
mock = { status = 200, body_file = "mocks/flags.json", times = 2 }
[[rule]]
match = "path:/x"
map = { url = "http://127.0.0.1:9000" }
remove_request_headers = ["cookie"]
[[rule]]
match = "path:/y"
delay = { min = "100ms", max = "900ms" }
throttle = "64kb/s"
[[rule]]
match = "path:/z"
fail = "close-after:1kb"
[[rule]]
match = "path:/w"
fail = 503
continue = true
`);
    assert.deepEqual(rules[0]?.mock, { status: 200, bodyFile: 'mocks/flags.json', times: 2 });
    assert.deepEqual(rules[1]?.map, { url: 'http://127.0.0.1:9000' });
    assert.deepEqual(rules[1]?.removeRequestHeaders, ['cookie']);
    assert.deepEqual(rules[2]?.delay, { minMs: 100, maxMs: 900 });
    assert.equal(rules[2]?.throttle, 65_536);
    assert.deepEqual(rules[3]?.fail, { kind: 'close-after', bytes: 1024 });
    assert.deepEqual(rules[4]?.fail, { kind: 'status', status: 503 });
    assert.equal(rules[4]?.continue, true);
  });

  it('writes rules back in the same spellings, and reads them to the same rules', () => {
    const rules = rulesOf(ISSUE_EXAMPLE);
    const text = formatRulesFile(rules);
    assert.match(text, /delay = "300ms"/);
    assert.match(text, /fail = "reset"/);
    assert.deepEqual(rulesOf(text), rules);
  });

  it('locates a bad filter term at its column inside the match string', () => {
    const [issue] = issuesOf('[[rule]]\nmatch = "method:GET stauts:500"\ndelay = "1s"\n');
    assert.equal(issue?.line, 2);
    assert.equal(issue?.column, 21, 'the column of stauts:500');
    assert.equal(issue?.keyPath, 'rule[0].match');
    assert.match(issue?.message ?? '', /did you mean 'status:'/);
  });

  it('locates wrong values and unknown keys, all of them in one pass', () => {
    const issues = issuesOf('[[rule]]\nmatch = "path:/a"\ndelay = "3 parsecs"\nfial = 1\n\n[[rule]]\nmatch = "path:/b"\nmock = { status = 700 }\n');
    assert.deepEqual(
      issues.map((i) => [i.line, i.column, i.keyPath]),
      [
        [3, 9, 'rule[0].delay'],
        [4, 1, 'rule[0].fial'],
        [8, 19, 'rule[1].mock.status'],
      ],
    );
    assert.match(issues[1]?.message ?? '', /unknown rule key `fial`/);
  });

  it('reports TOML syntax errors with line and column', () => {
    const [issue] = issuesOf('[[rule]]\nmatch = "path:/a\n');
    assert.equal(issue?.line, 2);
    assert.ok((issue?.column ?? 0) > 0);
  });

  it('refuses contradictory rules and request actions on a response matcher', () => {
    assert.match(issuesOf('[[rule]]\nmatch = "path:/a"\nmock = { status = 200 }\nfail = "reset"\n')[0]?.message ?? '', /mock or fail, not both/);
    assert.match(issuesOf('[[rule]]\nmatch = "path:/a"\n')[0]?.message ?? '', /needs an action/);
    assert.match(issuesOf('[[rule]]\nmatch = "status:5xx"\nmap = { service = "api" }\n')[0]?.message ?? '', /status: is only known once the response arrives, too late for map/);
    assert.match(issuesOf('[[rule]]\nmatch = "path:/a"\nmap = { url = "http://example.com" }\n')[0]?.message ?? '', /must be a local address/);
    assert.match(issuesOf('[[rule]]\nmatch = "path:/a"\nmock = { status = 200, body_file = "../secret" }\n')[0]?.message ?? '', /must stay inside the project folder/);
    assert.match(issuesOf('[[rule]]\nmatch = "path:/a"\nfail = 500\n')[0]?.message ?? '', /502, 503 or 504/);
  });

  it('the API accepts the same rules in camelCase and typed shapes, and names the field of a problem', () => {
    assert.deepEqual(readApiRule({ match: 'path:/a', setResponseHeaders: { 'x-a': '1' }, delay: { ms: 5 }, fail: { kind: 'status', status: 504 } }), {
      match: 'path:/a',
      setResponseHeaders: { 'x-a': '1' },
      delay: { ms: 5 },
      fail: { kind: 'status', status: 504 },
    });
    assert.throws(() => readApiRule({ match: 'path:/a', mock: { status: 'ok' } }), /rule\.mock\.status: must be a whole number from 100 to 599/);
  });
});

describe('rule evaluation', () => {
  it('first match wins; continue collects rewrites and delays from later rules', () => {
    const rules = compileRules(
      asRules([
        { match: 'path:/api', setRequestHeaders: { 'x-a': '1' }, delay: { ms: 10 }, continue: true },
        { match: 'method:GET path:/api/flags', mock: { status: 200, body: 'on' } },
        { match: 'path:/api', mock: { status: 500 } },
      ]),
    );
    const d = evaluateRequest(rules, view(), new Map());
    assert.equal(d.none, false);
    assert.equal(d.ruleId, 'r0');
    assert.equal(d.ruleAction, 'rewrite');
    assert.deepEqual(d.mock, { ruleId: 'r1', mock: { status: 200, body: 'on' } });
    assert.deepEqual(d.requestHeaders.set, { 'x-a': '1' });
    assert.equal(d.requestDelayMs, 10);
    assert.deepEqual(
      d.applied.map((a) => [a.ruleId, a.actions]),
      [
        ['r0', ['rewrite', 'delay']],
        ['r1', ['mock']],
      ],
    );
    assert.equal(evaluateRequest(rules, view({ url: '/web' }), new Map()), NO_REQUEST_DECISION);
  });

  it('skips disabled rules and counts mock uses (times)', () => {
    const rules = compileRules(asRules([{ match: 'path:/api', mock: { status: 503 }, enabled: false }, { match: 'path:/api', mock: { status: 200, times: 2 } }]));
    const uses = new Map<string, number>();
    const statuses = [1, 2, 3].map(() => evaluateRequest(rules, view(), uses).mock?.mock.status ?? null);
    assert.deepEqual(statuses, [200, 200, null]);
  });

  it('matchers on the response are decided in the response phase', () => {
    const rules = compileRules(asRules([{ match: 'status:5xx service:api', setResponseHeaders: { 'x-failed': '1' }, breakpoint: 'response' }]));
    assert.equal(evaluateRequest(rules, view(), new Map()).none, true);
    const ok = evaluateResponse(rules, { ...view(), status: 200, contentType: null }, new Map());
    assert.equal(ok.none, true);
    const failed = evaluateResponse(rules, { ...view(), status: 503, contentType: null }, new Map());
    assert.equal(failed.breakpoint, 'r0');
    assert.deepEqual(failed.headers.set, { 'x-failed': '1' });
  });

  it('header: terms see the request headers the data path passes in', () => {
    const rules = compileRules(asRules([{ match: 'header:x-mock=1', mock: { status: 204 } }]));
    assert.equal(evaluateRequest(rules, view({ headers: [['X-Mock', '1']] }), new Map()).mock?.mock.status, 204);
    assert.equal(evaluateRequest(rules, view({ headers: [['accept', '*/*']] }), new Map()).none, true);
  });

  it('random delays stay within their bounds', () => {
    assert.equal(delayMs({ ms: 300 }), 300);
    assert.equal(delayMs({ minMs: 100, maxMs: 900 }, () => 0), 100);
    assert.equal(delayMs({ minMs: 100, maxMs: 900 }, () => 0.999_999), 900);
  });
});

describe('rule actions', () => {
  it('header edits: remove, set (replacing every same-named header), add', () => {
    const out = applyHeaderEdits(
      [
        ['Cookie', 'a'],
        ['X-Debug', '0'],
        ['x-debug', '0'],
        ['accept', '*/*'],
      ],
      { set: { 'x-debug': '1' }, add: [['x-extra', 'y']], remove: ['cookie'] },
    );
    assert.deepEqual(out, [
      ['accept', '*/*'],
      ['x-debug', '1'],
      ['x-extra', 'y'],
    ]);
  });

  it('body replace works on bounded text bodies and leaves the rest alone', () => {
    const r = rewriteBody(Buffer.from('{"beta":false,"x":false}'), 'application/json', null, [{ find: 'false', replace: 'true' }]);
    assert.ok(r.changed);
    assert.equal(r.changed && r.body.toString(), '{"beta":true,"x":true}');
    assert.deepEqual(rewriteBody(Buffer.alloc(10), 'image/png', null, [{ find: 'a', replace: 'b' }]), { changed: false, reason: 'not-text' });
    assert.deepEqual(rewriteBody(Buffer.from('aaaa'), 'text/plain', null, [{ find: 'a', replace: 'b' }], 3), { changed: false, reason: 'too-large' });
    assert.deepEqual(rewriteBody(Buffer.from('aaaa'), 'text/plain', 'gzip', [{ find: 'a', replace: 'b' }]), { changed: false, reason: 'not-text' });
  });

  it('a mock body file must stay inside the project folder, symbolic links included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locald-mock-'));
    mkdirSync(join(dir, 'mocks'));
    writeFileSync(join(dir, 'mocks', 'flags.json'), '{"beta":true}');
    const outside = mkdtempSync(join(tmpdir(), 'locald-outside-'));
    writeFileSync(join(outside, 'secret'), 'secret');
    symlinkSync(join(outside, 'secret'), join(dir, 'mocks', 'link'));
    assert.equal((await mockBody(dir, { status: 200, bodyFile: 'mocks/flags.json' })).toString(), '{"beta":true}');
    await assert.rejects(mockBody(dir, { status: 200, bodyFile: 'mocks/link' }), MockBodyError);
    await assert.rejects(mockBody(dir, { status: 200, bodyFile: 'mocks/missing.json' }), /does not exist/);
  });

  it('throttle: a real stream comes out at the configured rate (never faster; at least half), in order', async () => {
    const rate = 200 * 1024; // 200 KiB/s
    const total = 100 * 1024; // half a second's worth
    const input = Buffer.alloc(total);
    for (let i = 0; i < total; i++) input[i] = i % 251;
    const chunks: Buffer[] = [];
    const started = performance.now();
    await pipeline(
      Readable.from((function* () {
        for (let o = 0; o < total; o += 16 * 1024) yield input.subarray(o, o + 16 * 1024);
      })()),
      new ThrottleTransform(rate),
      new Writable({
        write(chunk: Buffer, _e, done) {
          chunks.push(chunk);
          done();
        },
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const measured = total / elapsed;
    assert.ok(Buffer.concat(chunks).equals(input), 'every byte, in order');
    // The first slice goes at once, so the ideal time is (total - slice) / rate. Never faster
    // than that (20% for timer granularity). Slower only by how late the last timer fires, since
    // each slice's time is counted from the start: a busy machine can make that a few hundred
    // ms, so the slow side only catches a throttle that is grossly off.
    assert.ok(measured <= rate * 1.2 * (total / (total - rate / 20)), `too fast: ${Math.round(measured)} B/s for ${rate} B/s`);
    assert.ok(measured >= rate * 0.5, `too slow: ${Math.round(measured)} B/s for ${rate} B/s`);
  });

  it('throttle: holds at most one chunk: the source is not read ahead', async () => {
    let produced = 0;
    const source = new Readable({
      highWaterMark: 1024,
      read() {
        produced += 1024;
        this.push(Buffer.alloc(1024));
      },
    });
    const throttle = new ThrottleTransform(10 * 1024);
    const sink = new Writable({
      highWaterMark: 1024,
      write(_c, _e, done) {
        setTimeout(done, 5);
      },
    });
    source.pipe(throttle).pipe(sink);
    await new Promise((r) => setTimeout(r, 300));
    source.destroy();
    throttle.destroy();
    sink.destroy();
    // 10 KiB/s for 0.3 s is ~3 KiB through, and 5 KiB was read here. With the streams' default
    // buffers it was 17 KiB on Node 20 and 65 KiB on Node 24, whose default is 64 KiB.
    assert.ok(produced < 12 * 1024, `read ${produced} bytes ahead`);
  });

  it('close-after lets exactly N bytes through, then reports once and drops the rest', async () => {
    let reached = 0;
    const out: Buffer[] = [];
    await pipeline(
      Readable.from([Buffer.alloc(600, 1), Buffer.alloc(600, 2), Buffer.alloc(600, 3)]),
      new CloseAfterTransform(1024, () => reached++),
      new Writable({
        write(chunk: Buffer, _e, done) {
          out.push(chunk);
          done();
        },
      }),
    );
    assert.equal(Buffer.concat(out).length, 1024);
    assert.equal(reached, 1);
  });
});

describe('breakpoints', () => {
  const paused = { exchangeId: 7, project: 'shop', ruleId: 'r1', phase: 'request' as const, clientTimeoutMs: null, request: { method: 'POST', url: '/api/orders', headers: [], body: null }, response: null };

  it('resume with edits resolves the pause and emits paused and resumed', async () => {
    const events: string[] = [];
    const registry = new BreakpointRegistry({ paused: (e) => events.push(`paused ${e.ruleId}`), resumed: (e) => events.push(`resumed ${e.outcome}`) });
    const pause = registry.pause(paused);
    const [listed] = registry.list('shop');
    assert.ok(listed !== undefined);
    assert.ok(listed.timeoutAt - listed.pausedAt === 5 * 60_000, 'the default timeout is 5 minutes');
    assert.equal(registry.resume(listed.id, { request: { headers: [['x-edited', '1']] } }), true);
    assert.deepEqual(await pause, { outcome: 'resumed', request: { headers: [['x-edited', '1']] } });
    assert.deepEqual(events, ['paused r1', 'resumed resumed']);
    assert.equal(registry.resume(listed.id), false, 'once only');
    assert.deepEqual(registry.list(), []);
  });

  it('abort, answer, timeout and the client leaving each end the pause', async () => {
    const registry = new BreakpointRegistry({ paused: () => undefined, resumed: () => undefined }, 50);
    const a = registry.pause(paused);
    registry.abort(registry.list()[0]?.id ?? '');
    assert.deepEqual(await a, { outcome: 'aborted' });
    const b = registry.pause(paused);
    registry.answer(registry.list()[0]?.id ?? '', { status: 418 });
    assert.deepEqual(await b, { outcome: 'answered', response: { status: 418 } });
    assert.deepEqual(await registry.pause(paused), { outcome: 'timeout' });
    const gone = new AbortController();
    const c = registry.pause(paused, gone.signal);
    gone.abort();
    assert.deepEqual(await c, { outcome: 'client-gone' });
  });
});

describe('the rules store', () => {
  async function store(projectRules?: string, services?: string[]): Promise<{ service: RulesService; events: RuleSet[]; home: string; dir: string }> {
    const home = mkdtempSync(join(tmpdir(), 'locald-rules-home-'));
    const dir = mkdtempSync(join(tmpdir(), 'locald-rules-project-'));
    if (projectRules !== undefined) writeFileSync(join(dir, 'locald.rules.toml'), projectRules);
    const events: RuleSet[] = [];
    const service = new RulesService({ home, watch: false, emit: (event, data) => event === 'rules.changed' && events.push(data as RuleSet) });
    await service.openProject('Shop', dir, services);
    return { service, events, home, dir };
  }

  it('persists user rules atomically in the state directory, emits rules.changed, and reads them back', async () => {
    const { service, events, home, dir } = await store();
    const rule = await service.add('shop', { match: 'path:/a', mock: { status: 200, times: 1 } });
    assert.deepEqual(events.at(-1)?.rules.map((r) => r.id), [rule.id]);
    const stored = JSON.parse(readFileSync(rulesStoreFile(home, 'shop'), 'utf8')) as { rules: Rule[] };
    assert.deepEqual(stored.rules.map((r) => r.id), [rule.id]);
    assert.equal(service.forRequest('shop', view({ url: '/a' })).mock?.mock.status, 200);
    assert.equal(service.forRequest('shop', view({ url: '/a' })).none, true, 'times = 1 is used up');
    await service.update('shop', rule.id, { match: 'path:/a', mock: { status: 201, times: 1 } });
    assert.equal(service.forRequest('shop', view({ url: '/a' })).mock?.mock.status, 201, 'an edited rule counts from zero');
    await assert.rejects(service.reorder('shop', ['nope']), /must name each of the 1 user rules once/);
    service.close();
    const again = new RulesService({ home, watch: false, emit: () => undefined });
    await again.openProject('shop', dir);
    assert.deepEqual(again.list('shop').rules.map((r) => [r.id, r.mock?.status]), [[rule.id, 201]]);
    again.close();
  });

  it('an invalid project file at start: located issues, no rules from it, the user\'s rules still apply', async () => {
    const { service } = await store('[[rule]]\nmatch = "path:/a"\nthrottle = "fast"\n');
    const set = service.list('shop');
    assert.deepEqual(set.projectFileIssues.map((i) => [i.line, i.column, i.keyPath]), [[3, 12, 'rule[0].throttle']]);
    assert.deepEqual(set.rules, []);
    service.close();
  });

  it("a project file's map to a service the project lacks: the rule loads and applies, with a located warning until the service exists", async () => {
    const { service, events } = await store('[[rule]]\nmatch = "path:/v2"\nmap = { service = "apii" }\n', ['web', 'api']);
    const set = service.list('shop');
    assert.deepEqual(set.projectFileIssues, [], 'the file is valid');
    assert.deepEqual(set.rules.map((r) => r.map?.service), ['apii']);
    assert.deepEqual(
      set.warnings.map((w) => [w.line, w.column, w.keyPath]),
      [[3, 19, 'rule[0].map.service']],
    );
    assert.match(set.warnings[0]?.message ?? '', /unknown service "apii"/);
    assert.match(set.warnings[0]?.hint ?? '', /did you mean "api"\?/);
    assert.equal(service.forRequest('shop', view({ url: '/v2' })).map?.map.service, 'apii', 'the map still applies');
    const logged: string[] = [];
    const logging = new RulesService({ home: mkdtempSync(join(tmpdir(), 'locald-rules-home-')), watch: false, emit: () => undefined, log: (_p, text) => logged.push(text) });
    await logging.openProject('shop', service.projectDir('shop'), ['web', 'api']);
    assert.deepEqual(logged, ['locald.rules.toml: 3:19 rule[0].map.service: maps to unknown service "apii"; until the project has it, matching requests get the unknown-service problem (did you mean "api"? (known services: web, api))']);
    logging.close();
    await service.setServices('shop', ['web', 'api', 'apii']);
    assert.deepEqual(service.list('shop').warnings, [], 'the config gained the service');
    assert.deepEqual(events.at(-1)?.warnings, [], 'and rules.changed said so');
    service.close();
  });

  it('rules.add, rules.update and an import refuse a map to a service the project lacks, naming the nearest one; case does not matter', async () => {
    const { service } = await store(undefined, ['web', 'api']);
    await assert.rejects(service.add('shop', { match: 'path:/v2', map: { service: 'apii' } }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'invalid_params');
      assert.match(e.message, /rule\.map\.service: maps to unknown service "apii"/);
      return true;
    });
    const rule = await service.add('shop', { match: 'path:/v2', map: { service: 'API' } });
    await assert.rejects(service.update('shop', rule.id, { match: 'path:/v2', map: { service: 'nope' } }), /unknown service "nope"/);
    await assert.rejects(service.importToml('shop', '[[rule]]\nmatch = "path:/x"\nmap = { service = "db" }\n', false), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'config_invalid');
      assert.match(e.message, /3:19 rule\[0\]\.map\.service: maps to unknown service "db"/);
      return true;
    });
    assert.deepEqual(service.list('shop').rules.map((r) => r.map?.service), ['API'], 'nothing was changed by the refused calls');
    service.close();
  });

  it("a stored user rule whose service left the project's config stays, with a warning naming the rule", async () => {
    const { service, home, dir } = await store(undefined, ['web', 'api']);
    const rule = await service.add('shop', { name: 'v2 to api', match: 'path:/v2', map: { service: 'api' } });
    assert.deepEqual(service.list('shop').warnings, []);
    service.close();
    const again = new RulesService({ home, watch: false, emit: () => undefined });
    await again.openProject('shop', dir, ['web']);
    const set = again.list('shop');
    assert.deepEqual(set.rules.map((r) => r.id), [rule.id], 'the rule is kept');
    assert.deepEqual(set.warnings.map((w) => [w.file, w.keyPath]), [[rulesStoreFile(home, 'shop'), `rule ${rule.id} ("v2 to api").map.service`]]);
    again.close();
  });

  it("rules.add, rules.update and an import refuse a mock's body_file that is missing or outside the project; one that exists is taken", async () => {
    const { service, dir } = await store();
    await assert.rejects(service.add('shop', { match: 'path:/flags', mock: { status: 200, bodyFile: 'mocks/flags.json' } }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'invalid_params');
      assert.match(e.message, /rule\.mock\.bodyFile: mock body_file "mocks\/flags\.json" does not exist in /);
      return true;
    });
    mkdirSync(join(dir, 'mocks'));
    writeFileSync(join(dir, 'mocks', 'flags.json'), '{}');
    symlinkSync('/etc/hostname', join(dir, 'mocks', 'out'));
    const rule = await service.add('shop', { match: 'path:/flags', mock: { status: 200, bodyFile: 'mocks/flags.json' } });
    await assert.rejects(service.update('shop', rule.id, { match: 'path:/flags', mock: { status: 200, bodyFile: 'mocks/out' } }), /is outside the project folder/);
    await assert.rejects(service.importToml('shop', '[[rule]]\nmatch = "path:/x"\nmock = { status = 200, body_file = "nope.json" }\n', false), /"nope\.json" does not exist/);
    assert.deepEqual(service.list('shop').rules.map((r) => r.mock?.bodyFile), ['mocks/flags.json']);
    service.close();
  });
});
