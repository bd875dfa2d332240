// `locald up` with a service that ignores $PORT and never says where it listens: the CLI
// line and the proxy's starting page name both ports within seconds, not after the
// 60s readiness timeout.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pickFreePort } from '../../engine/supervisor/ports.js';
import { startLocald } from '../helpers/locald-cli.js';
import { request, waitFor } from '../helpers/proxy-net.js';
import { nodeFixture } from './supervisor-kit.js';

test('locald up: a service listening on a fixed port instead of $PORT is named in the CLI line and on the starting page', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'locald-wrong-port-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fixed = await pickFreePort();
  const gate = join(dir, 'listen-on-port-now');
  writeFileSync(join(dir, 'locald.toml'), [`name = "wp"`, '', '[services.web]', `command = '${nodeFixture('silent-wrong-port.js')}'`, `env = { FIXED_PORT = "${fixed}", PORT_GATE = '${gate}' }`, ''].join('\n'));
  const locald = startLocald(['up', dir, '--http-port', '0']);
  t.after(() => locald.stop('SIGTERM'));
  const port = await locald.port();

  const line = await locald.waitForOutput(/locald: wp\/web diagnosis: (app listens on \d+, not \$PORT=(\d+); .*)\n/, 20_000);
  const expected = `app listens on ${fixed}, not $PORT=${line[2]}; set port = ${fixed} or make it read $PORT`;
  assert.equal(line[1], expected);

  // The proxy's starting page (HTML) and problem+json say the same, with the time so far and the output.
  const page = await waitFor(
    async () => {
      const res = await request(port, { host: 'wp.localhost', path: '/', headers: { accept: 'text/html' } });
      return res.status === 503 && res.text.includes(expected) ? res : undefined;
    },
    'the starting page with the diagnosis',
    10_000,
  );
  assert.match(page.text, /has been starting for \d+s\./);
  assert.match(page.text, /starting the dev server/);
  const json = await request(port, { host: 'wp.localhost', path: '/', headers: { accept: 'application/json' } });
  const body = JSON.parse(json.text) as { serviceStatus: string; hint: string; diagnostics: string[] };
  assert.equal(body.serviceStatus, 'starting');
  assert.equal(body.hint, expected);
  assert.deepEqual(body.diagnostics, [expected]);

  // Once $PORT answers, the service is ready and the diagnosis (maybe an HMR port) is dropped;
  // it also lets locald stop it without waiting for the readiness timeout.
  writeFileSync(gate, '');
  await locald.waitForOutput(new RegExp(`locald: wp/web ready on port ${line[2]}`), 20_000);
});
