import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatLogLine } from '../../engine/cli/format.js';
import { renderProblemHtml } from '../../engine/proxy/problems/render.js';
import { serviceStateProblem } from '../../engine/proxy/problems/problems.js';
import { pickFreePort } from '../../engine/supervisor/ports.js';
import type { ProjectState } from '../../shared/state.js';
import { harness, nodeFixture, project, service, tempDir } from './supervisor-kit.js';

test('a service listening on another port than $PORT, silently, is diagnosed from its sockets while it starts', async (t) => {
  const fixed = await pickFreePort();
  const config = project('p', [service('web', nodeFixture('silent-wrong-port.js'), { env: { FIXED_PORT: String(fixed) }, ready: { kind: 'tcp', timeoutMs: 60_000 } })]);
  const h = harness(t, config);
  void h.supervisor.start();
  // The page used to stay blank for the whole readiness timeout; now the diagnosis comes within seconds.
  const state = await h.waitForState('web', (s) => s.diagnostics.length > 0, 'diagnosed', 15_000);
  const expected = `app listens on ${fixed}, not $PORT=${state.port}; set port = ${fixed} or make it read $PORT`;
  assert.deepEqual(state.diagnostics, [expected]);
  assert.equal(state.status, 'starting', 'diagnosed well before the readiness timeout');
  await h.waitForLine('web', /compiled successfully/);
  const output = h.lines.filter((l) => l.service === 'web' && l.stream !== 'system').map((l) => l.text);
  assert.ok(output.includes('compiled successfully') && !output.some((l) => l.includes(String(fixed))), 'the service never printed its port');
  assert.match(h.text('web'), new RegExp(`diagnosis: ${expected.replace(/\$/g, '\\$')}`));
  const diagnosis = h.lines.find((l) => l.service === 'web' && l.stream === 'system' && l.text.startsWith('diagnosis:'));
  assert.equal(formatLogLine(diagnosis ?? assert.fail('no diagnosis line'), false, 0), `locald: p/web diagnosis: ${expected}`);

  // The proxy's starting page, built from that state: both ports, the elapsed time, the output.
  const projectState: ProjectState = { name: 'p', dir: config.dir, file: config.file, status: 'starting', url: 'http://p.localhost:7700/', services: [state], routes: [], configIssues: [] };
  const page = serviceStateProblem(projectState, state, () => h.supervisor.logs({ service: 'web' }), 7700);
  assert.equal(page?.code, 'service-starting');
  const html = renderProblemHtml(page ?? assert.fail('no problem'));
  assert.match(html, new RegExp(`app listens on ${fixed}, not \\$PORT=${state.port}; set port = ${fixed} or make it read \\$PORT`));
  assert.match(html, /has been starting for \d+s\./);
  assert.match(html, /starting the dev server/);
});

test('the diagnosis goes away once the service also listens on $PORT, even before it counts as ready', async (t) => {
  const fixed = await pickFreePort();
  const gate = join(tempDir(t), 'listen-on-port-now');
  const ready = { kind: 'log' as const, pattern: 'a line this service never prints', timeoutMs: 60_000 };
  const h = harness(t, project('p', [service('web', nodeFixture('silent-wrong-port.js'), { env: { FIXED_PORT: String(fixed), PORT_GATE: gate }, ready })]));
  void h.supervisor.start();
  await h.waitForState('web', (s) => s.diagnostics.length === 1, 'diagnosed', 15_000);
  writeFileSync(gate, '');
  const state = await h.waitForState('web', (s) => s.diagnostics.length === 0, 'no longer diagnosed', 15_000);
  assert.equal(state.status, 'starting');
});
