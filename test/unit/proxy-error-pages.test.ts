import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProjectState, ServiceState } from '../../shared/state.js';
import { escapeHtml, prefersHtml, problemJson, rawProblemResponse, renderProblem, renderProblemHtml } from '../../engine/proxy/problems/render.js';
import {
  connectionRefusedProblem,
  loopDetectedProblem,
  noRouteProblem,
  serviceStateProblem,
  serviceUrl,
  unknownProjectProblem,
  upstreamErrorProblem,
  upstreamTimeoutProblem,
  type ProxyProblem,
} from '../../engine/proxy/problems/problems.js';

function svc(patch: Partial<ServiceState> = {}): ServiceState {
  return { name: 'api', status: 'ready', port: 4123, pid: null, restartPolicy: 'on-failure', restarts: 0, startedAt: null, lastExit: null, reason: null, nextRestartAt: null, diagnostics: [], ...patch };
}
const project: ProjectState = {
  name: 'shop',
  dir: '/p/shop',
  file: '/p/shop/locald.toml',
  status: 'running',
  url: 'http://shop.localhost:7700/',
  services: [svc()],
  routes: [
    { prefix: '/api', service: 'api', stripPrefix: true },
    { prefix: '/', service: 'web', stripPrefix: false },
  ],
  configIssues: [],
};
/** How often `needle` occurs in `text`. */
const occurrences = (text: string, needle: string): number => text.split(needle).length - 1;
const logLines = (texts: string[]) => () => texts.map((text, i) => ({ seq: i, time: 0, project: 'shop', service: 'api', stream: 'stdout' as const, text }));

describe('content negotiation', () => {
  it('HTML only when Accept names text/html or xhtml', () => {
    assert.equal(prefersHtml('text/html,application/xhtml+xml,*/*;q=0.8'), true);
    assert.equal(prefersHtml('application/xhtml+xml'), true);
    assert.equal(prefersHtml('TEXT/HTML; q=0.9'), true);
    assert.equal(prefersHtml('*/*'), false);
    assert.equal(prefersHtml('application/json'), false);
    assert.equal(prefersHtml('text/htmlx'), false);
    assert.equal(prefersHtml(undefined), false);
    assert.equal(prefersHtml(''), false);
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters', () => assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;'));
});

describe('serviceStateProblem', () => {
  it('forwards ready and unhealthy services with a port', () => {
    assert.equal(serviceStateProblem(project, svc(), logLines([]), 7700), undefined);
    assert.equal(serviceStateProblem(project, svc({ status: 'unhealthy' }), logLines([]), 7700), undefined);
  });

  it('ready without a port → 502 service-no-port', () => {
    assert.equal(serviceStateProblem(project, svc({ port: null }), logLines([]), 7700)?.code, 'service-no-port');
  });

  it('stopped → 503 with how to start it', () => {
    const p = serviceStateProblem(project, svc({ status: 'stopped' }), logLines([]), 7700);
    assert.equal(p?.status, 503);
    assert.equal(p?.detail, "Service 'api' of project 'shop' is not running.");
    assert.match(p?.hint ?? '', /http:\/\/locald\.localhost:7700\//);
    const off = serviceStateProblem({ ...project, status: 'stopped' }, svc({ status: 'stopped' }), logLines([]), 7700);
    assert.match(off?.hint ?? '', /locald up \/p\/shop/);
  });

  it('starting → 503 that refreshes and has Retry-After', () => {
    const p = serviceStateProblem(project, svc({ status: 'starting' }), logLines([]), 7700) as ProxyProblem;
    assert.equal(p.status, 503);
    assert.equal(p.refreshSeconds, 1);
    const html = renderProblem(p, 'text/html');
    assert.equal(html.headers.Refresh, '1');
    assert.equal(html.headers['Retry-After'], '1');
    const json = renderProblem(p, 'application/json');
    assert.equal(json.headers.Refresh, undefined);
    assert.equal(json.headers['Retry-After'], '1');
  });

  it('backoff → 503 with the wait and the exit', () => {
    const p = serviceStateProblem(project, svc({ status: 'backoff', nextRestartAt: Date.now() + 5_500, lastExit: { code: 2, signal: null, at: 0 }, restarts: 3 }), logLines(['x']), 7700) as ProxyProblem;
    assert.equal(p.status, 503);
    assert.ok((p.retryAfterSeconds ?? 0) >= 5 && (p.retryAfterSeconds ?? 0) <= 6);
    assert.equal(p.refreshSeconds, 2);
    assert.match(p.detail, /exited with code 2/);
    assert.equal(p.extensions?.exitCode, 2);
    assert.deepEqual(p.logs, ['x']);
  });

  it('backoff states one countdown, once; the page says it reloads once; JSON has no page words', () => {
    const state = svc({ status: 'backoff', nextRestartAt: Date.now() + 12_500, lastExit: { code: 1, signal: null, at: 0 }, reason: 'exited with code 1; restarting in 16s', restarts: 4 });
    const p = serviceStateProblem(project, state, logLines(['boom']), 7700) as ProxyProblem;
    assert.equal(p.detail, "Service 'api' exited with code 1; locald restarts it in about 13s.");
    const html = renderProblemHtml(p);
    assert.equal(occurrences(html, 'locald restarts it in about 13s.'), 1);
    assert.equal(occurrences(html, 'restarting in'), 0);
    assert.equal(occurrences(html, 'This page reloads itself.'), 1);
    const json = renderProblem(p, 'application/json').body.toString('utf8');
    assert.equal(occurrences(json, 'locald restarts it in about 13s.'), 1);
    assert.doesNotMatch(json, /reload/i);
  });

  it('starting: the page says it reloads once; JSON has no page words', () => {
    const p = serviceStateProblem(project, svc({ status: 'starting' }), logLines([]), 7700) as ProxyProblem;
    assert.equal(p.detail, "Service 'api' is starting.");
    assert.equal(occurrences(renderProblemHtml(p), 'This page reloads itself.'), 1);
    assert.doesNotMatch(renderProblem(p, 'application/json').body.toString('utf8'), /reload/i);
  });

  it('crashed → 502 with code or signal, reason and logs', () => {
    const p = serviceStateProblem(project, svc({ status: 'crashed', lastExit: { code: 3, signal: null, at: 0 }, reason: 'exited with code 3' }), logLines(['a', 'b']), 7700) as ProxyProblem;
    assert.equal(p.status, 502);
    assert.match(p.detail, /^Service 'api' exited with code 3/);
    assert.deepEqual(p.logs, ['a', 'b']);
    assert.deepEqual(p.extensions?.logs, ['a', 'b']);
    const killed = serviceStateProblem(project, svc({ status: 'crashed', lastExit: { code: null, signal: 'SIGSEGV', at: 0 } }), logLines([]), 7700) as ProxyProblem;
    assert.match(killed.detail, /killed by signal SIGSEGV/);
    assert.equal(killed.extensions?.signal, 'SIGSEGV');
  });

  it('starting with a process: elapsed time, the port diagnosis and the log tail', () => {
    const diagnostic = 'app listens on 45999, not $PORT=35177; set port = 45999 or make it read $PORT';
    const state = svc({ status: 'starting', pid: 42, port: 35177, startedAt: Date.now() - 12_300, diagnostics: [diagnostic] });
    const p = serviceStateProblem(project, state, logLines(['compiling…']), 7700) as ProxyProblem;
    assert.equal(p.detail, "Service 'api' has been starting for 12s.");
    assert.equal(p.hint, diagnostic);
    assert.deepEqual(p.logs, ['compiling…']);
    const html = renderProblemHtml(p);
    assert.equal(occurrences(html, escapeHtml(diagnostic)), 1);
    assert.match(html, /compiling…/);
    const json = problemJson(p);
    assert.equal(json.elapsedMs !== undefined && (json.elapsedMs as number) >= 12_300, true);
    assert.deepEqual(json.diagnostics, [diagnostic]);
    // Waiting for a dependency: no process yet, so no elapsed time; the reason is the hint.
    const waiting = serviceStateProblem(project, svc({ status: 'starting', startedAt: 1, reason: "waiting for 'db'" }), logLines([]), 7700) as ProxyProblem;
    assert.equal(waiting.detail, "Service 'api' is starting.");
    assert.equal(waiting.hint, "waiting for 'db'");
  });

  it('given up → 502 that says so once, in the page and the JSON', () => {
    const state = svc({ status: 'crashed', lastExit: { code: 1, signal: null, at: 0 }, reason: 'gave up after 8 failures; fix it and restart', gaveUpAfter: 8 });
    const p = serviceStateProblem(project, state, logLines(['fatal: cannot start']), 7700) as ProxyProblem;
    assert.equal(p.status, 502);
    assert.equal(p.title, 'Service keeps crashing');
    assert.equal(p.detail, "Service 'api' exited with code 1 (gave up after 8 failures; fix it and restart).");
    assert.match(p.hint ?? '', /locald stopped restarting it after 8 failed starts in a row\./);
    assert.equal(occurrences(renderProblemHtml(p), 'gave up after 8 failures; fix it and restart'), 1);
    const json = problemJson(p);
    assert.equal(json.gaveUpAfter, 8);
    assert.equal(occurrences(JSON.stringify(json), 'gave up after 8 failures; fix it and restart'), 1);
    assert.equal(p.refreshSeconds, undefined, 'nothing will change by itself, so the page does not reload');
  });

  it('stopping → 503', () => assert.equal(serviceStateProblem(project, svc({ status: 'stopping' }), logLines([]), 7700)?.status, 503));

  it('reads logs only when the page shows them', () => {
    let reads = 0;
    const counting = () => {
      reads++;
      return [];
    };
    serviceStateProblem(project, svc(), counting, 7700);
    serviceStateProblem(project, svc({ status: 'starting', reason: "waiting for 'db'" }), counting, 7700);
    assert.equal(reads, 0);
  });
});

describe('other problems', () => {
  it('connection refused names both addresses, the service and $PORT', () => {
    const p = connectionRefusedProblem(project, svc(), 4123, ['127.0.0.1', '::1']);
    assert.equal(p.status, 502);
    assert.equal(p.detail, "Nothing is listening on 127.0.0.1:4123 or [::1]:4123 (service 'api', $PORT=4123).");
    const diag = connectionRefusedProblem(project, svc({ diagnostics: ['listening on :5173, not $PORT=4123'] }), 4123, ['127.0.0.1']);
    assert.equal(diag.hint, 'listening on :5173, not $PORT=4123');
  });

  it('timeout → 504; other upstream errors → 502 with the code', () => {
    assert.equal(upstreamTimeoutProblem(project, svc(), 4123, 60_000).status, 504);
    assert.match(upstreamTimeoutProblem(project, svc(), 4123, 60_000).detail, /within 60s/);
    const err = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const p = upstreamErrorProblem(project, svc(), 4123, err);
    assert.equal(p.status, 502);
    assert.match(p.detail, /socket hang up \(ECONNRESET\)/);
  });

  it('running out of descriptors says so, with what to do', () => {
    const err = Object.assign(new Error('connect EMFILE 127.0.0.1:4123 - Local (undefined:undefined)'), { code: 'EMFILE' });
    const p = upstreamErrorProblem(project, svc({ diagnostics: ['unrelated'] }), 4123, err);
    assert.equal(p.status, 502);
    assert.match(p.hint ?? '', /open-files limit \(ulimit -n\)/);
    assert.equal(upstreamErrorProblem(project, svc({ diagnostics: ['d'] }), 4123, new Error('x')).hint, 'd');
  });

  it('loop → 508', () => assert.equal(loopDetectedProblem('locald-x').status, 508));

  it('no route lists routes with links', () => {
    const p = noRouteProblem(project, '/x');
    assert.deepEqual(
      p.links?.map((l) => [l.label, l.href]),
      [
        ['/api', 'http://shop.localhost:7700/api'],
        ['/', 'http://shop.localhost:7700/'],
      ],
    );
  });

  it('serviceUrl inserts the service label', () => assert.equal(serviceUrl(project, 'api'), 'http://api.shop.localhost:7700/'));
});

describe('rendering', () => {
  const hostile: ProxyProblem = {
    status: 502,
    code: 'service-crashed',
    title: 'Service <crashed>',
    detail: `Service "api" said <img src=x onerror=alert(1)>`,
    hint: '<b>hint</b>',
    links: [{ label: '<shop>', href: 'javascript:"alert(1)"', note: '<note>' }],
    logs: ['<script>alert("x")</script>', '&amp; already'],
    extensions: { project: 'shop', exitCode: 3, logs: ['<script>'] },
  };

  it('HTML escapes every piece of text and loads nothing external', () => {
    const html = renderProblemHtml(hostile);
    assert.doesNotMatch(html, /<script|<img|<b>|<shop>|<note>|<crashed>/);
    assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
    assert.match(html, /&amp;amp; already/);
    assert.match(html, /href="javascript:&quot;alert\(1\)&quot;"/);
    assert.doesNotMatch(html, /https?:\/\//);
    assert.match(html, /^<!doctype html>/);
  });

  it('problem+json has RFC 9457 members and extensions', () => {
    const body = problemJson(hostile);
    assert.equal(body.type, 'urn:locald:problem:service-crashed');
    assert.equal(body.title, 'Service <crashed>');
    assert.equal(body.status, 502);
    assert.equal(body.detail, hostile.detail);
    assert.equal(body.project, 'shop');
    assert.equal(body.exitCode, 3);
    assert.deepEqual(body.logs, ['<script>']);
  });

  it('extensions cannot overwrite the standard members', () => {
    const body = problemJson({ status: 404, code: 'no-route', title: 't', detail: 'd', extensions: { status: 200, type: 'x', title: 'y' } });
    assert.equal(body.status, 404);
    assert.equal(body.type, 'urn:locald:problem:no-route');
    assert.equal(body.title, 't');
  });

  it('renderProblem sets type, length and no-store', () => {
    const html = renderProblem(hostile, 'text/html');
    assert.equal(html.status, 502);
    assert.equal(html.headers['Content-Type'], 'text/html; charset=utf-8');
    assert.equal(html.headers['Content-Length'], String(html.body.length));
    assert.equal(html.headers['Cache-Control'], 'no-store');
    assert.match(html.headers['Content-Security-Policy'] ?? '', /default-src 'none'/);
    const json = renderProblem(hostile, '*/*');
    assert.equal(json.headers['Content-Type'], 'application/problem+json');
    assert.equal(json.headers['Cache-Control'], 'no-store');
    assert.equal((JSON.parse(json.body.toString('utf8')) as { status: number }).status, 502);
  });

  it('rawProblemResponse is a complete HTTP/1.1 message that closes', () => {
    const raw = rawProblemResponse(unknownProjectProblem('x', [project], 7700), undefined).toString('utf8');
    const [head, body] = raw.split('\r\n\r\n') as [string, string];
    assert.match(head, /^HTTP\/1\.1 404 Not Found\r\n/);
    assert.match(head, /\r\nConnection: close/);
    const length = Number(/Content-Length: (\d+)/.exec(head)?.[1]);
    assert.equal(Buffer.byteLength(body), length);
    assert.equal((JSON.parse(body) as { project: string }).project, 'x');
  });
});
