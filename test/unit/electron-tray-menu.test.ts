import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { projectState, serviceState } from './state-fixtures.js';
import type { MenuItemSpec, TrayState } from '../../electron/logic/tray-menu.js';
import { buildTrayMenu, menuLabel, trayIconState, trayTooltip } from '../../electron/logic/tray-menu.js';

const service = serviceState;

const project = projectState;

function state(over: Partial<TrayState> = {}): TrayState {
  return { projects: [], engine: { kind: 'running' }, startAtLogin: false, configErrors: [], awaitingApproval: [], waitingToAdd: [], notificationsOff: [], ...over };
}

const FOOTER: MenuItemSpec[] = [
  { type: 'separator' },
  { type: 'normal', label: 'Add Project…', enabled: true, action: { type: 'addProject' } },
  { type: 'normal', label: 'Open Inspector', enabled: true, action: { type: 'openInspector' } },
  { type: 'normal', label: 'Trust HTTPS Certificate…', enabled: true, action: { type: 'trustCertificate' } },
  { type: 'separator' },
  { type: 'checkbox', label: 'Start at Login', checked: false, enabled: true, action: { type: 'toggleStartAtLogin', enable: true } },
  { type: 'normal', label: 'Quit locald', enabled: true, accelerator: 'CmdOrCtrl+Q', action: { type: 'quit' } },
];

function find(items: MenuItemSpec[], label: string): MenuItemSpec {
  for (const item of items) {
    if ('label' in item && item.label === label) return item;
    if (item.type === 'submenu') {
      try {
        return find(item.submenu, label);
      } catch {
        // keep looking
      }
    }
  }
  throw new Error(`no menu item "${label}"`);
}

function submenu(item: MenuItemSpec): MenuItemSpec[] {
  assert.equal(item.type, 'submenu');
  return item.type === 'submenu' ? item.submenu : [];
}

describe('buildTrayMenu', () => {
  it('with no projects: a placeholder, then the app items', () => {
    assert.deepEqual(buildTrayMenu(state()), [{ type: 'normal', label: 'No projects yet', enabled: false }, ...FOOTER]);
  });

  it('with a running project: a checked toggle, and a submenu with URL, services, inspector, reveal and remove', () => {
    const menu = buildTrayMenu(state({ projects: [project('shop', { services: [service('web', { port: 5173 }), service('api', { port: 8080 })] })] }));
    assert.deepEqual(menu.slice(0, 3), [
      { type: 'checkbox', label: 'shop — running', checked: true, enabled: true, action: { type: 'toggleProject', project: 'shop', enable: false } },
      { type: 'separator' },
      {
        type: 'submenu',
        label: 'shop',
        enabled: true,
        submenu: [
          { type: 'normal', label: 'Open http://shop.localhost:7700/', enabled: true, action: { type: 'openUrl', url: 'http://shop.localhost:7700/' } },
          { type: 'separator' },
          {
            type: 'submenu',
            label: 'web — ready :5173',
            enabled: true,
            submenu: [
              { type: 'normal', label: 'Restart web', enabled: true, action: { type: 'restartService', project: 'shop', service: 'web' } },
              { type: 'normal', label: 'Show in Inspector', enabled: true, action: { type: 'openInspector', filter: { project: 'shop', service: 'web' } } },
            ],
          },
          {
            type: 'submenu',
            label: 'api — ready :8080',
            enabled: true,
            submenu: [
              { type: 'normal', label: 'Restart api', enabled: true, action: { type: 'restartService', project: 'shop', service: 'api' } },
              { type: 'normal', label: 'Show in Inspector', enabled: true, action: { type: 'openInspector', filter: { project: 'shop', service: 'api' } } },
            ],
          },
          { type: 'separator' },
          { type: 'normal', label: 'Open in Inspector', enabled: true, action: { type: 'openInspector', filter: { project: 'shop' } } },
          { type: 'normal', label: 'Reveal locald.toml', enabled: true, action: { type: 'revealConfig', path: '/work/shop/locald.toml' } },
          { type: 'checkbox', label: 'Notify on failures', checked: true, enabled: true, action: { type: 'toggleNotifications', project: 'shop', enable: false } },
          { type: 'separator' },
          { type: 'normal', label: 'Remove Project…', enabled: true, action: { type: 'removeProject', project: 'shop' } },
        ],
      },
    ]);
    assert.deepEqual(menu.slice(3), FOOTER);
  });

  it('a stopped project: unchecked toggle that turns it on; its URL cannot be opened; restart disabled', () => {
    const menu = buildTrayMenu(state({ projects: [project('blog', { status: 'stopped', services: [service('web', { status: 'stopped', port: null })] })] }));
    assert.deepEqual(menu[0], {
      type: 'checkbox',
      label: 'blog — stopped',
      checked: false,
      enabled: true,
      action: { type: 'toggleProject', project: 'blog', enable: true },
    });
    assert.equal((find(menu, 'Open http://blog.localhost:7700/') as { enabled: boolean }).enabled, false);
    assert.deepEqual(find(menu, 'Restart web'), { type: 'normal', label: 'Restart web', enabled: false, action: { type: 'restartService', project: 'blog', service: 'web' } });
  });

  it('a crashed service shows its reason and diagnostics, and the project is marked', () => {
    const crashed = service('api', {
      status: 'crashed',
      port: 8080,
      reason: 'exited with code 3',
      diagnostics: ['listening on :5173, not $PORT=4123'],
    });
    const menu = buildTrayMenu(state({ projects: [project('shop', { status: 'degraded', services: [service('web'), crashed] })] }));
    const shop = submenu(find(menu, 'shop ⚠'));
    assert.deepEqual(submenu(find(shop, 'api — crashed')), [
      { type: 'normal', label: 'exited with code 3', enabled: false },
      { type: 'normal', label: 'listening on :5173, not $PORT=4123', enabled: false },
      { type: 'separator' },
      { type: 'normal', label: 'Restart api', enabled: true, action: { type: 'restartService', project: 'shop', service: 'api' } },
      { type: 'normal', label: 'Show in Inspector', enabled: true, action: { type: 'openInspector', filter: { project: 'shop', service: 'api' } } },
    ]);
    assert.equal(menu[0]?.type === 'checkbox' && menu[0].label, 'shop — degraded');
  });

  it('config errors are listed at the top and in the project submenu with file:line:col', () => {
    const issue = { file: '/work/shop/locald.toml', line: 3, column: 1, message: 'invalid table header', hint: 'use [services.web]' };
    const menu = buildTrayMenu(
      state({ projects: [project('shop', { status: 'error', configIssues: [issue] })], configErrors: ['projects.json was corrupt and was reset'] }),
    );
    assert.deepEqual(menu.slice(0, 2), [{ type: 'normal', label: '⚠ projects.json was corrupt and was reset', enabled: false }, { type: 'separator' }]);
    const shop = submenu(find(menu, 'shop ⚠'));
    assert.ok(shop.some((item) => item.type === 'normal' && item.label === '⚠ /work/shop/locald.toml:3:1: invalid table header' && !item.enabled));
  });

  it('engine crashed: a notice and "Restart Engine"; project toggles and Add Project are disabled', () => {
    const menu = buildTrayMenu(state({ engine: { kind: 'crashed', message: 'the engine crashed 6 times in 5 minutes' }, projects: [project('shop')] }));
    assert.deepEqual(menu.slice(0, 3), [
      { type: 'normal', label: 'Engine stopped: the engine crashed 6 times in 5 minutes', enabled: false },
      { type: 'normal', label: 'Restart Engine', enabled: true, action: { type: 'restartEngine' } },
      { type: 'separator' },
    ]);
    const toggle = menu[3];
    assert.equal(toggle?.type, 'checkbox');
    assert.equal(toggle?.type === 'checkbox' && toggle.enabled, false);
    assert.equal((find(menu, 'Add Project…') as { enabled: boolean }).enabled, false);
    assert.equal((find(menu, 'Open Inspector') as { enabled: boolean }).enabled, true);
    assert.equal((find(menu, 'Quit locald') as { enabled: boolean }).enabled, true);
  });

  it('engine starting: Add Project… stays available and says what it waits for (issue 16)', () => {
    const starting = buildTrayMenu(state({ engine: { kind: 'starting' } }));
    assert.equal((find(starting, 'Add Project…') as { enabled: boolean }).enabled, true);
    assert.equal((find(starting, 'Trust HTTPS Certificate…') as { enabled: boolean }).enabled, false);
    const waiting = buildTrayMenu(state({ engine: { kind: 'starting' }, waitingToAdd: ['/work/shop'] }));
    assert.deepEqual(waiting.slice(0, 3), [
      { type: 'normal', label: 'Engine starting…', enabled: false },
      { type: 'normal', label: 'Waiting for the engine to add shop…', enabled: false },
      { type: 'separator' },
    ]);
    const stopping = buildTrayMenu(state({ engine: { kind: 'stopping' } }));
    assert.equal((find(stopping, 'Add Project…') as { enabled: boolean }).enabled, false);
  });

  it('engine restarting: a disabled notice with the attempt', () => {
    const menu = buildTrayMenu(state({ engine: { kind: 'restarting', attempt: 2, message: 'the engine exited with code 1' } }));
    assert.deepEqual(menu[0], { type: 'normal', label: 'Engine restarting (attempt 2): the engine exited with code 1', enabled: false });
  });

  it('a project awaiting approval cannot be switched on from the toggle and offers a review item', () => {
    const menu = buildTrayMenu(state({ projects: [project('shop', { status: 'stopped' })], awaitingApproval: ['shop'] }));
    assert.equal(menu[0]?.type === 'checkbox' && menu[0].enabled, false);
    assert.deepEqual(find(menu, 'Review Changed Commands…'), {
      type: 'normal',
      label: 'Review Changed Commands…',
      enabled: true,
      action: { type: 'reviewApproval', project: 'shop' },
    });
  });

  it('a running project with changed commands (pendingApproval): status marked, changes listed, review item; it can still be switched off', () => {
    const changes = ["'web' command: npm run dev -> vite", "new service 'worker': node worker.js"];
    const menu = buildTrayMenu(state({ projects: [project('shop', { pendingApproval: { changes, hash: 'sha256:test' } })] }));
    assert.deepEqual(menu[0], {
      type: 'checkbox',
      label: 'shop — running (changes need approval)',
      checked: true,
      enabled: true,
      action: { type: 'toggleProject', project: 'shop', enable: false },
    });
    const items = submenu(find(menu, 'shop'));
    assert.deepEqual(items.slice(1, 5), [
      { type: 'separator' },
      { type: 'normal', label: "'web' command: npm run dev -> vite", enabled: false },
      { type: 'normal', label: "new service 'worker': node worker.js", enabled: false },
      { type: 'normal', label: 'Review Changed Commands…', enabled: true, action: { type: 'reviewApproval', project: 'shop' } },
    ]);
  });

  it('a stopped project with pendingApproval is switched on only through the review', () => {
    const menu = buildTrayMenu(state({ projects: [project('shop', { status: 'stopped', pendingApproval: { changes: ['x'], hash: 'sha256:test' } })] }));
    assert.equal(menu[0]?.type === 'checkbox' && menu[0].enabled, false);
    assert.equal(menu[0]?.type === 'checkbox' && menu[0].label, 'shop — stopped (changes need approval)');
    assert.equal(find(menu, 'Review Changed Commands…').type, 'normal');
  });

  it('pendingApproval null or absent adds nothing', () => {
    for (const pendingApproval of [null, undefined]) {
      const menu = buildTrayMenu(state({ projects: [project('shop', pendingApproval === null ? { pendingApproval } : {})] }));
      assert.equal(menu[0]?.type === 'checkbox' && menu[0].label, 'shop — running');
      assert.throws(() => find(menu, 'Review Changed Commands…'));
    }
  });

  it('review is disabled while the engine is down (approving needs it)', () => {
    const menu = buildTrayMenu(state({ engine: { kind: 'restarting', attempt: 1, message: 'x' }, projects: [project('shop', { pendingApproval: { changes: ['x'], hash: 'sha256:test' } })] }));
    const review = find(menu, 'Review Changed Commands…');
    assert.equal(review.type === 'normal' && review.enabled, false);
  });

  it('Start at Login reflects and flips the setting', () => {
    const item = find(buildTrayMenu(state({ startAtLogin: true })), 'Start at Login');
    assert.deepEqual(item, { type: 'checkbox', label: 'Start at Login', checked: true, enabled: true, action: { type: 'toggleStartAtLogin', enable: false } });
  });

  it('Notify on failures is per project: unchecked for a project in notificationsOff, and its click switches it back on', () => {
    const menu = buildTrayMenu(state({ projects: [project('shop'), project('blog')], notificationsOff: ['blog'] }));
    const blog = find(menu, 'blog');
    const shop = find(menu, 'shop');
    assert.ok(blog.type === 'submenu' && shop.type === 'submenu');
    assert.deepEqual(find(blog.submenu, 'Notify on failures'), {
      type: 'checkbox',
      label: 'Notify on failures',
      checked: false,
      enabled: true,
      action: { type: 'toggleNotifications', project: 'blog', enable: true },
    });
    const shopItem = find(shop.submenu, 'Notify on failures');
    assert.ok(shopItem.type === 'checkbox' && shopItem.checked);
  });

  it('is plain data: survives JSON round-trip unchanged', () => {
    const menu = buildTrayMenu(state({ projects: [project('shop'), project('blog', { status: 'stopped' })] }));
    assert.deepEqual(JSON.parse(JSON.stringify(menu)), menu);
  });
});

describe('trayIconState and trayTooltip', () => {
  it('idle with no projects or only stopped ones', () => {
    assert.equal(trayIconState(state()), 'idle');
    assert.equal(trayIconState(state({ projects: [project('a', { status: 'stopped', services: [service('web', { status: 'stopped' })] })] })), 'idle');
    assert.equal(trayTooltip(state()), 'locald — no projects');
  });

  it('running when a project is on and healthy', () => {
    const s = state({ projects: [project('a'), project('b', { status: 'stopped', services: [] })] });
    assert.equal(trayIconState(s), 'running');
    assert.equal(trayTooltip(s), 'locald — 1 of 2 projects running');
  });

  for (const status of ['crashed', 'unhealthy', 'backoff'] as const) {
    it(`failing when a service is ${status}`, () => {
      const s = state({ projects: [project('a', { services: [service('api', { status, reason: 'exited with code 3' })] })] });
      assert.equal(trayIconState(s), 'failing');
      assert.match(trayTooltip(s), /^locald — a: api .*\(exited with code 3\)$/);
    });
  }

  it('failing when a config is invalid, a registry error exists, or the engine is down', () => {
    const issue = { file: '/x/locald.toml', message: 'bad' };
    assert.equal(trayIconState(state({ projects: [project('a', { status: 'stopped', configIssues: [issue] })] })), 'failing');
    assert.equal(trayIconState(state({ configErrors: ['corrupt'] })), 'failing');
    assert.equal(trayIconState(state({ engine: { kind: 'crashed', message: 'x' } })), 'failing');
    assert.equal(trayIconState(state({ engine: { kind: 'restarting', attempt: 1, message: 'x' } })), 'failing');
    assert.equal(trayIconState(state({ engine: { kind: 'starting' } })), 'idle');
  });

  it('attention (not failing) when changed commands wait for approval; a real failure still wins', () => {
    const waiting = project('shop', { pendingApproval: { changes: ["'web' command: a -> b"], hash: 'sha256:test' } });
    assert.equal(trayIconState(state({ projects: [waiting] })), 'attention');
    assert.equal(trayTooltip(state({ projects: [waiting] })), 'locald — shop: changes need approval');
    assert.equal(trayIconState(state({ projects: [project('blog', { status: 'stopped' })], awaitingApproval: ['blog'] })), 'attention');
    const broken = project('api', { services: [service('api', { status: 'crashed' })] });
    assert.equal(trayIconState(state({ projects: [waiting, broken] })), 'failing');
  });

  it('tooltips fit the Windows limit of 127 characters', () => {
    const long = state({ configErrors: ['x'.repeat(500)] });
    assert.ok(trayTooltip(long).length <= 127);
    assert.ok(trayTooltip(long).endsWith('…'));
  });

  it('menuLabel flattens whitespace and truncates', () => {
    assert.equal(menuLabel('a\n  b\tc'), 'a b c');
    assert.equal(menuLabel('abcdef', 4), 'abc…');
  });
});
