import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ConfigIssue, ProjectConfig } from '../../shared/config.js';
import { DEFAULT_READY_TIMEOUT_MS } from '../../shared/defaults.js';
import { parseProjectConfig } from '../../engine/config/index.js';

const DIR = path.resolve('/projects/shop');
const FILE = path.join(DIR, 'locald.toml');

function lines(...text: string[]): string {
  return text.join('\n');
}

function valid(text: string, dir = DIR): { config: ProjectConfig; warnings: ConfigIssue[] } {
  const result = parseProjectConfig(text, path.join(dir, 'locald.toml'), dir);
  if (!result.ok) assert.fail(`expected a valid config, got:\n${JSON.stringify(result.issues, null, 2)}`);
  return result;
}

function invalid(text: string, dir = DIR): ConfigIssue[] {
  const result = parseProjectConfig(text, path.join(dir, 'locald.toml'), dir);
  if (result.ok) assert.fail(`expected issues, got a valid config: ${JSON.stringify(result.config)}`);
  for (const issue of result.issues) assert.equal(issue.file, path.join(dir, 'locald.toml'));
  return result.issues;
}

/** The one issue with this key path (fails when there is none or several). */
function at(issues: ConfigIssue[], keyPath: string): ConfigIssue {
  const found = issues.filter((issue) => issue.keyPath === keyPath);
  assert.equal(found.length, 1, `expected one issue at ${keyPath}, got: ${JSON.stringify(issues, null, 2)}`);
  return found[0] as ConfigIssue;
}

function assertPosition(issue: ConfigIssue, line: number, column: number): void {
  assert.deepEqual({ line: issue.line, column: issue.column }, { line, column }, JSON.stringify(issue));
}

const DESIGN_EXAMPLE = lines(
  'name = "shop"                    # optional; defaults to the folder name. Domain: shop.localhost',
  '',
  '[services.web]',
  'command = "npm run dev"          # run through the platform shell, in cwd',
  '# port = 3000                    # optional; if absent locald picks a free port. Either way $PORT is set',
  'cwd = "frontend"                 # optional, relative to this file',
  'env = { NODE_ENV = "development" }',
  'depends_on = ["api"]             # start after api is ready',
  'ready = { http = "/healthz" }    # or { tcp = true } (the default), or { log = "listening on" }',
  'restart = "on-failure"           # default; or "always", "never". Exponential backoff',
  '',
  '[services.api]',
  'command = "go run main.go"',
  'port = 8080',
  '',
  '[routes]',
  '"/" = "web"                                            # everything else',
  '"/api" = "api"                                         # /api/users -> api sees /users',
  '"/v2/api" = { service = "api", strip_prefix = false }  # api sees /v2/api/...',
);

describe('parseProjectConfig: valid files', () => {
  it('reads the example from DESIGN.md into the typed model', () => {
    const { config, warnings } = valid(DESIGN_EXAMPLE);
    assert.deepEqual(warnings, []);
    assert.deepEqual(config, {
      name: 'shop',
      dir: DIR,
      file: FILE,
      source: 'locald.toml',
      services: [
        {
          name: 'web',
          command: 'npm run dev',
          port: null,
          cwd: path.join(DIR, 'frontend'),
          env: { NODE_ENV: 'development' },
          dependsOn: ['api'],
          ready: { kind: 'http', path: '/healthz', timeoutMs: DEFAULT_READY_TIMEOUT_MS },
          restart: 'on-failure',
          protocol: 'http1',
        },
        {
          name: 'api',
          command: 'go run main.go',
          port: 8080,
          cwd: DIR,
          env: {},
          dependsOn: [],
          ready: { kind: 'tcp', timeoutMs: DEFAULT_READY_TIMEOUT_MS },
          restart: 'on-failure',
          protocol: 'http1',
        },
      ],
      routes: [
        { prefix: '/v2/api', service: 'api', stripPrefix: false },
        { prefix: '/api', service: 'api', stripPrefix: true },
        { prefix: '/', service: 'web', stripPrefix: false },
      ],
    });
  });

  it('accepts every other form of every key', () => {
    const { config } = valid(
      lines(
        '[services.worker]',
        "command = 'node worker.js'",
        'cwd = "/abs/worker"',
        'ready = { log = \'listening on port \\d+\', timeout = 2.5 }',
        'restart = "always"',
        '[services.grpc]',
        'command = "go run ./grpc"',
        'port = 50051',
        'protocol = "h2c"',
        'restart = "never"',
        'ready = { tcp = true, timeout = 10 }',
        '[services.grpc.env]',
        'A = "1"',
        '"WITH SPACE" = ""',
        '[services.plain]',
        'command = "x"',
        'ready = { timeout = 1 }',
        '[routes]',
        '"/" = { service = "worker", strip_prefix = true }',
        '"/rpc/" = { service = "grpc" }',
      ),
    );
    const [worker, grpc, plain] = config.services;
    assert.deepEqual(worker?.ready, { kind: 'log', pattern: 'listening on port \\d+', timeoutMs: 2500 });
    assert.equal(worker?.restart, 'always');
    assert.equal(worker?.cwd, path.resolve(DIR, '/abs/worker'));
    assert.equal(grpc?.protocol, 'h2c');
    assert.equal(grpc?.restart, 'never');
    assert.equal(grpc?.port, 50051);
    assert.deepEqual(grpc?.ready, { kind: 'tcp', timeoutMs: 10_000 });
    assert.deepEqual(grpc?.env, { A: '1', 'WITH SPACE': '' });
    assert.deepEqual(plain?.ready, { kind: 'tcp', timeoutMs: 1000 });
    assert.deepEqual(config.routes, [
      { prefix: '/rpc', service: 'grpc', stripPrefix: true },
      { prefix: '/', service: 'worker', stripPrefix: true },
    ]);
  });

  it('names the project after its folder, made into a DNS label', () => {
    assert.equal(valid('[services.web]\ncommand = "x"', path.resolve('/p/My_Shop.v2')).config.name, 'my-shop-v2');
    assert.equal(valid('[services.web]\ncommand = "x"', path.resolve('/p/--Shop--')).config.name, 'shop');
    assert.equal(valid('name = "Shop"\n[services.web]\ncommand = "x"').config.name, 'shop');
  });

  it('routes "/" to the only service when there is no [routes]', () => {
    const { config, warnings } = valid('[services.app]\ncommand = "x"');
    assert.deepEqual(config.routes, [{ prefix: '/', service: 'app', stripPrefix: false }]);
    assert.deepEqual(warnings, []);
  });

  it('adds no routes for several services without [routes], and warns with a suggestion', () => {
    const { config, warnings } = valid('[services.web]\ncommand = "x"\n[services.api]\ncommand = "y"');
    assert.deepEqual(config.routes, []);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.keyPath, 'routes');
    assert.match(warnings[0]?.message ?? '', /<service>\.<project>\.localhost/);
    assert.match(warnings[0]?.hint ?? '', /\[routes\].*"\/" = "web".*"\/api" = "api"/);
  });

  it('normalises route prefixes and sorts them longest first', () => {
    const { config } = valid(
      lines('[services.a]', 'command = "x"', '[routes]', '"/a" = "a"', '"//b//c/" = "a"', '"/a/b/c/d" = "a"', '"/" = "a"', '"/zz/" = "a"'),
    );
    assert.deepEqual(
      config.routes.map((route) => route.prefix),
      ['/a/b/c/d', '/b/c', '/zz', '/a', '/'],
    );
    assert.ok(config.routes.filter((route) => route.prefix !== '/').every((route) => route.stripPrefix));
  });

  it('keeps services in file order and removes repeated dependencies', () => {
    const { config } = valid(lines('[services.z]', 'command = "z"', 'depends_on = ["a", "a"]', '[services.a]', 'command = "a"'), DIR);
    assert.deepEqual(config.services.map((service) => service.name), ['z', 'a']);
    assert.deepEqual(config.services[0]?.dependsOn, ['a']);
  });

  it('accepts CRLF line endings, and dotted keys', () => {
    const { config } = valid('services.web.command = "x"\r\nservices.web.port = 3001\r\n');
    assert.equal(config.services[0]?.port, 3001);
  });

  it('warns when a service takes locald\'s own default port', () => {
    const { warnings } = valid('[services.web]\ncommand = "x"\nport = 7700');
    assertPosition(at(warnings, 'services.web.port'), 3, 8);
  });
});

describe('parseProjectConfig: the draft [service "x"] syntax', () => {
  it('reports [service "frontend"] at its line and suggests [services.frontend]', () => {
    const issues = invalid(lines('name = "shop"', '', '[service "frontend"]', 'command = "npm run dev"'));
    assert.equal(issues.length, 1);
    const [issue] = issues;
    assertPosition(issue as ConfigIssue, 3, 1);
    assert.match(issue?.message ?? '', /not valid TOML/);
    assert.equal(issue?.hint, 'write [services.frontend]');
  });

  it('reports every draft header, with [services "x"] and single quotes, and still validates the rest', () => {
    const issues = invalid(lines('  [services "api"]', 'command = "a"', "[service 'web']", 'comand = "w"', '[service "my app"]', 'command = "m"'));
    const drafts = issues.filter((issue) => /not valid TOML/.test(issue.message));
    assert.deepEqual(
      drafts.map((issue) => [issue.line, issue.column, issue.hint]),
      [
        [1, 3, 'write [services.api]'],
        [3, 1, 'write [services.web]'],
        [5, 1, 'write [services."my app"]'],
      ],
    );
    // Validation ran on the repaired text: the typo on line 4 is reported too, at its position.
    const typo = at(issues, 'services.web.comand');
    assertPosition(typo, 4, 1);
    assert.match(typo.hint ?? '', /did you mean `command`\?/);
  });

  it('does not mistake a draft header inside a multi-line string for one', () => {
    const { config } = valid(lines('[services.web]', 'command = """', '[service "x"]', '"""'));
    assert.equal(config.services[0]?.command, '[service "x"]\n');
  });

  it('reports [service.x] (valid TOML, wrong table name) and suggests [services.x]', () => {
    const issues = invalid(lines('[service.frontend]', 'command = "x"'));
    const issue = at(issues, 'service');
    assertPosition(issue, 1, 2);
    assert.match(issue.hint ?? '', /\[services\.frontend\]/);
  });
});

describe('parseProjectConfig: TOML syntax errors', () => {
  it('reports the line and column from the TOML parser', () => {
    const issues = invalid(lines('[services.web]', 'command = "x"', 'port = 30 00'));
    assert.equal(issues.length, 1);
    assertPosition(issues[0] as ConfigIssue, 3, 11);
    assert.match(issues[0]?.message ?? '', /^invalid TOML: /);
    assert.ok(issues[0]?.hint);
  });

  it('suggests quotes for an unquoted string', () => {
    const [issue] = invalid(lines('[services.web]', 'command = npm run dev'));
    assert.equal(issue?.line, 2);
    assert.equal(issue?.hint, 'strings need quotes: command = "npm run dev"');
  });

  it('explains duplicate keys and unfinished strings', () => {
    const [duplicate] = invalid(lines('[services.web]', 'command = "a"', 'command = "b"'));
    assert.equal(duplicate?.line, 3);
    assert.match(duplicate?.hint ?? '', /only once/);
    const [unfinished] = invalid(lines('[services.web]', 'command = "a'));
    assertPosition(unfinished as ConfigIssue, 2, 11);
    assert.match(unfinished?.hint ?? '', /close the string/);
  });

  it('reports draft headers below a syntax error too', () => {
    const issues = invalid(lines('x = = 1', '[service "web"]'));
    assert.deepEqual(
      issues.map((issue) => issue.line),
      [1, 2],
    );
    assert.equal(issues[1]?.hint, 'write [services.web]');
  });
});

describe('parseProjectConfig: unknown keys name the nearest valid key', () => {
  const cases: { what: string; text: string; keyPath: string; line: number; column: number; nearest: string; lists: string }[] = [
    { what: 'top level', text: 'nmae = "x"\n[services.web]\ncommand = "x"', keyPath: 'nmae', line: 1, column: 1, nearest: 'name', lists: 'name, services, routes' },
    { what: 'top level, table', text: '[servics.web]\ncommand = "x"', keyPath: 'servics', line: 1, column: 2, nearest: 'services', lists: 'name, services, routes' },
    { what: 'service', text: '[services.web]\n  comand = "x"', keyPath: 'services.web.comand', line: 2, column: 3, nearest: 'command', lists: 'command, port, cwd, env, depends_on, ready, restart, protocol' },
    { what: 'service, dash for underscore', text: '[services.web]\ncommand = "x"\ndepends-on = []', keyPath: 'services.web.depends-on', line: 3, column: 1, nearest: 'depends_on', lists: 'depends_on' },
    { what: 'ready', text: '[services.web]\ncommand = "x"\nready = { tcp = true, timout = 5 }', keyPath: 'services.web.ready.timout', line: 3, column: 23, nearest: 'timeout', lists: 'tcp, http, log, timeout' },
    { what: 'route table', text: '[services.web]\ncommand = "x"\n[routes]\n"/api" = { service = "web", strip-prefix = true }', keyPath: 'routes."/api".strip-prefix', line: 4, column: 29, nearest: 'strip_prefix', lists: 'service, strip_prefix' },
  ];
  for (const c of cases) {
    it(`in ${c.what}`, () => {
      const issue = at(invalid(c.text), c.keyPath);
      assertPosition(issue, c.line, c.column);
      assert.match(issue.message, /unknown/);
      assert.ok(issue.hint?.startsWith(`did you mean \`${c.nearest}\`?`), issue.hint);
      assert.ok(issue.hint?.includes(c.lists), issue.hint);
    });
  }

  it('lists the valid keys without a guess when nothing is close', () => {
    const issue = at(invalid('[services.web]\ncommand = "x"\nzzzzzz = 1'), 'services.web.zzzzzz');
    assert.equal(issue.hint, 'valid keys: command, port, cwd, env, depends_on, ready, restart, protocol, watch, ignore, debounce, restart_dependents, env_file');
  });

  it('says where a service key belongs when it is written at the top level', () => {
    const issue = at(invalid('command = "x"\n[services.web]\ncommand = "x"'), 'command');
    assert.match(issue.hint ?? '', /\[services\.<name>\]/);
  });
});

describe('parseProjectConfig: type and value errors', () => {
  const cases: { what: string; text: string; keyPath: string; line: number; column: number; hint: RegExp }[] = [
    { what: 'port as a string', text: 'port = "3000"', keyPath: 'services.web.port', line: 3, column: 8, hint: /^port = 3000$/ },
    { what: 'port as a float', text: 'port = 3000.0', keyPath: 'services.web.port', line: 3, column: 8, hint: /^port = 3000$/ },
    { what: 'port out of range', text: 'port = 70000', keyPath: 'services.web.port', line: 3, column: 8, hint: /1 to 65535/ },
    { what: 'port zero', text: 'port = 0', keyPath: 'services.web.port', line: 3, column: 8, hint: /1 to 65535/ },
    { what: 'depends_on as a string', text: 'depends_on = "api"', keyPath: 'services.web.depends_on', line: 3, column: 14, hint: /^depends_on = \["api"\]$/ },
    { what: 'depends_on with a number', text: 'depends_on = ["api", 3]', keyPath: 'services.web.depends_on[1]', line: 3, column: 22, hint: /depends_on = \["api"\]/ },
    { what: 'env with a number', text: 'env = { PORT_OFFSET = 3 }', keyPath: 'services.web.env.PORT_OFFSET', line: 3, column: 23, hint: /^quote it: PORT_OFFSET = "3"$/ },
    { what: 'env with a boolean', text: 'env = { DEBUG = true }', keyPath: 'services.web.env.DEBUG', line: 3, column: 17, hint: /DEBUG = "true"/ },
    { what: 'env as a string', text: 'env = "A=1"', keyPath: 'services.web.env', line: 3, column: 7, hint: /env = \{ NODE_ENV/ },
    { what: 'cwd as a number', text: 'cwd = 1', keyPath: 'services.web.cwd', line: 3, column: 7, hint: /cwd = "1"/ },
    { what: 'restart misspelled', text: 'restart = "on-failur"', keyPath: 'services.web.restart', line: 3, column: 11, hint: /^restart = "on-failure" \(valid values: "on-failure", "always", "never"\)$/ },
    { what: 'restart as a boolean', text: 'restart = false', keyPath: 'services.web.restart', line: 3, column: 11, hint: /restart = "never"/ },
    { what: 'protocol http2', text: 'protocol = "http2"', keyPath: 'services.web.protocol', line: 3, column: 12, hint: /^protocol = "h2c"/ },
    { what: 'protocol unknown', text: 'protocol = "carrier-pigeon"', keyPath: 'services.web.protocol', line: 3, column: 12, hint: /^valid values: "http1", "h2c"$/ },
    { what: 'ready as a path string', text: 'ready = "/healthz"', keyPath: 'services.web.ready', line: 3, column: 9, hint: /^ready = \{ http = "\/healthz" \}$/ },
    { what: 'ready with two kinds', text: 'ready = { tcp = true, http = "/x" }', keyPath: 'services.web.ready', line: 3, column: 9, hint: /\{ tcp = true \}/ },
    { what: 'ready tcp false', text: 'ready = { tcp = false }', keyPath: 'services.web.ready.tcp', line: 3, column: 17, hint: /tcp = true/ },
    { what: 'ready http without slash', text: 'ready = { http = "healthz" }', keyPath: 'services.web.ready.http', line: 3, column: 18, hint: /^http = "\/healthz"$/ },
    { what: 'ready http as a URL', text: 'ready = { http = "http://localhost:3000/up" }', keyPath: 'services.web.ready.http', line: 3, column: 18, hint: /^http = "\/up"$/ },
    { what: 'ready log not a regex', text: 'ready = { log = "listening (on" }', keyPath: 'services.web.ready.log', line: 3, column: 17, hint: /literal string/ },
    { what: 'ready timeout negative', text: 'ready = { log = "x", timeout = -1 }', keyPath: 'services.web.ready.timeout', line: 3, column: 32, hint: /timeout = 30/ },
    { what: 'ready timeout too long', text: 'ready = { timeout = 1e9 }', keyPath: 'services.web.ready.timeout', line: 3, column: 21, hint: /^timeout = 86400 at most/ },
    { what: 'ready timeout as a string', text: 'ready = { timeout = "5" }', keyPath: 'services.web.ready.timeout', line: 3, column: 21, hint: /^timeout = 5$/ },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const issue = at(invalid(`[services.web]\ncommand = "x"\n${c.text}`), c.keyPath);
      assertPosition(issue, c.line, c.column);
      assert.match(issue.hint ?? '', c.hint);
    });
  }

  it('rejects a missing or empty command, at the service header', () => {
    const missing = at(invalid('name = "x"\n\n[services.web]\nport = 3000'), 'services.web');
    assertPosition(missing, 3, 11);
    assert.match(missing.message, /has no command/);
    assert.match(missing.hint ?? '', /command = "npm run dev"/);
    const empty = at(invalid('[services.web]\ncommand = "  "'), 'services.web.command');
    assertPosition(empty, 2, 11);
  });

  it('suggests joining an array command', () => {
    const issue = at(invalid('[services.web]\ncommand = ["npm", "run", "dev"]'), 'services.web.command');
    assert.equal(issue.hint, 'command = "npm run dev"');
  });

  it('rejects a service that is not a table', () => {
    const issue = at(invalid('services.web = "npm run dev"'), 'services.web');
    assertPosition(issue, 1, 16);
    assert.match(issue.hint ?? '', /\[services\.web\].*command = "npm run dev"/);
  });

  it('rejects NUL characters that no process could receive', () => {
    const issue = at(invalid('[services.web]\ncommand = "a\\u0000b"'), 'services.web.command');
    assert.match(issue.message, /NUL/);
  });
});

describe('parseProjectConfig: names', () => {
  it('rejects a service name that is not a DNS label, suggesting one', () => {
    const issue = at(invalid('[services.My_API]\ncommand = "x"'), 'services.My_API');
    assertPosition(issue, 1, 11);
    assert.equal(issue.hint, 'rename it: [services.my-api]');
  });

  it('rejects an explicit project name that is not a DNS label, suggesting one', () => {
    const issue = at(invalid('name = "my shop!"\n[services.web]\ncommand = "x"'), 'name');
    assertPosition(issue, 1, 8);
    assert.equal(issue.hint, 'name = "my-shop"');
    assert.match(at(invalid('name = 3\n[services.web]\ncommand = "x"'), 'name').hint ?? '', /name = "3"/);
  });

  it('rejects a name that would take over locald.localhost', () => {
    const issue = at(invalid('name = "locald"\n[services.web]\ncommand = "x"'), 'name');
    assert.equal(issue.hint, 'name = "locald-app"');
  });

  it('asks for a name when the folder name has no usable characters', () => {
    const issue = at(invalid('[services.web]\ncommand = "x"', path.resolve('/p/日本')), 'name');
    assert.match(issue.hint ?? '', /name = "my-app"/);
  });
});

describe('parseProjectConfig: services and dependencies', () => {
  it('rejects a file with no services', () => {
    for (const text of ['', 'name = "x"', '[services]', '# just a comment\n']) {
      const issue = at(invalid(text), 'services');
      assert.match(issue.message, /no services/);
      assert.match(issue.hint ?? '', /\[services\.web\]/);
    }
  });

  it('lists the known services for an unknown dependency', () => {
    const issue = at(invalid(lines('[services.web]', 'command = "x"', 'depends_on = ["apii"]', '[services.api]', 'command = "y"', '[services.db]', 'command = "z"')), 'services.web.depends_on[0]');
    assertPosition(issue, 3, 15);
    assert.match(issue.message, /unknown service "apii"/);
    assert.equal(issue.hint, 'did you mean "api"? (known services: api, db)');
  });

  it('rejects a service that depends on itself', () => {
    const issue = at(invalid('[services.web]\ncommand = "x"\ndepends_on = ["web"]'), 'services.web.depends_on[0]');
    assert.match(issue.message, /depends on itself/);
    assert.match(issue.hint ?? '', /remove "web"/);
  });

  it('reports a dependency cycle with its path', () => {
    const issues = invalid(
      lines('[services.a]', 'command = "x"', 'depends_on = ["b"]', '[services.b]', 'command = "x"', 'depends_on = ["c"]', '[services.c]', 'command = "x"', 'depends_on = ["a"]', '[routes]', '"/" = "a"'),
    );
    assert.equal(issues.length, 1);
    const issue = at(issues, 'services.a.depends_on');
    assert.match(issue.message, /a -> b -> c -> a/);
    assertPosition(issue, 3, 14);
    assert.ok(issue.hint);
  });

  it('reports two separate cycles once each', () => {
    const issues = invalid(
      lines('[services.a]', 'command = "x"', 'depends_on = ["b"]', '[services.b]', 'command = "x"', 'depends_on = ["a"]', '[services.c]', 'command = "x"', 'depends_on = ["d"]', '[services.d]', 'command = "x"', 'depends_on = ["c"]'),
    );
    assert.deepEqual(
      issues.map((issue) => issue.message),
      ['dependency cycle: a -> b -> a', 'dependency cycle: c -> d -> c'],
    );
  });

  it('rejects two services with the same port, naming the first', () => {
    const issue = at(invalid(lines('[services.web]', 'command = "x"', 'port = 3000', '[services.api]', 'command = "y"', 'port = 3000')), 'services.api.port');
    assertPosition(issue, 6, 8);
    assert.match(issue.message, /already used by service "web"/);
    assert.ok(issue.hint);
  });
});

describe('parseProjectConfig: routes', () => {
  const base = '[services.web]\ncommand = "x"\n[services.api]\ncommand = "y"\n[routes]\n';

  it('lists the known services for a route to an unknown service', () => {
    const issue = at(invalid(`${base}"/" = "frontend"`), 'routes."/"');
    assertPosition(issue, 6, 7);
    assert.match(issue.message, /unknown service "frontend"/);
    assert.equal(issue.hint, 'known services: web, api');
    const table = at(invalid(`${base}"/v1" = { service = "apo" }`), 'routes."/v1".service');
    assertPosition(table, 6, 21);
    assert.equal(table.hint, 'did you mean "api"? (known services: web, api)');
  });

  it('rejects prefixes that cannot match a path', () => {
    const cases: [string, RegExp][] = [
      ['"api"', /use "\/api"/],
      ['"/api?x=1"', /use "\/api"/],
      ['"/a b"', /use "\/ab"/],
      ['"/api#top"', /use "\/api"/],
      ['"/a/../b"', /dot segments/],
    ];
    for (const [key, hint] of cases) {
      const issues = invalid(`${base}${key} = "api"`);
      assert.equal(issues.length, 1, JSON.stringify(issues));
      assertPosition(issues[0] as ConfigIssue, 6, 1);
      assert.match(issues[0]?.hint ?? '', hint);
    }
  });

  it('rejects two keys that are the same prefix', () => {
    const issue = at(invalid(`${base}"/api" = "api"\n"/api/" = "api"`), 'routes."/api/"');
    assertPosition(issue, 7, 1);
    assert.match(issue.message, /same prefix as "\/api"/);
  });

  it('rejects routes with the wrong shape', () => {
    assert.match(at(invalid(`${base}"/api" = 3`), 'routes."/api"').hint ?? '', /"\/api" = "api"/);
    assert.match(at(invalid(`${base}"/api" = { strip_prefix = true }`), 'routes."/api"').message, /has no service/);
    assert.equal(at(invalid(`${base}"/api" = { service = "api", strip_prefix = "false" }`), 'routes."/api".strip_prefix').hint, 'strip_prefix = false');
    assert.match(at(invalid('[services.web]\ncommand = "x"\nroutes = "web"'), 'services.web.routes').hint ?? '', /valid keys/);
    assert.match(at(invalid('routes = ["/"]\n[services.web]\ncommand = "x"'), 'routes').hint ?? '', /\[routes\]/);
  });
});

describe('parseProjectConfig: collects every problem in one pass', () => {
  it('reports all schema errors of a file, in file order', () => {
    const issues = invalid(
      lines(
        'nme = "x"', //                         1: unknown key
        '[services.web]', //                    2
        'comand = "x"', //                      3: unknown key (+ missing command at 2)
        'port = "80"', //                       4: type
        '[services.api]', //                    5
        'command = "y"', //                     6
        'depends_on = ["nope"]', //             7: unknown service
        'ready = { http = "x" }', //            8: value
        '[routes]', //                          9
        '"/x" = "ghost"', //                   10: unknown service
      ),
    );
    assert.deepEqual(
      issues.map((issue) => [issue.line, issue.keyPath]),
      [
        [1, 'nme'],
        [2, 'services.web'],
        [3, 'services.web.comand'],
        [4, 'services.web.port'],
        [7, 'services.api.depends_on[0]'],
        [8, 'services.api.ready.http'],
        [10, 'routes."/x"'],
      ],
    );
    for (const issue of issues) assert.ok(issue.hint, `no hint for ${JSON.stringify(issue)}`);
  });
});
