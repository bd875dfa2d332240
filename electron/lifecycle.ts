// The app's life: one instance, ready, a tray app that outlives its windows, the engine
// started with the login shell's environment, and a quit that waits for the engine.
import { app, dialog, Menu } from 'electron';
import type { MenuItemConstructorOptions } from 'electron';
import type { WireClient } from '../shared/wire-client.js';
import type { EngineLink } from './engine-link.js';
import type { FailureNotifier } from './failure-notifier.js';
import { APP_ID } from './logic/paths.js';
import type { ProjectRegistry } from './logic/project-registry.js';
import { decideQuit } from './logic/quit-gate.js';
import type { QuitPhase } from './logic/quit-gate.js';
import type { ShellState } from './logic/shell-state.js';
import { resolveLoginShellEnv } from './logic/shell-env.js';
import { registerAppScheme } from './windows.js';

const SHELL_ENV_TIMEOUT_MS = 10_000;

/** Runs `start` once Electron is ready, in the first instance only; a later one just quits. */
export function runSingleInstance(start: () => Promise<void>): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  registerAppScheme();
  void app.whenReady().then(start).catch(fatal);
}

function fatal(error: unknown): void {
  dialog.showErrorBox('locald could not start', error instanceof Error ? (error.stack ?? error.message) : String(error));
  app.exit(1);
}

/** A tray app: no dock icon, and only the Edit roles (copy/paste shortcuts on macOS) as the menu. */
export function setUpTrayApp(): void {
  app.dock?.hide();
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
  const template: MenuItemConstructorOptions[] = [{ role: 'editMenu' }, { role: 'windowMenu' }];
  if (process.platform === 'darwin') template.unshift({ role: 'appMenu' });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** Keeps the app's state in step with the engine's project events. */
export function followProjects(engine: WireClient, state: ShellState, registry: ProjectRegistry, notifier: FailureNotifier, render: () => void): void {
  engine.subscribe('project.state', (next) => {
    const { previous, switchOff } = state.applyProjectState(next, registry.get(next.dir) !== undefined);
    notifier.onState(previous, next, state.quitting);
    if (switchOff) void registry.update(next.dir, { enabled: false }).catch((error: unknown) => console.warn(`[locald] ${(error as Error).message}`));
    render();
  });
  engine.subscribe('project.removed', ({ project }) => {
    state.projects.delete(project);
    render();
  });
}

/** A second launch opens the inspector; closing every window keeps the app in the tray. */
export function keepRunningInTray(openInspector: () => void): void {
  app.on('second-instance', () => openInspector());
  app.on('window-all-closed', () => undefined);
}

/** Quit only after the engine stopped every service, so nothing is left orphaned. */
export function quitAfterEngineStops(state: ShellState, stopEngine: () => Promise<void>): void {
  let phase: QuitPhase = 'running';
  app.on('before-quit', (event) => {
    state.quitting = true;
    const decision = decideQuit(phase);
    if (decision === 'proceed') return;
    event.preventDefault();
    if (decision === 'hold') return;
    phase = 'stoppingEngine';
    void stopEngine().finally(() => {
      phase = 'engineStopped';
      app.quit();
    });
  });
}

/**
 * GUI apps on macOS do not inherit the terminal's PATH; services need it. The tray is
 * already up ("Engine starting…") while a slow shell profile is read; then the engine starts.
 */
export async function startEngine(link: EngineLink, state: ShellState, render: () => void): Promise<void> {
  if (process.platform !== 'win32') {
    const shellEnv = await resolveLoginShellEnv({ shell: process.env.SHELL ?? '/bin/zsh', timeoutMs: SHELL_ENV_TIMEOUT_MS });
    if (shellEnv.ok) link.useShellEnv(shellEnv.env);
    else state.addConfigErrors([shellEnv.error]);
  }
  // Quit may have been chosen while the shell was being read.
  if (state.quitting) return;
  link.host.start();
  render();
}
