// Restart on change with real files and processes: a service that reads a file at start
// restarts when the file is saved, ignores what it should, coalesces bursts, and comes back
// after it crashed or locald gave up on it.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { ServiceConfig, WatchConfig } from '../../shared/config.js';
import { harness, nodeFixture, project, service, tempDir, waitFor, type Harness } from './supervisor-kit.js';

const WATCH: WatchConfig = { patterns: ['src/**/*.txt', '**/*.txt'], ignore: ['skip'], debounceMs: 100, restartDependents: false };

/** A project folder holding src/version.txt (saying `version`) and a .gitignore. */
function projectDir(t: TestContext, version: string): string {
  const dir = tempDir(t, 'locald-watch-');
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'version.txt'), version);
  writeFileSync(join(dir, '.gitignore'), '# build output\n/generated/\n');
  return dir;
}

function watched(dir: string, extra: Partial<ServiceConfig> = {}): ServiceConfig {
  return service('web', nodeFixture('serve-file.js'), { cwd: dir, watch: WATCH, ...extra });
}

function run(t: TestContext, dir: string, services: ServiceConfig[], options: Parameters<typeof harness>[2] = {}): Harness {
  return harness(t, { ...project('watchy', services), dir, file: join(dir, 'locald.toml') }, options);
}

function restartsFor(h: Harness, name = 'web'): string[] {
  return h.text(name).split('\n').filter((line) => / changed: restarting$/.test(line));
}

describe('restart on change', () => {
  it('a save in the watched tree restarts the service, which then serves the new file', async (t) => {
    const dir = projectDir(t, 'v1');
    const h = run(t, dir, [watched(dir)]);
    await h.supervisor.start();
    assert.equal(h.supervisor.state('web')?.status, 'ready');
    await h.waitForLine('web', /serving v1/);
    const savedAt = Date.now();
    writeFileSync(join(dir, 'src', 'version.txt'), 'v2');
    await h.waitForLine('web', /serving v2/, 15_000);
    await h.waitForState('web', (s) => s.status === 'ready', 'ready again', 15_000);
    t.diagnostic(`save to ready: ${Date.now() - savedAt} ms (debounce ${WATCH.debounceMs} ms)`);
    assert.deepEqual(restartsFor(h), ['src/version.txt changed: restarting']);
  });

  it('edits in node_modules, .git, a .gitignore\'d folder and an ignore = [...] folder do nothing', async (t) => {
    const dir = projectDir(t, 'v1');
    for (const folder of ['node_modules/pkg', '.git', 'generated', 'skip']) mkdirSync(join(dir, folder), { recursive: true });
    const h = run(t, dir, [watched(dir)]);
    await h.supervisor.start();
    await h.waitForLine('web', /serving v1/);
    for (const file of ['node_modules/pkg/a.txt', '.git/HEAD.txt', 'generated/out.txt', 'skip/x.txt', 'README.md']) writeFileSync(join(dir, file), 'x');
    // The positive control: a watched save after the ignored ones. Had any ignored edit counted,
    // the first changed path named in the log (or a second restart) would show it.
    writeFileSync(join(dir, 'src', 'version.txt'), 'v2');
    await h.waitForLine('web', /serving v2/, 15_000);
    await h.waitForState('web', (s) => s.status === 'ready', 'ready again', 15_000);
    assert.deepEqual(restartsFor(h), ['src/version.txt changed: restarting']);
  });

  it('200 rapid saves cause one or two restarts, not 200', async (t) => {
    const dir = projectDir(t, 'v0');
    const h = run(t, dir, [watched(dir, { watch: { ...WATCH, debounceMs: 300 } })]);
    await h.supervisor.start();
    await h.waitForLine('web', /serving v0/);
    for (let i = 1; i <= 200; i++) writeFileSync(join(dir, 'src', 'version.txt'), `v${i}`);
    await h.waitForLine('web', /serving v200/, 20_000);
    await h.waitForState('web', (s) => s.status === 'ready', 'ready again', 15_000);
    const restarts = restartsFor(h).length;
    assert.ok(restarts >= 1 && restarts <= 2, `restarts: ${restarts}\n${h.text('web')}`);
  });

  it('a service locald gave up on restarts on the next change', async (t) => {
    const dir = projectDir(t, 'crash');
    const h = run(t, dir, [watched(dir, { restart: 'on-failure' })], { maxFailedStarts: 2, backoff: { initialMs: 10, maxMs: 20 } });
    await h.supervisor.start();
    const gaveUp = await h.waitForState('web', (s) => s.gaveUpAfter !== null, 'given up');
    assert.equal(gaveUp.status, 'crashed');
    writeFileSync(join(dir, 'src', 'version.txt'), 'fixed');
    const ready = await h.waitForState('web', (s) => s.status === 'ready', 'ready after the fix', 15_000);
    assert.equal(ready.gaveUpAfter, null);
    await h.waitForLine('web', /serving fixed/);
  });

  it('restart_dependents = true restarts the services that depend on it, after it is ready', async (t) => {
    const dir = projectDir(t, 'v1');
    const api = watched(dir, { name: 'api', watch: { ...WATCH, restartDependents: true } });
    const web = service('web', nodeFixture('serve-file.js'), { cwd: dir, dependsOn: ['api'] });
    const other = service('other', nodeFixture('serve-file.js'), { cwd: dir });
    const h = run(t, dir, [api, web, other]);
    await h.supervisor.start();
    const before = { web: h.supervisor.state('web')?.pid, other: h.supervisor.state('other')?.pid };
    writeFileSync(join(dir, 'src', 'version.txt'), 'v2');
    await h.waitForLine('web', /'api' restarted after src\/version.txt changed: restarting/, 15_000);
    const webAgain = await h.waitForState('web', (s) => s.status === 'ready' && s.pid !== before.web, 'ready with a new pid', 15_000);
    assert.notEqual(webAgain.pid, before.web);
    await h.waitForLine('web', /serving v2/);
    assert.equal(h.supervisor.state('other')?.pid, before.other, 'a service that does not depend on api keeps running');
  });

  it('a file saved in a folder created after the start restarts the service', async (t) => {
    const dir = projectDir(t, 'v1');
    const h = run(t, dir, [watched(dir, { env: { SERVE_FILE: 'src/new/deeper/version.txt' } })]);
    mkdirSync(join(dir, 'src', 'new', 'deeper'), { recursive: true });
    writeFileSync(join(dir, 'src', 'new', 'deeper', 'version.txt'), 'n1');
    await h.supervisor.start();
    await h.waitForLine('web', /serving n1/);
    mkdirSync(join(dir, 'src', 'later', 'deep'), { recursive: true });
    writeFileSync(join(dir, 'src', 'later', 'deep', 'a.txt'), 'x');
    await h.waitForLine('web', /src\/later\/deep\/a\.txt changed: restarting/, 15_000);
    await h.waitForState('web', (s) => s.status === 'ready', 'ready again', 15_000);
  });

  it('watches one handle per folder, and none in ignored folders', async (t) => {
    const dir = projectDir(t, 'v1');
    for (let i = 0; i < 20; i++) mkdirSync(join(dir, 'node_modules', `pkg${i}`, 'lib'), { recursive: true });
    mkdirSync(join(dir, 'src', 'a', 'b'), { recursive: true });
    const h = run(t, dir, [watched(dir)]);
    await h.supervisor.start();
    // root, src, src/a, src/b: four folders; node_modules (41 folders) and the .gitignore'd ones are never watched.
    if (process.platform === 'linux') assert.equal(h.supervisor.watchHandles, 4);
    await h.supervisor.stop();
    assert.equal(h.supervisor.watchHandles, 0, 'stop() closes the watchers');
    await waitFor(() => (h.supervisor.state('web')?.status === 'stopped' ? true : undefined), 5_000, () => 'web to stop');
  });
});
