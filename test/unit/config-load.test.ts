import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConfigIssue, ConfigResult, ProjectConfig } from '../../shared/config.js';
import { DEFAULT_READY_TIMEOUT_MS } from '../../shared/defaults.js';
import { detectZeroConfig, findDuplicateProjectNames, loadProject, parseProcfile } from '../../engine/config/index.js';

let root = '';

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'locald-config-'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh project folder `name` under the temp root, holding `files`. */
async function folder(name: string, files: Record<string, string> = {}): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

function ok(result: ConfigResult | null): { config: ProjectConfig; warnings: ConfigIssue[] } {
  if (result === null) assert.fail('expected a config, got null');
  if (!result.ok) assert.fail(`expected a config, got:\n${JSON.stringify(result.issues, null, 2)}`);
  return result;
}

function failed(result: ConfigResult | null): ConfigIssue[] {
  if (result === null) assert.fail('expected issues, got null');
  if (result.ok) assert.fail(`expected issues, got ${JSON.stringify(result.config)}`);
  assert.ok(result.issues.length > 0);
  return result.issues;
}

const pkg = (scripts: Record<string, string>): string => JSON.stringify({ name: 'x', scripts }, null, 2);

describe('loadProject: locald.toml', () => {
  it('loads a folder\'s locald.toml, and the same file by path', async () => {
    const dir = await folder('shop', { 'locald.toml': '[services.web]\ncommand = "npm run dev"\ncwd = "frontend"\n', 'frontend/.keep': '' });
    for (const target of [dir, path.join(dir, 'locald.toml')]) {
      const { config } = ok(await loadProject(target));
      assert.equal(config.name, 'shop');
      assert.equal(config.dir, dir);
      assert.equal(config.file, path.join(dir, 'locald.toml'));
      assert.equal(config.source, 'locald.toml');
      assert.equal(config.services[0]?.cwd, path.join(dir, 'frontend'));
    }
  });

  it('prefers locald.toml over package.json and Procfile', async () => {
    const dir = await folder('both', { 'locald.toml': '[services.app]\ncommand = "a"', 'package.json': pkg({ dev: 'vite' }), Procfile: 'web: b' });
    assert.equal(ok(await loadProject(dir)).config.services[0]?.name, 'app');
  });

  it('resolves a relative path', async () => {
    const dir = await folder('relative', { 'locald.toml': '[services.web]\ncommand = "x"' });
    assert.equal(ok(await loadProject(path.relative(process.cwd(), dir))).config.dir, dir);
  });

  it('reports a cwd that is not a folder, at its line', async () => {
    const dir = await folder('badcwd', { 'locald.toml': '[services.web]\ncommand = "x"\ncwd = "nope"\n' });
    const [issue, ...rest] = failed(await loadProject(dir));
    assert.deepEqual(rest, []);
    assert.equal(issue?.file, path.join(dir, 'locald.toml'));
    assert.equal(issue?.keyPath, 'services.web.cwd');
    assert.deepEqual([issue?.line, issue?.column], [3, 7]);
    assert.match(issue?.message ?? '', /"nope" is not a folder/);
  });

  it('returns located issues from an invalid file, and strips a UTF-8 BOM', async () => {
    const dir = await folder('draft', { 'locald.toml': '\uFEFF[service "frontend"]\ncommand = "x"\n' });
    const [issue] = failed(await loadProject(dir));
    assert.deepEqual([issue?.line, issue?.column, issue?.hint], [1, 1, 'write [services.frontend]']);
  });

  it('never throws for paths that cannot be loaded', async () => {
    const missing = path.join(root, 'does-not-exist');
    const [gone] = failed(await loadProject(missing));
    assert.equal(gone?.file, missing);
    assert.match(gone?.message ?? '', /no such file or folder/);
    assert.ok(gone?.hint);

    const dir = await folder('tomldir', { 'locald.toml/x': '' });
    assert.match(failed(await loadProject(dir))[0]?.message ?? '', /is a folder/);

    const notDir = await folder('notdir', { file: 'x' });
    assert.match(failed(await loadProject(path.join(notDir, 'file', 'deeper')))[0]?.message ?? '', /no such file/);
  });

  it('reports an unreadable file', { skip: process.getuid?.() === 0 ? 'root reads any file' : false }, async () => {
    const dir = await folder('unreadable', { 'locald.toml': '[services.web]\ncommand = "x"' });
    await chmod(path.join(dir, 'locald.toml'), 0o000);
    const [issue] = failed(await loadProject(dir));
    assert.match(issue?.message ?? '', /cannot read locald\.toml: EACCES/);
  });

  it('explains what it looked for when a folder has nothing to run', async () => {
    const dir = await folder('Empty Project', { 'package.json': pkg({ test: 'node --test' }), 'README.md': '' });
    const [issue] = failed(await loadProject(dir));
    assert.equal(issue?.file, path.join(dir, 'locald.toml'));
    for (const word of ['locald.toml', 'package.json', '"dev"', '"start"', 'Procfile']) assert.ok(issue?.message.includes(word), word);
    assert.match(issue?.hint ?? '', /name = "empty-project"\s+\[services\.web\]\s+command = "npm run dev"/);
  });
});

describe('zero-config', () => {
  it('runs the package.json dev script as one service "web" at "/"', async () => {
    const dir = await folder('vite-app', { 'package.json': pkg({ dev: 'vite', start: 'node server.js' }) });
    const { config, warnings } = ok(await loadProject(dir));
    assert.deepEqual(warnings, []);
    assert.deepEqual(config, {
      name: 'vite-app',
      dir,
      file: path.join(dir, 'package.json'),
      source: 'package.json',
      services: [
        {
          name: 'web',
          command: 'npm run dev',
          port: null,
          cwd: dir,
          env: {},
          dependsOn: [],
          ready: { kind: 'tcp', timeoutMs: DEFAULT_READY_TIMEOUT_MS },
          restart: 'on-failure',
          protocol: 'http1',
        },
      ],
      routes: [{ prefix: '/', service: 'web', stripPrefix: false }],
    });
  });

  it('falls back to the start script', async () => {
    const dir = await folder('start-app', { 'package.json': pkg({ start: 'node server.js' }) });
    assert.equal(ok(await detectZeroConfig(dir)).config.services[0]?.command, 'npm start');
  });

  it('returns null when nothing applies', async () => {
    assert.equal(await detectZeroConfig(await folder('nothing')), null);
    assert.equal(await detectZeroConfig(await folder('no-scripts', { 'package.json': '{"name": "x"}' })), null);
    assert.equal(await detectZeroConfig(await folder('bad-scripts', { 'package.json': '{"scripts": {"dev": 1}}' })), null);
  });

  it('reports invalid package.json JSON with a line and column', async () => {
    const dir = await folder('broken-json', { 'package.json': '{\n  "scripts": {\n    "dev": "vite",\n  }\n}' });
    const [issue] = failed(await loadProject(dir));
    assert.equal(issue?.file, path.join(dir, 'package.json'));
    assert.equal(issue?.line, 4);
    assert.equal(typeof issue?.column, 'number');
    assert.match(issue?.message ?? '', /not valid JSON/);
  });

  it('turns each Procfile process into a service; web gets "/" and TCP readiness', async () => {
    const dir = await folder('rails', { Procfile: '# processes\n\nweb: bundle exec rails s -p $PORT\nworker_1:   bundle exec sidekiq  \n' });
    const { config, warnings } = ok(await loadProject(dir));
    assert.deepEqual(warnings, []);
    assert.equal(config.source, 'Procfile');
    assert.equal(config.file, path.join(dir, 'Procfile'));
    assert.deepEqual(
      config.services.map((s) => [s.name, s.command, s.ready]),
      [
        ['web', 'bundle exec rails s -p $PORT', { kind: 'tcp', timeoutMs: DEFAULT_READY_TIMEOUT_MS }],
        // Workers do not listen: they are ready once they print something (see zero-config-build.ts).
        ['worker-1', 'bundle exec sidekiq', { kind: 'log', pattern: '', timeoutMs: DEFAULT_READY_TIMEOUT_MS }],
      ],
    );
    assert.deepEqual(config.routes, [{ prefix: '/', service: 'web', stripPrefix: false }]);
  });

  it('routes the only Procfile process even when it is not called web, and warns when several have no web', async () => {
    const single = ok(await loadProject(await folder('single-proc', { Procfile: 'app: node server.js' }))).config;
    assert.deepEqual(single.routes, [{ prefix: '/', service: 'app', stripPrefix: false }]);
    assert.equal(single.services[0]?.ready.kind, 'tcp');
    const { config, warnings } = ok(await loadProject(await folder('no-web', { Procfile: 'api: a\nworker: b' })));
    assert.deepEqual(config.routes, []);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]?.hint ?? '', /"web"/);
  });

  it('prefers Procfile.dev, then the dev script, then Procfile, then the start script, and says what it ignored', async () => {
    const all = await folder('pref-all', { 'Procfile.dev': 'web: bin/dev-server', Procfile: 'web: bin/prod', 'package.json': pkg({ dev: 'vite' }) });
    const first = ok(await loadProject(all));
    assert.equal(first.config.file, path.join(all, 'Procfile.dev'));
    assert.equal(first.config.services[0]?.command, 'bin/dev-server');
    assert.deepEqual(first.warnings.map((w) => path.basename(w.file)).sort(), ['Procfile', 'package.json']);

    const devScript = await folder('pref-dev', { Procfile: 'web: bin/prod', 'package.json': pkg({ dev: 'vite' }) });
    const second = ok(await loadProject(devScript));
    assert.equal(second.config.source, 'package.json');
    assert.equal(second.warnings[0]?.file, path.join(devScript, 'Procfile'));

    const startScript = await folder('pref-start', { Procfile: 'web: bin/prod', 'package.json': pkg({ start: 'node .' }) });
    const third = ok(await loadProject(startScript));
    assert.equal(third.config.source, 'Procfile');
    assert.equal(third.warnings[0]?.file, path.join(startScript, 'package.json'));
  });

  it('uses an explicitly chosen package.json or Procfile', async () => {
    const dir = await folder('explicit', { Procfile: 'web: bin/prod', 'package.json': pkg({ start: 'node .' }) });
    assert.equal(ok(await loadProject(path.join(dir, 'package.json'))).config.source, 'package.json');
    assert.equal(ok(await loadProject(path.join(dir, 'Procfile'))).config.source, 'Procfile');
    const bare = await folder('explicit-bare', { 'package.json': '{}' });
    assert.match(failed(await loadProject(path.join(bare, 'package.json')))[0]?.message ?? '', /no "dev" or "start" script/);
  });

  it('reports a folder name that cannot be a project name, with a fix', async () => {
    const [issue] = failed(await loadProject(await folder('locald', { 'package.json': pkg({ dev: 'x' }) })));
    assert.match(issue?.message ?? '', /reserved/);
    assert.equal(issue?.hint, 'add a locald.toml containing name = "locald-app"');
  });
});

describe('parseProcfile', () => {
  it('reports bad lines at their position', () => {
    const { entries, issues } = parseProcfile('web: ok\n  just some text\nweb: again\nbad name: x\nempty:\n', '/p/Procfile');
    assert.deepEqual(entries, [{ name: 'web', command: 'ok', line: 1 }]);
    assert.deepEqual(
      issues.map((i) => [i.line, i.column, i.file]),
      [
        [2, 3, '/p/Procfile'],
        [3, 1, '/p/Procfile'],
        [4, 1, '/p/Procfile'],
        [5, 7, '/p/Procfile'],
      ],
    );
    for (const issue of issues) assert.ok(issue.hint);
    assert.match(issues[1]?.message ?? '', /defined twice/);
  });

  it('rejects a Procfile with no processes', () => {
    const { issues } = parseProcfile('# nothing\n\n', '/p/Procfile');
    assert.match(issues[0]?.message ?? '', /no processes/);
  });
});

describe('findDuplicateProjectNames', () => {
  const project = (name: string, dir: string, source: ProjectConfig['source'] = 'locald.toml'): ProjectConfig => ({
    name,
    dir,
    file: path.join(dir, source === 'locald.toml' ? 'locald.toml' : source),
    source,
    services: [],
    routes: [],
  });

  it('names both files and suggests a free name', () => {
    const a = project('shop', '/work/a/shop');
    const b = project('shop', '/work/b/shop');
    const c = project('shop', '/work/c/shop', 'package.json');
    const other = project('blog', '/work/blog');
    const issues = findDuplicateProjectNames([a, other, b, c]);
    assert.equal(issues.length, 2);
    assert.equal(issues[0]?.file, b.file);
    assert.equal(issues[0]?.keyPath, 'name');
    assert.ok(issues[0]?.message.includes(a.file) && issues[0].message.includes(b.file));
    assert.equal(issues[0]?.hint, `set name = "shop-b" in ${b.file}`);
    assert.equal(issues[1]?.hint, `set name = "shop-c" in a new ${path.join('/work/c/shop', 'locald.toml')}`);
  });

  it('falls back to numbered names and ignores the same folder loaded twice', () => {
    const a = project('shop', '/x/shop');
    const b = project('shop', '/x/shop2');
    assert.equal(findDuplicateProjectNames([a, b])[0]?.hint, `set name = "shop-x" in ${b.file}`);
    const taken = project('shop-x', '/y/shop-x');
    assert.match(findDuplicateProjectNames([a, b, taken])[0]?.hint ?? '', /name = "shop-2"/);
    assert.deepEqual(findDuplicateProjectNames([a, { ...a }]), []);
  });
});
