import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RouteConfig } from '../../shared/config.js';
import type { ProjectState, ServiceState } from '../../shared/state.js';
import { matchRoute, normalizePrefix, normalizeTargetPath, prefixMatches, removeDotSegments, rewritePath, splitTarget } from '../../engine/routing/path.js';
import { parseRequestTarget, resolveRequest } from '../../engine/routing/resolve.js';

const r = (prefix: string, service: string, stripPrefix = prefix !== '/'): RouteConfig => ({ prefix, service, stripPrefix });

describe('splitTarget', () => {
  it('splits path and raw query', () => {
    assert.deepEqual(splitTarget('/a/b?x=1&y'), { path: '/a/b', query: '?x=1&y' });
    assert.deepEqual(splitTarget('/a'), { path: '/a', query: '' });
    assert.deepEqual(splitTarget('/a?'), { path: '/a', query: '?' });
    assert.deepEqual(splitTarget('/?a?b'), { path: '/', query: '?a?b' });
  });
});

describe('normalizePrefix', () => {
  for (const [input, out] of [
    ['/', '/'],
    ['/api', '/api'],
    ['/api/', '/api'],
    ['/api//', '/api'],
    ['api', '/api'],
    ['//', '/'],
  ] as const) {
    it(`${input} → ${out}`, () => assert.equal(normalizePrefix(input), out));
  }
});

describe('prefixMatches (segment boundaries)', () => {
  const yes: [string, string][] = [
    ['/', '/'],
    ['/', '/anything/at/all'],
    ['/api', '/api'],
    ['/api', '/api/'],
    ['/api', '/api/x'],
    ['/api', '/api/x/y'],
    ['/v2/api', '/v2/api/x'],
    ['/api/', '/api'],
    ['/api/', '/api/x'],
  ];
  const no: [string, string][] = [
    ['/api', '/apix'],
    ['/api', '/ap'],
    ['/api', '/'],
    ['/api', '/API'],
    ['/api', '/v2/api'],
    ['/api', '/%61pi'],
    ['/api', '//api'],
    ['/v2/api', '/v2/apix'],
    ['/v2/api', '/v2'],
  ];
  for (const [p, path] of yes) it(`${p} matches ${path}`, () => assert.equal(prefixMatches(p, path), true));
  for (const [p, path] of no) it(`${p} does not match ${path}`, () => assert.equal(prefixMatches(p, path), false));
});

describe('matchRoute', () => {
  const routes = [r('/v2/api', 'api', false), r('/auth', 'auth'), r('/api', 'api'), r('/', 'web')];
  const cases: [string, string, string][] = [
    ['/', 'web', '/'],
    ['/index.html', 'web', '/index.html'],
    ['/api', 'api', '/'],
    ['/api/', 'api', '/'],
    ['/api?x', 'api', '/?x'],
    ['/api/?x', 'api', '/?x'],
    ['/api/users?x=1', 'api', '/users?x=1'],
    ['/api/users/', 'api', '/users/'],
    ['/apix', 'web', '/apix'],
    ['/apix?a=/api', 'web', '/apix?a=/api'],
    ['/v2/api/users', 'api', '/v2/api/users'],
    ['/v2/api', 'api', '/v2/api'],
    ['/v2/apix', 'web', '/v2/apix'],
    ['/auth/callback?code=a%20b&state=%2F', 'auth', '/callback?code=a%20b&state=%2F'],
    ['/api/a%2Fb/%E2%9C%93', 'api', '/a%2Fb/%E2%9C%93'],
    ['/api//double', 'api', '//double'],
    ['/%61pi/x', 'web', '/%61pi/x'],
    ['/api/x?q=%zz&&', 'api', '/x?q=%zz&&'],
  ];
  for (const [target, service, upstream] of cases) {
    it(`${target} → ${service} ${upstream}`, () => {
      const m = matchRoute(routes, target);
      assert.ok(m !== undefined);
      assert.equal(m.route.service, service);
      assert.equal(m.upstreamTarget, upstream);
    });
  }

  it('prefers the longest prefix whatever the order', () => {
    const shuffled = [r('/', 'web'), r('/a', 'a'), r('/a/b/c', 'c'), r('/a/b', 'b')];
    assert.equal(matchRoute(shuffled, '/a/b/c/d')?.route.service, 'c');
    assert.equal(matchRoute(shuffled, '/a/b/cd')?.route.service, 'b');
    assert.equal(matchRoute(shuffled, '/a/bc')?.route.service, 'a');
    assert.equal(matchRoute(shuffled, '/ab')?.route.service, 'web');
  });

  it('returns undefined when nothing matches', () => {
    assert.equal(matchRoute([r('/api', 'api')], '/other'), undefined);
    assert.equal(matchRoute([r('/api', 'api')], '/apix'), undefined);
    assert.equal(matchRoute([], '/'), undefined);
  });

  it('does not strip the root route even when stripPrefix is set', () => {
    assert.equal(matchRoute([r('/', 'web', true)], '/x?y')?.upstreamTarget, '/x?y');
  });

  it('rewritePath', () => {
    assert.equal(rewritePath(r('/api', 'a'), '/api/users'), '/users');
    assert.equal(rewritePath(r('/api', 'a'), '/api'), '/');
    assert.equal(rewritePath(r('/api', 'a', false), '/api/users'), '/api/users');
    assert.equal(rewritePath(r('/api/', 'a'), '/api/users'), '/users');
  });
});

describe('parseRequestTarget', () => {
  it('accepts origin-form', () => assert.deepEqual(parseRequestTarget('/a?b'), { authority: undefined, target: '/a?b' }));
  it('accepts absolute-form and takes its authority', () => {
    assert.deepEqual(parseRequestTarget('http://shop.localhost:7700/a?b'), { authority: 'shop.localhost:7700', target: '/a?b' });
    assert.deepEqual(parseRequestTarget('HTTP://shop.localhost'), { authority: 'shop.localhost', target: '/' });
    assert.deepEqual(parseRequestTarget('http://shop.localhost?q'), { authority: 'shop.localhost', target: '/?q' });
  });
  for (const bad of ['*', 'foo', '', 'http:///x', 'http://user@shop.localhost/', 'ftp://x/']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(typeof parseRequestTarget(bad), 'string'));
  }
});

function svc(name: string, port: number | null = 4000): ServiceState {
  return { name, status: 'ready', port, pid: null, restartPolicy: 'on-failure', restarts: 0, startedAt: null, lastExit: null, reason: null, nextRestartAt: null, diagnostics: [] };
}

describe('removeDotSegments (RFC 3986 §5.2.4)', () => {
  // §5.2.4's own example, then §5.4.1/§5.4.2's results for base /b/c/d;p, as merged paths.
  const table: [string, string][] = [
    ['/a/b/c/./../../g', '/a/g'],
    ['/mid/content=5/../6', '/mid/6'],
    ['/b/c/g', '/b/c/g'],
    ['/b/c/./g', '/b/c/g'],
    ['/b/c/g/', '/b/c/g/'],
    ['/b/c/.', '/b/c/'],
    ['/b/c/./', '/b/c/'],
    ['/b/c/..', '/b/'],
    ['/b/c/../', '/b/'],
    ['/b/c/../g', '/b/g'],
    ['/b/c/../..', '/'],
    ['/b/c/../../', '/'],
    ['/b/c/../../g', '/g'],
    ['/b/c/../../../g', '/g'],
    ['/b/c/../../../../g', '/g'],
    ['/./g', '/g'],
    ['/../g', '/g'],
    ['/b/c/g.', '/b/c/g.'],
    ['/b/c/.g', '/b/c/.g'],
    ['/b/c/g..', '/b/c/g..'],
    ['/b/c/..g', '/b/c/..g'],
    ['/b/c/./../g', '/b/g'],
    ['/b/c/./g/.', '/b/c/g/'],
    ['/b/c/g/./h', '/b/c/g/h'],
    ['/b/c/g/../h', '/b/c/h'],
    ['/b/c/g;x=1/./y', '/b/c/g;x=1/y'],
    ['/b/c/g;x=1/../y', '/b/c/y'],
    ['/', '/'],
    ['/..', '/'],
    ['/.', '/'],
    ['/a//../b', '/a/b'],
  ];
  for (const [input, expected] of table) {
    it(`${input} → ${expected}`, () => assert.equal(removeDotSegments(input), expected));
  }

  it('removes percent-encoded dot-segments in any case, and nothing else', () => {
    const encoded: [string, string][] = [
      ['/api/%2e%2e/style.css', '/style.css'],
      ['/api/%2E%2E/style.css', '/style.css'],
      ['/api/.%2e/style.css', '/style.css'],
      ['/api/%2E./style.css', '/style.css'],
      ['/api/%2e/x', '/api/x'],
      ['/api/%2e%2e', '/'],
      ['/api/%2e%2e%2e/x', '/api/%2e%2e%2e/x'],
      ['/api/..%2fadmin', '/api/..%2fadmin'],
      ['/api/%2E%2Fx', '/api/%2E%2Fx'],
      ['/caf%C3%A9/%7Euser/../x', '/caf%C3%A9/x'],
    ];
    for (const [input, expected] of encoded) assert.equal(removeDotSegments(input), expected, input);
  });

  it('keeps the query string byte for byte', () => {
    assert.equal(normalizeTargetPath('/api/../x?next=/a/../b&q=%2e%2e'), '/x?next=/a/../b&q=%2e%2e');
    assert.equal(normalizeTargetPath('/a/./?'), '/a/?');
  });
});

describe('resolveRequest', () => {
  const shop: ProjectState = {
    name: 'shop',
    dir: '/p/shop',
    file: '/p/shop/locald.toml',
    status: 'running',
    url: 'http://shop.localhost:7700/',
    services: [svc('web'), svc('api'), svc('Admin')],
    routes: [r('/api', 'api'), r('/ghost', 'ghost'), r('/', 'web')],
    configIssues: [],
  };
  const docs: ProjectState = { ...shop, name: 'docs', routes: [r('/docs', 'web')] };
  const lookup = (name: string): ProjectState | undefined => ({ shop, docs })[name];

  it('routes by path', () => {
    const res = resolveRequest('shop.localhost:7700', '/api/x?y', lookup);
    assert.equal(res.kind, 'target');
    if (res.kind !== 'target') return;
    assert.equal(res.service.name, 'api');
    assert.equal(res.upstreamTarget, '/x?y');
    assert.equal(res.route?.prefix, '/api');
  });

  it('routes <service>.<project> to the service, unchanged, case-insensitively', () => {
    const res = resolveRequest('API.shop.localhost', '/api/x?y', lookup);
    assert.equal(res.kind, 'target');
    if (res.kind !== 'target') return;
    assert.equal(res.service.name, 'api');
    assert.equal(res.route, null);
    assert.equal(res.upstreamTarget, '/api/x?y');
    const admin = resolveRequest('admin.shop.localhost', '/', lookup);
    assert.equal(admin.kind === 'target' && admin.service.name, 'Admin');
  });

  it('routes and forwards the path without dot-segments', () => {
    const up = resolveRequest('shop.localhost', '/api/../style.css?v=../1', lookup);
    assert.equal(up.kind === 'target' && up.service.name, 'web');
    assert.equal(up.kind === 'target' && up.upstreamTarget, '/style.css?v=../1');
    const down = resolveRequest('shop.localhost', '/x/%2E%2E/api/users', lookup);
    assert.equal(down.kind === 'target' && down.service.name, 'api');
    assert.equal(down.kind === 'target' && down.upstreamTarget, '/users');
    const byHost = resolveRequest('api.shop.localhost', '/a/.%2e/b', lookup);
    assert.equal(byHost.kind === 'target' && byHost.upstreamTarget, '/b');
  });

  it('lets an absolute-form authority override Host', () => {
    const res = resolveRequest('other.localhost', 'http://shop.localhost/api/z', lookup);
    assert.equal(res.kind === 'target' && res.upstreamTarget, '/z');
  });

  it('reports each failure kind', () => {
    assert.deepEqual(resolveRequest('locald.localhost', '/', lookup), { kind: 'dashboard' });
    assert.equal(resolveRequest('nope.localhost', '/', lookup).kind, 'unknown-project');
    assert.deepEqual(resolveRequest('localhost', '/', lookup), { kind: 'no-project', hostname: 'localhost' });
    assert.deepEqual(resolveRequest(undefined, '/', lookup), { kind: 'no-project', hostname: '' });
    const noRoute = resolveRequest('docs.localhost', '/other?x', lookup);
    assert.equal(noRoute.kind, 'no-route');
    assert.equal(noRoute.kind === 'no-route' && noRoute.path, '/other');
    const unknownSvc = resolveRequest('nope.shop.localhost', '/', lookup);
    assert.equal(unknownSvc.kind === 'unknown-service' && unknownSvc.service, 'nope');
    const ghost = resolveRequest('shop.localhost', '/ghost', lookup);
    assert.equal(ghost.kind === 'unknown-service' && ghost.service, 'ghost');
    assert.equal(resolveRequest('a..localhost', '/', lookup).kind, 'bad-request');
    assert.equal(resolveRequest('shop.localhost', '*', lookup).kind, 'bad-request');
  });
});
