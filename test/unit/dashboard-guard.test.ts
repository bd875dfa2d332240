import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDashboardAccess, isDashboardHost, tokenCookie, tokenFromCookie, tokenFromUrl } from '../../engine/dashboard/guard.js';
import { contentSecurityPolicy } from '../../engine/dashboard/server.js';

const base = { host: 'locald.localhost:7700', origin: undefined, cookie: undefined, url: '/', expectedToken: 'secret-token', port: 7700 };

test('the printed URL (token in the query) is accepted once, to be traded for a cookie', () => {
  assert.deepEqual(checkDashboardAccess({ ...base, url: '/?token=secret-token' }), { ok: true, tokenFrom: 'query' });
  assert.deepEqual(checkDashboardAccess({ ...base, cookie: 'a=b; locald_token=secret-token' }), { ok: true, tokenFrom: 'cookie' });
});

test('no token or a wrong token: 401', () => {
  for (const input of [base, { ...base, url: '/?token=wrong' }, { ...base, cookie: 'locald_token=wrong' }, { ...base, url: '/?token=' }]) {
    const d = checkDashboardAccess(input);
    assert.equal(d.ok, false);
    assert.equal(d.ok ? 0 : d.status, 401);
  }
});

test('a foreign Host (DNS rebinding) is refused before the token is even looked at', () => {
  for (const host of ['evil.example:7700', 'locald.localhost:7701', 'localhost:7700', '127.0.0.1:7700', undefined]) {
    const d = checkDashboardAccess({ ...base, host, url: '/?token=secret-token' });
    assert.equal(d.ok ? 0 : d.status, 421, String(host));
  }
  assert.ok(isDashboardHost('LOCALD.localhost:7700', 7700));
});

test('a cross-site Origin is refused, even with a valid cookie', () => {
  for (const origin of ['http://evil.example', 'http://shop.localhost:7700', 'null', 'http://locald.localhost:7701']) {
    const d = checkDashboardAccess({ ...base, origin, cookie: 'locald_token=secret-token' });
    assert.equal(d.ok ? 0 : d.status, 403, origin);
  }
  assert.equal(checkDashboardAccess({ ...base, origin: 'http://locald.localhost:7700', cookie: 'locald_token=secret-token' }).ok, true);
});

test('token parsing and the cookie it is stored in', () => {
  assert.equal(tokenFromUrl('/x?a=1&token=abc'), 'abc');
  assert.equal(tokenFromUrl('/x'), null);
  assert.equal(tokenFromCookie('x=1;  locald_token=a%2Bb'), 'a+b');
  assert.equal(tokenFromCookie(undefined), null);
  assert.match(tokenCookie('t'), /^locald_token=t; HttpOnly; SameSite=Strict; Path=\/$/);
});

test('the dashboard CSP allows only its own scripts and its own engine socket', () => {
  const csp = contentSecurityPolicy(7700);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /connect-src 'self' ws:\/\/locald\.localhost:7700 wss:\/\/locald\.localhost:7700/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-eval/);
});
