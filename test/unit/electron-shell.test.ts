// The main process's own rules, now outside main.ts: the state it keeps between engine
// events, the quit that waits for the engine, and what each tray item calls.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideQuit } from '../../electron/logic/quit-gate.js';
import { ShellState, trayStateOf } from '../../electron/logic/shell-state.js';
import { dispatchTrayAction } from '../../electron/logic/tray-dispatch.js';
import type { TrayActionTarget } from '../../electron/logic/tray-dispatch.js';
import type { TrayAction } from '../../electron/logic/tray-menu.js';
import { projectState } from './state-fixtures.js';

describe('ShellState', () => {
  it('a terminal-approved project that stops is switched off in the registry, once, and not while quitting', () => {
    const state = new ShellState();
    state.fromTerminal.add('shop');
    assert.deepEqual(state.applyProjectState(projectState('shop'), true), { previous: undefined, switchOff: false });
    const running = state.projects.get('shop');
    assert.deepEqual(state.applyProjectState(projectState('shop', { status: 'stopped' }), true), { previous: running, switchOff: true });
    assert.equal(state.applyProjectState(projectState('shop', { status: 'stopped' }), true).switchOff, false);

    state.fromTerminal.add('blog');
    state.quitting = true;
    assert.equal(state.applyProjectState(projectState('blog', { status: 'stopped' }), true).switchOff, false);
    state.quitting = false;
    state.fromTerminal.add('docs');
    assert.equal(state.applyProjectState(projectState('docs', { status: 'stopped' }), false).switchOff, false, 'not registered: nothing to switch off');
  });

  it('keeps each config problem once, and the tray state lists projects with notifications off', () => {
    const state = new ShellState();
    state.addConfigErrors(['registry reset', 'no shell']);
    state.addConfigErrors(['registry reset']);
    state.applyProjectState(projectState('shop'), true);
    state.applyProjectState(projectState('blog'), true);
    const tray = trayStateOf(state, {
      startAtLogin: true,
      awaitingApproval: new Set(['blog']),
      waitingToAdd: ['/p/new'],
      notificationsOn: (project) => project.name !== 'blog',
    });
    assert.deepEqual(tray.configErrors, ['registry reset', 'no shell']);
    assert.deepEqual(tray.projects.map((p) => p.name), ['shop', 'blog']);
    assert.deepEqual(tray.awaitingApproval, ['blog']);
    assert.deepEqual(tray.waitingToAdd, ['/p/new']);
    assert.deepEqual(tray.notificationsOff, ['blog']);
    assert.equal(tray.startAtLogin, true);
    assert.deepEqual(tray.engine, { kind: 'starting' });
  });
});

describe('decideQuit', () => {
  it('the first quit stops the engine, later ones wait for that stop, and the quit after it proceeds', () => {
    assert.equal(decideQuit('running'), 'holdAndStopEngine');
    assert.equal(decideQuit('stoppingEngine'), 'hold');
    assert.equal(decideQuit('engineStopped'), 'proceed');
  });
});

describe('dispatchTrayAction', () => {
  function recorder(known: string[]): { target: TrayActionTarget; calls: unknown[][] } {
    const calls: unknown[][] = [];
    const record =
      (name: string) =>
      (...args: unknown[]): Promise<void> => {
        calls.push([name, ...args]);
        return Promise.resolve();
      };
    const target: TrayActionTarget = {
      project: (name) => (known.includes(name) ? projectState(name) : undefined),
      setEnabled: (project, enable) => record('setEnabled')(project.name, enable),
      reviewChanges: (project) => record('reviewChanges')(project.name),
      remove: (project) => record('remove')(project.name),
      addProject: record('addProject'),
      openExternal: record('openExternal'),
      restartService: record('restartService'),
      openInspector: (filter) => void record('openInspector')(filter),
      revealFile: (path) => void record('revealFile')(path),
      trustCertificate: record('trustCertificate'),
      setNotifications: record('setNotifications'),
      setStartAtLogin: (enable) => void record('setStartAtLogin')(enable),
      restartEngine: () => void record('restartEngine')(),
      quit: () => void record('quit')(),
    };
    return { target, calls };
  }

  it('calls the matching action with its arguments', async () => {
    const { target, calls } = recorder(['shop']);
    const actions: TrayAction[] = [
      { type: 'toggleProject', project: 'shop', enable: false },
      { type: 'reviewApproval', project: 'shop' },
      { type: 'removeProject', project: 'shop' },
      { type: 'openUrl', url: 'http://shop.localhost:7700/' },
      { type: 'restartService', project: 'shop', service: 'web' },
      { type: 'openInspector', filter: { project: 'shop' } },
      { type: 'revealConfig', path: '/work/shop/locald.toml' },
      { type: 'addProject' },
      { type: 'trustCertificate' },
      { type: 'toggleNotifications', project: 'shop', enable: true },
      { type: 'toggleStartAtLogin', enable: true },
      { type: 'restartEngine' },
      { type: 'quit' },
    ];
    for (const action of actions) await dispatchTrayAction(action, target);
    assert.deepEqual(calls, [
      ['setEnabled', 'shop', false],
      ['reviewChanges', 'shop'],
      ['remove', 'shop'],
      ['openExternal', 'http://shop.localhost:7700/'],
      ['restartService', 'shop', 'web'],
      ['openInspector', { project: 'shop' }],
      ['revealFile', '/work/shop/locald.toml'],
      ['addProject'],
      ['trustCertificate'],
      ['setNotifications', 'shop', true],
      ['setStartAtLogin', true],
      ['restartEngine'],
      ['quit'],
    ]);
  });

  it('skips project items whose project the engine no longer has (the menu was older)', async () => {
    const { target, calls } = recorder([]);
    await dispatchTrayAction({ type: 'toggleProject', project: 'gone', enable: true }, target);
    await dispatchTrayAction({ type: 'reviewApproval', project: 'gone' }, target);
    await dispatchTrayAction({ type: 'removeProject', project: 'gone' }, target);
    assert.deepEqual(calls, []);
  });
});
