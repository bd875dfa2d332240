// Rules over the real engine API of a running `locald up`: add, list, export, import, remove;
// the project's locald.rules.toml shown as read-only "from the project"; an invalid edit of that
// file reported with located errors while the previous rules keep working; user rules surviving
// an engine restart (kept in the state directory).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuleSet } from '../../shared/rules.js';
import { engineCall } from '../e2e/harness.js';
import { startLocald, tempHome, writeProjectDir, type LocaldProcess } from '../helpers/locald-cli.js';
import { waitFor } from '../helpers/proxy-net.js';

const SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(+process.env.PORT, '127.0.0.1')`;
const TOML = `name = "rules"\n[services.web]\ncommand = "node -e \\"${SERVER.replace(/"/g, '\\\\\\"')}\\""\n`;
const PROJECT_RULES = `[[rule]]\nmatch = "method:GET path:/api/flags"\nmock = { status = 200, headers = { "content-type" = "application/json" }, body = '{"beta":true}' }\n`;

/** Saves like an editor does: write a temporary file, rename it over the original. */
function save(dir: string, text: string): void {
  writeFileSync(join(dir, '.rules.tmp'), text);
  renameSync(join(dir, '.rules.tmp'), join(dir, 'locald.rules.toml'));
}

interface Up {
  locald: LocaldProcess;
  target: { dashboardUrl: string; port: number };
}

describe('rules through the engine API', () => {
  const running: LocaldProcess[] = [];
  after(async () => {
    for (const l of running) await l.stop();
  });

  async function up(dir: string, home: string): Promise<Up> {
    const locald = startLocald(['up', dir, '--http-port', '0'], { home });
    running.push(locald);
    const port = await locald.port();
    const dashboardUrl = (await locald.waitForOutput(/http:\/\/locald\.localhost:\d+\/\?token=[\w-]+/))[0];
    return { locald, target: { dashboardUrl, port } };
  }

  const list = (u: Up): Promise<RuleSet> => engineCall(u.target, 'rules.list', { project: 'rules' });

  test('add, list, export, import, remove; the project file read-only; an invalid file keeps the previous rules; rules survive a restart', async () => {
    const dir = writeProjectDir(TOML, 'locald-rules-');
    save(dir, PROJECT_RULES);
    const home = tempHome();
    const first = await up(dir, home);

    const initial = await waitFor(() => list(first).catch(() => undefined), 'the project and its rules to load');
    assert.deepEqual(
      initial.rules.map((r) => [r.source, r.match, r.mock?.status]),
      [['project', 'method:GET path:/api/flags', 200]],
    );
    assert.equal(initial.projectFile, join(dir, 'locald.rules.toml'));
    const projectRuleId = initial.rules[0]?.id ?? '';
    await assert.rejects(engineCall(first.target, 'rules.remove', { project: 'rules', id: projectRuleId }), /read-only/);

    const added = await engineCall(first.target, 'rules.add', { project: 'rules', rule: { match: 'service:web', setResponseHeaders: { 'x-debug': '1' }, delay: { ms: 300 } } });
    assert.equal(added.source, 'user');
    assert.equal(added.enabled, true);
    await assert.rejects(engineCall(first.target, 'rules.add', { project: 'rules', rule: { match: 'stauts:500', fail: { kind: 'reset' } } }), /rule\.match: match: unknown filter key 'stauts'; did you mean 'status:'/);
    const afterAdd = await list(first);
    assert.deepEqual(
      afterAdd.rules.map((r) => [r.id, r.source]),
      [
        [added.id, 'user'],
        [projectRuleId, 'project'],
      ],
      'user rules first, then the project file',
    );

    const exported = await engineCall(first.target, 'rules.export', { project: 'rules' });
    assert.match(exported.toml, /\[\[rule\]\]\nmatch = "service:web"\ndelay = "300ms"/);
    const imported = await engineCall(first.target, 'rules.import', { project: 'rules', toml: '[[rule]]\nmatch = "path:/api/pay"\nfail = "reset"\n' });
    assert.deepEqual(
      imported.rules.filter((r) => r.source === 'user').map((r) => r.match),
      ['service:web', 'path:/api/pay'],
    );
    const payId = imported.rules.find((r) => r.match === 'path:/api/pay')?.id ?? '';
    await assert.rejects(engineCall(first.target, 'rules.import', { project: 'rules', toml: '[[rule]]\nmatch = "path:/x"\nfail = "explode"\n' }), /invalid: 3:8 rule\[0\].fail: is not a failure/);
    assert.deepEqual(await engineCall(first.target, 'rules.remove', { project: 'rules', id: payId }), { removed: true });

    // A broken edit of the project file: located issues, and the previous project rule keeps working.
    save(dir, '[[rule]]\nmatch = "method:GET path:/api/flags"\nmock = { status = "ok" }\n');
    const broken = await waitFor(async () => {
      const set = await list(first);
      return set.projectFileIssues.length > 0 ? set : undefined;
    }, 'the invalid locald.rules.toml to be reported');
    assert.deepEqual(
      broken.projectFileIssues.map((i) => [i.file, i.line, i.column, i.keyPath]),
      [[join(dir, 'locald.rules.toml'), 3, 19, 'rule[0].mock.status']],
    );
    assert.deepEqual(
      broken.rules.map((r) => [r.source, r.match]),
      [
        ['user', 'service:web'],
        ['project', 'method:GET path:/api/flags'],
      ],
    );

    // Fixed again: the new rules replace the old ones and the issues clear.
    save(dir, '[[rule]]\nmatch = "path:/legacy"\nmap = { service = "web", path = "/v1" }\n');
    const fixed = await waitFor(async () => {
      const set = await list(first);
      return set.projectFileIssues.length === 0 && set.rules.some((r) => r.match === 'path:/legacy') ? set : undefined;
    }, 'the fixed locald.rules.toml to load');
    assert.deepEqual(fixed.rules.map((r) => r.match), ['service:web', 'path:/legacy']);

    assert.ok(existsSync(join(home, 'rules', 'rules.json')), 'user rules are kept in the state directory');
    await first.locald.stop();

    const second = await up(dir, home);
    const restored = await waitFor(() => list(second).catch(() => undefined), 'the project to load after the restart');
    assert.deepEqual(
      restored.rules.map((r) => [r.id, r.source, r.match, r.setResponseHeaders]),
      [
        [added.id, 'user', 'service:web', { 'x-debug': '1' }],
        ['project:0', 'project', 'path:/legacy', undefined],
      ],
    );
  });

  test("a map to a service the project lacks: a located warning from the file, a refusal from rules.add, cleared when locald.toml gains the service", async () => {
    const dir = writeProjectDir(TOML, 'locald-rules-');
    save(dir, '[[rule]]\nmatch = "path:/v2"\nmap = { service = "api" }\n');
    const u = await up(dir, tempHome());
    const warned = await waitFor(async () => {
      const set = await list(u).catch(() => undefined);
      return set !== undefined && set.warnings.length > 0 ? set : undefined;
    }, 'the rules to load with a warning');
    assert.deepEqual(warned.projectFileIssues, []);
    assert.deepEqual(
      warned.warnings.map((w) => [w.file, w.line, w.column, w.keyPath]),
      [[join(dir, 'locald.rules.toml'), 3, 19, 'rule[0].map.service']],
    );
    assert.match(warned.warnings[0]?.hint ?? '', /known services: web/);
    // The terminal says it too, with the line and column.
    await u.locald.waitForOutput(/warning: .*locald\.rules\.toml:3:19: \[rule\[0\]\.map\.service\] maps to unknown service "api"/, 5_000);
    await assert.rejects(engineCall(u.target, 'rules.add', { project: 'rules', rule: { match: 'path:/v3', map: { service: 'wbe' } } }), /rule\.map\.service: maps to unknown service "wbe"/);

    writeFileSync(join(dir, 'locald.toml'), `${TOML}[services.api]\ncommand = "node -e \\"${SERVER.replace(/"/g, '\\\\\\"')}\\""\n`);
    await waitFor(async () => {
      const set = await list(u);
      return set.warnings.length === 0 ? set : undefined;
    }, 'the warning to clear once locald.toml defines api');
    const added = await engineCall(u.target, 'rules.add', { project: 'rules', rule: { match: 'path:/v3', map: { service: 'api' } } });
    assert.equal(added.map?.service, 'api');
  });
});
