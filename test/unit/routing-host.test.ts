import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackHostname, parseHost, splitHostPort } from '../../engine/routing/host.js';

describe('splitHostPort', () => {
  const cases: [string, ReturnType<typeof splitHostPort>][] = [
    ['shop.localhost', { hostname: 'shop.localhost', port: null, ipv6: false }],
    ['shop.localhost:7700', { hostname: 'shop.localhost', port: 7700, ipv6: false }],
    ['SHOP.LocalHost:80', { hostname: 'shop.localhost', port: 80, ipv6: false }],
    ['shop.localhost.', { hostname: 'shop.localhost', port: null, ipv6: false }],
    ['shop.localhost.:7700', { hostname: 'shop.localhost', port: 7700, ipv6: false }],
    ['[::1]', { hostname: '::1', port: null, ipv6: true }],
    ['[::1]:7700', { hostname: '::1', port: 7700, ipv6: true }],
    ['[FE80::1%25eth0]:1', { hostname: 'fe80::1%25eth0', port: 1, ipv6: true }],
    ['  shop.localhost  ', { hostname: 'shop.localhost', port: null, ipv6: false }],
    ['x:0', { hostname: 'x', port: 0, ipv6: false }],
    ['x:65535', { hostname: 'x', port: 65535, ipv6: false }],
  ];
  for (const [input, expected] of cases) {
    it(`splits ${JSON.stringify(input)}`, () => assert.deepEqual(splitHostPort(input), expected));
  }

  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['   ', /empty/],
    ['x:65536', /not a valid port/],
    ['x:', /not a valid port/],
    ['x:7a', /not a valid port/],
    ['x:-1', /not a valid port/],
    ['::1', /need \[brackets\]/],
    ['[::1', /unterminated/],
    ['[::1]x', /unexpected characters/],
    ['[not-v6]:1', /not an IPv6 address/],
    ['[127.0.0.1]', /not an IPv6 address/],
    [':80', /no name/],
    ['.', /no name/],
    ['a'.repeat(300), /too long/],
  ];
  for (const [input, reason] of bad) {
    it(`rejects ${JSON.stringify(input.slice(0, 20))}`, () => {
      const r = splitHostPort(input);
      assert.equal(typeof r, 'string');
      assert.match(r as string, reason);
    });
  }
});

describe('parseHost', () => {
  const cases: [string | undefined, ReturnType<typeof parseHost>][] = [
    ['shop.localhost', { kind: 'project', project: 'shop', service: null }],
    ['shop.localhost:7700', { kind: 'project', project: 'shop', service: null }],
    ['Shop.LOCALHOST', { kind: 'project', project: 'shop', service: null }],
    ['shop.localhost.', { kind: 'project', project: 'shop', service: null }],
    ['api.shop.localhost', { kind: 'project', project: 'shop', service: 'api' }],
    ['API.Shop.localhost.:7700', { kind: 'project', project: 'shop', service: 'api' }],
    ['my-app.localhost', { kind: 'project', project: 'my-app', service: null }],
    ['my_svc.my-app.localhost', { kind: 'project', project: 'my-app', service: 'my_svc' }],
    ['0day.localhost', { kind: 'project', project: '0day', service: null }],
    ['locald.localhost', { kind: 'dashboard' }],
    ['LOCALD.localhost:7700', { kind: 'dashboard' }],
    ['locald.localhost.', { kind: 'dashboard' }],
    ['localhost', { kind: 'bare', hostname: 'localhost' }],
    ['localhost:7700', { kind: 'bare', hostname: 'localhost' }],
    ['LOCALHOST.', { kind: 'bare', hostname: 'localhost' }],
    ['127.0.0.1', { kind: 'bare', hostname: '127.0.0.1' }],
    ['127.0.0.1:7700', { kind: 'bare', hostname: '127.0.0.1' }],
    ['[::1]:7700', { kind: 'bare', hostname: '::1' }],
    ['example.com', { kind: 'bare', hostname: 'example.com' }],
    ['shop.localhost.example.com', { kind: 'bare', hostname: 'shop.localhost.example.com' }],
    [undefined, { kind: 'bare', hostname: '' }],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${expected.kind}`, () => assert.deepEqual(parseHost(input), expected));
  }

  const invalid: [string, RegExp][] = [
    ['', /empty/],
    ['a..b.localhost', /not a valid DNS label/],
    ['.shop.localhost', /not a valid DNS label/],
    ['-shop.localhost', /not a valid DNS label/],
    ['shop-.localhost', /not a valid DNS label/],
    ['sh op.localhost', /not a valid DNS label/],
    ['shop!.localhost', /not a valid DNS label/],
    ['shöp.localhost', /not a valid DNS label/],
    ['shop\u0000.localhost', /not a valid DNS label/],
    [`${'a'.repeat(64)}.localhost`, /not a valid DNS label/],
    ['a.b.c.localhost', /too many labels/],
    ['x.locald.localhost', /reserved for the dashboard/],
    ['shop.localhost:99999', /not a valid port/],
    [`${'a.'.repeat(130)}localhost`, /longer than 253|too long/],
  ];
  for (const [input, reason] of invalid) {
    it(`invalid: ${JSON.stringify(input.slice(0, 30))}`, () => {
      const r = parseHost(input);
      assert.equal(r.kind, 'invalid');
      assert.match((r as { reason: string }).reason, reason);
    });
  }

  it('accepts a 63-character label', () => {
    const label = 'a'.repeat(63);
    assert.deepEqual(parseHost(`${label}.localhost`), { kind: 'project', project: label, service: null });
  });
});

describe('isLoopbackHostname', () => {
  it('accepts localhost and loopback literals in any spelling', () => {
    for (const h of ['localhost', '127.0.0.1', '127.0.0.2', '127.1', '::1', '0:0:0:0:0:0:0:1', '::0:1']) {
      assert.equal(isLoopbackHostname(h), true, h);
    }
  });

  it('rejects every other name, other addresses and no name', () => {
    for (const h of ['attacker.com', 'localhost.attacker.com', '127.0.0.1.nip.io', '10.0.0.1', '0.0.0.0', '::', '::2', 'fe80::1%eth0', '']) {
      assert.equal(isLoopbackHostname(h), false, h);
    }
  });

  it('is applied to what parseHost calls bare', () => {
    const bare = parseHost('[0:0::1]:7700');
    assert.equal(bare.kind === 'bare' && isLoopbackHostname(bare.hostname), true);
    const foreign = parseHost('Attacker.COM.:7700');
    assert.equal(foreign.kind === 'bare' && isLoopbackHostname(foreign.hostname), false);
  });
});
