// A running project whose locald.toml changes: reload, refusal of a broken file (the last
// good config keeps running), and approval of changed commands. Real files, real services.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../engine/engine.js';
import { decideReload } from '../../engine/config-reload.js';
import { parseProjectConfig } from '../../engine/config/index.js';
import type { ProjectState } from '../../shared/state.js';
import { REPO, tempHome } from '../helpers/locald-cli.js';
import { waitFor } from '../helpers/proxy-net.js';

const SERVER = `require('node:http').createServer((q, s) => s.end(process.env.WORD ?? 'none')).listen(+process.env.PORT, '127.0.0.1')`;
const toml = (word: string, route = '/'): string =>
  `name = "reload"\n[services.web]\ncommand = "node -e \\"${SERVER.replace(/"/g, '\\\\\\"')}\\""\nenv = { WORD = "${word}" }\n[routes]\n"${route}" = "web"\n`;

/** Saves like an editor does: write a temporary file, rename it over the original. */
function save(dir: string, text: string): void {
  writeFileSync(join(dir, '.locald.toml.tmp'), text);
  renameSync(join(dir, '.locald.toml.tmp'), join(dir, 'locald.toml'));
}

async function get(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/`);
  return res.text();
}

describe('config reload', () => {
  const engines: Engine[] = [];
  after(async () => {
    for (const e of engines) await e.shutdown();
  });

  async function running(policy: 'apply' | 'approve'): Promise<{ engine: Engine; dir: string; states: ProjectState[] }> {
    const dir = mkdtempSync(join(tmpdir(), 'locald-reload-'));
    save(dir, toml('one'));
    const engine = new Engine({ home: tempHome(), httpPort: 0, version: 'test', reloadPolicy: policy, stopGraceMs: 2000 });
    engines.push(engine);
    const states: ProjectState[] = [];
    engine.subscribe('project.state', (s) => states.push(s));
    await engine.addProject(dir);
    const started = await engine.startProject('reload');
    assert.equal(started.status, 'running');
    return { engine, dir, states };
  }
  const servicePort = (engine: Engine): number => engine.getProject('reload')?.services[0]?.port ?? 0;

  test('apply: a changed environment restarts the service with it; a broken file keeps the last good config', async () => {
    const { engine, dir } = await running('apply');
    assert.equal(await get(servicePort(engine)), 'one');
    save(dir, toml('two'));
    await waitFor(async () => {
      const s = engine.getProject('reload');
      if (s?.status !== 'running') return undefined;
      return (await get(servicePort(engine)).catch(() => '')) === 'two' ? true : undefined;
    }, 'the service to run with WORD=two', 30_000);

    save(dir, '[service "web"]\ncommand = "x"\n');
    const broken = await waitFor(() => {
      const s = engine.getProject('reload');
      return s !== undefined && s.configIssues.length > 0 ? s : undefined;
    }, 'the config error to show', 15_000);
    assert.match(broken.configIssues[0]?.hint ?? '', /\[services\.web\]/);
    assert.equal(broken.status, 'running', 'the last good config keeps running');
    assert.equal(await get(servicePort(engine)), 'two');

    save(dir, toml('two', '/app'));
    const rerouted = await waitFor(() => {
      const s = engine.getProject('reload');
      return s?.routes[0]?.prefix === '/app' && s.configIssues.length === 0 ? s : undefined;
    }, 'the new route', 15_000);
    assert.equal(rerouted.status, 'running');
  });

  test('approve: changed commands wait; nothing new runs until projects.approve', async () => {
    const { engine, dir } = await running('approve');
    save(dir, toml('three'));
    const waiting = await waitFor(() => {
      const s = engine.getProject('reload');
      return s?.pendingApproval != null ? s : undefined;
    }, 'pendingApproval', 15_000);
    assert.deepEqual(waiting.pendingApproval?.changes, ["'web' environment changed"]);
    assert.equal(await get(servicePort(engine)), 'one', 'the old command still runs');
    await assert.rejects(engine.call('projects.approve', { project: 'reload', hash: 'sha256:stale' }), /changed again since they were shown/);
    const approved = await engine.call('projects.approve', { project: 'reload', hash: waiting.pendingApproval?.hash ?? '' });
    assert.equal(approved.pendingApproval, null);
    assert.equal(approved.status, 'running');
    assert.equal(await get(servicePort(engine)), 'three');
    await assert.rejects(engine.call('projects.approve', { project: 'reload' }), /no change waiting for approval/);
  });
});

test('decideReload: renames are refused; route-only changes do not restart', () => {
  const dir = join(REPO, 'examples', 'shop');
  const parse = (text: string) => parseProjectConfig(text, join(dir, 'locald.toml'), dir);
  const base = parse('name = "a"\n[services.web]\ncommand = "node web.js"\n');
  assert.ok(base.ok);
  const renamed = decideReload(base.config, parse('name = "b"\n[services.web]\ncommand = "node web.js"\n'), 'apply');
  assert.equal(renamed.kind, 'invalid');
  const rerouted = decideReload(base.config, parse('name = "a"\n[services.web]\ncommand = "node web.js"\n[routes]\n"/x" = "web"\n'), 'approve');
  assert.equal(rerouted.kind, 'apply');
  assert.equal(rerouted.kind === 'apply' && rerouted.restart, false);
  const newCommand = decideReload(base.config, parse('name = "a"\n[services.web]\ncommand = "node other.js"\n'), 'approve');
  assert.deepEqual(newCommand.kind === 'approve' && newCommand.changed, ["'web' command: node web.js -> node other.js"]);
  assert.equal(decideReload(base.config, parse('name = "a"\n[services.web]\ncommand = "node web.js"\n'), 'approve').kind, 'unchanged');
});
