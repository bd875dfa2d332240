import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConfigIssue, ConfigResult } from '../../shared/config.js';
import { loadProject, parseProjectConfig } from '../../engine/config/index.js';
import { commandsHash } from '../../engine/approval-hash.js';

const DIR = path.resolve('/projects/shop');

function parse(body: string): ConfigResult {
  return parseProjectConfig(`[services.web]\ncommand = "x"\n${body}`, path.join(DIR, 'locald.toml'), DIR);
}

function onlyIssue(result: ConfigResult, keyPath: string): ConfigIssue {
  if (result.ok) assert.fail(`expected issues, got a valid config: ${JSON.stringify(result.config)}`);
  const found = result.issues.filter((issue) => issue.keyPath === keyPath);
  assert.equal(found.length, 1, JSON.stringify(result.issues, null, 2));
  return found[0] as ConfigIssue;
}

describe('locald.toml: watch keys', () => {
  it('reads watch, ignore, debounce and restart_dependents', () => {
    const result = parse('watch = ["src/**/*.go", "go.mod"]\nignore = ["tmp"]\ndebounce = "1.5s"\nrestart_dependents = true');
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.config.services[0]?.watch, { patterns: ['src/**/*.go', 'go.mod'], ignore: ['tmp'], debounceMs: 1500, restartDependents: true });
  });

  it('defaults: a 300 ms debounce, no dependents; no watch key means no watching', () => {
    const watched = parse('watch = "src/**"\ndebounce = 50');
    assert.ok(watched.ok);
    assert.deepEqual(watched.config.services[0]?.watch, { patterns: ['src/**'], ignore: [], debounceMs: 50, restartDependents: false });
    const unwatched = parse('');
    assert.ok(unwatched.ok);
    assert.equal(unwatched.config.services[0]?.watch, undefined);
  });

  const cases: { what: string; text: string; keyPath: string; line: number; column: number; hint: RegExp }[] = [
    { what: 'watch as a number', text: 'watch = 3', keyPath: 'services.web.watch', line: 3, column: 9, hint: /watch = \["src/ },
    { what: 'watch with an empty entry', text: 'watch = ["src/**", ""]', keyPath: 'services.web.watch[1]', line: 3, column: 20, hint: /watch = / },
    { what: 'watch leaving the folder', text: 'watch = ["../other/**"]', keyPath: 'services.web.watch[0]', line: 3, column: 10, hint: /relative to the service's cwd/ },
    { what: 'watch empty', text: 'watch = []', keyPath: 'services.web.watch', line: 3, column: 9, hint: /remove watch/ },
    { what: 'ignore as a table', text: 'watch = ["**"]\nignore = { a = 1 }', keyPath: 'services.web.ignore', line: 4, column: 10, hint: /ignore = \["dist/ },
    { what: 'debounce with a unit typo', text: 'watch = ["**"]\ndebounce = "300 msec"', keyPath: 'services.web.debounce', line: 4, column: 12, hint: /300ms/ },
    { what: 'debounce negative', text: 'watch = ["**"]\ndebounce = -5', keyPath: 'services.web.debounce', line: 4, column: 12, hint: /milliseconds/ },
    { what: 'debounce too long', text: 'watch = ["**"]\ndebounce = 600000', keyPath: 'services.web.debounce', line: 4, column: 12, hint: /60000 at most/ },
    { what: 'restart_dependents as a string', text: 'watch = ["**"]\nrestart_dependents = "yes"', keyPath: 'services.web.restart_dependents', line: 4, column: 22, hint: /^restart_dependents = true$/ },
    { what: 'env_file as a number', text: 'env_file = 1', keyPath: 'services.web.env_file', line: 3, column: 12, hint: /env_file = "\.env"/ },
    { what: 'env_file entry without path', text: 'env_file = [".env", { optional = true }]', keyPath: 'services.web.env_file[1]', line: 3, column: 21, hint: /optional = true/ },
    { what: 'env_file optional not a boolean', text: 'env_file = [{ path = ".env", optional = "yes" }]', keyPath: 'services.web.env_file[0].optional', line: 3, column: 41, hint: /^optional = true$/ },
    { what: 'env_file entry with an unknown key', text: 'env_file = [{ path = ".env", optinal = true }]', keyPath: 'services.web.env_file[0].optinal', line: 3, column: 30, hint: /optional = true/ },
  ];
  for (const c of cases) {
    it(`${c.what}: located error`, () => {
      const issue = onlyIssue(parse(c.text), c.keyPath);
      assert.deepEqual({ line: issue.line, column: issue.column }, { line: c.line, column: c.column }, JSON.stringify(issue));
      assert.match(issue.hint ?? '', c.hint);
    });
  }

  it('warns that ignore and debounce do nothing without watch', () => {
    const result = parse('ignore = ["tmp"]\ndebounce = 100');
    assert.ok(result.ok);
    assert.deepEqual(
      result.warnings.map((w) => [w.keyPath, w.line, w.message]),
      [
        ['services.web.ignore', 3, 'ignore has no effect without watch'],
        ['services.web.debounce', 4, 'debounce has no effect without watch'],
      ],
    );
  });
});

describe('locald.toml: env_file (real files)', () => {
  let root = '';
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'locald-envfile-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function project(name: string, files: Record<string, string>): Promise<string> {
    const dir = path.join(root, name);
    await mkdir(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text);
    return dir;
  }

  it('reads the files in order (later wins), env wins over files, and records them', async () => {
    const dir = await project('ok', {
      'locald.toml': '[services.web]\ncommand = "x"\nenv_file = [".env", ".env.local", { path = ".env.missing", optional = true }]\nenv = { B = "from-toml" }\n',
      '.env': 'A=1\nB=from-env\nC=base\n',
      '.env.local': 'C=${C}-local\nD="${A}2"\n',
    });
    const result = await loadProject(dir);
    assert.ok(result.ok, JSON.stringify(result));
    const web = result.config.services[0];
    assert.deepEqual(web?.fileEnv, { A: '1', B: 'from-env', C: 'base-local', D: '12' });
    assert.deepEqual(web?.env, { B: 'from-toml' });
    assert.deepEqual(web?.envFiles, [
      { path: path.join(dir, '.env'), optional: false },
      { path: path.join(dir, '.env.local'), optional: false },
      { path: path.join(dir, '.env.missing'), optional: true },
    ]);
  });

  it('reports a missing file at its env_file entry in locald.toml', async () => {
    const dir = await project('missing', { 'locald.toml': '[services.web]\ncommand = "x"\nenv_file = [".env", ".env.local"]\n', '.env': 'A=1\n' });
    const result = await loadProject(dir);
    const issue = onlyIssue(result, 'services.web.env_file[1]');
    assert.deepEqual([issue.file, issue.line, issue.column], [path.join(dir, 'locald.toml'), 3, 21]);
    assert.match(issue.message, /env file "\.env\.local" of service 'web' does not exist/);
    assert.match(issue.hint ?? '', /optional = true/);
    const single = await loadProject(await project('missing-one', { 'locald.toml': '[services.web]\ncommand = "x"\nenv_file = ".env"\n' }));
    const one = onlyIssue(single, 'services.web.env_file');
    assert.deepEqual([one.line, one.column], [3, 12]);
  });

  it('reports a syntax error in a .env file with that file and line', async () => {
    const dir = await project('syntax', { 'locald.toml': '[services.web]\ncommand = "x"\nenv_file = ".env"\n', '.env': 'A=1\n# ok\nAPI_KEY sk_live_secret\n' });
    const result = await loadProject(dir);
    assert.ok(!result.ok);
    assert.deepEqual(result.issues.map((i) => [i.file, i.line, i.column]), [[path.join(dir, '.env'), 3, 1]]);
    assert.ok(!JSON.stringify(result.issues).includes('sk_live_secret'), 'the error does not quote the secret');
  });

  it('counts a changed env file as a change of the approval hash', async () => {
    const dir = await project('hash', { 'locald.toml': '[services.web]\ncommand = "x"\nenv_file = ".env"\n', '.env': 'TOKEN=a\n' });
    const first = await loadProject(dir);
    await writeFile(path.join(dir, '.env'), 'TOKEN=b\n');
    const second = await loadProject(dir);
    assert.ok(first.ok && second.ok);
    assert.notEqual(commandsHash(first.config), commandsHash(second.config));
  });
});
