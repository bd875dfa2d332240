// What the user can ask of the app, from the tray or from the inspector's window (IPC):
// add, switch, review and remove projects, trust the certificate, open things. Project
// decisions live in logic/project-actions.ts; this adds Electron's dialogs and shell.
import { app, dialog, ipcMain, shell } from 'electron';
import type { ProjectRequestResult } from '../shared/api.js';
import type { TrustCertificateResult } from '../shared/desktop.js';
import type { ProjectState } from '../shared/state.js';
import { changeCaTrust } from '../engine/tls/trust-run.js';
import type { EngineLink } from './engine-link.js';
import { APP_ACTION_CHANNELS, APP_ACTION_NAMES, createAppActionRouter } from './ipc-contract.js';
import type { AppActionHandlers } from './ipc-contract.js';
import { trustCertificateResult } from './logic/certificate-trust.js';
import { outcomeError, ProjectActions, projectRequestAnswer } from './logic/project-actions.js';
import type { ActionOutcome } from './logic/project-actions.js';
import type { ProjectRegistry } from './logic/project-registry.js';
import type { ShellState } from './logic/shell-state.js';
import { trayStateOf } from './logic/shell-state.js';
import type { TrayActionTarget } from './logic/tray-dispatch.js';
import type { TrayState } from './logic/tray-menu.js';
import { externalUrl, isTrustedSender } from './logic/window-security.js';
import { projectDialogs } from './project-dialogs.js';
import type { InspectorWindow } from './windows.js';

export interface AppActionsDeps {
  state: ShellState;
  registry: ProjectRegistry;
  link: EngineLink;
  inspector: InspectorWindow;
  /** The engine's state folder: its CA lives in home/ca. */
  engineHome: string;
  /** Redraw the tray. */
  render: () => void;
}

export class AppActions implements TrayActionTarget {
  readonly projectActions: ProjectActions;

  constructor(private readonly deps: AppActionsDeps) {
    this.projectActions = new ProjectActions({
      engine: deps.link.engine,
      registry: deps.registry,
      preview: (dir) => deps.link.host.preview(dir),
      engineReady: () => deps.link.host.whenRunning(),
      changed: () => deps.render(),
      ...projectDialogs,
    });
  }

  trayState(): TrayState {
    return trayStateOf(this.deps.state, {
      startAtLogin: app.getLoginItemSettings().openAtLogin,
      awaitingApproval: this.projectActions.awaitingApproval,
      waitingToAdd: this.projectActions.waitingForEngine,
      notificationsOn: (project) => this.notificationsOn(project),
    });
  }

  notificationsOn(project: ProjectState): boolean {
    return this.deps.registry.get(project.dir)?.notify !== false;
  }

  /** After the engine (re)started: its projects, then the registered ones restored. */
  async restoreProjects(): Promise<void> {
    const { state, link } = this.deps;
    state.projects.clear();
    for (const project of await link.engine.call('projects.list', {}).catch(() => [])) state.projects.set(project.name, project);
    state.addConfigErrors(await this.projectActions.restoreAll());
    this.deps.render();
  }

  /** A terminal's `locald up DIR`: the approval dialog, then it runs here. */
  async projectRequest(dir: string): Promise<ProjectRequestResult> {
    const outcome = await this.projectActions.addFolder(dir);
    if (outcome.ok && outcome.project !== undefined) this.deps.state.fromTerminal.add(outcome.project.name);
    this.deps.render();
    return projectRequestAnswer(outcome, dir);
  }

  project(name: string): ProjectState | undefined {
    return this.deps.state.projects.get(name);
  }

  async setEnabled(project: ProjectState, enable: boolean): Promise<void> {
    this.report(await this.projectActions.setEnabled(project, enable));
  }

  async reviewChanges(project: ProjectState): Promise<void> {
    this.report(await this.projectActions.reviewChanges(project));
  }

  async remove(project: ProjectState): Promise<void> {
    this.report(await this.projectActions.remove(project));
  }

  async addProject(): Promise<void> {
    this.report(await this.projectActions.addProject());
  }

  async openExternal(url: string): Promise<void> {
    const safe = externalUrl(url);
    if (safe !== null) await shell.openExternal(safe);
  }

  async restartService(project: string, service: string): Promise<void> {
    await this.deps.link.engine.call('services.restart', { project, service }).catch((error: Error) => this.report({ ok: false, message: error.message }));
  }

  openInspector(filter?: Parameters<InspectorWindow['open']>[0]): void {
    this.deps.inspector.open(filter);
  }

  revealFile(path: string): void {
    shell.showItemInFolder(path);
  }

  async trustCertificate(): Promise<void> {
    const result = await this.certificateTrust();
    if (!result.ok) dialog.showErrorBox('Trust HTTPS Certificate', result.message);
    else await dialog.showMessageBox({ type: 'info', title: 'Trust HTTPS Certificate', message: result.message });
  }

  async setNotifications(name: string, enable: boolean): Promise<void> {
    const project = this.project(name);
    if (project !== undefined && this.deps.registry.get(project.dir) !== undefined) {
      try {
        await this.deps.registry.update(project.dir, { notify: enable });
      } catch (error) {
        this.report({ ok: false, message: `could not save the notification setting: ${(error as Error).message}` });
      }
    }
    this.deps.render();
  }

  setStartAtLogin(enable: boolean): void {
    app.setLoginItemSettings({ openAtLogin: enable });
    this.deps.render();
  }

  restartEngine(): void {
    this.deps.link.host.restartAfterGivingUp();
  }

  quit(): void {
    app.quit();
  }

  /** The inspector window's requests (shared/desktop.ts), only from the app's own pages. */
  serveIpc(): void {
    const handlers: AppActionHandlers = {
      addProject: async () => {
        const outcome = await this.projectActions.addProject();
        this.deps.render();
        if (outcome.ok) return { status: 'added', project: outcome.project?.name ?? '' };
        return outcome.cancelled === true ? { status: 'cancelled' } : { status: 'failed', message: outcome.message };
      },
      openExternal: async (url) => {
        const safe = externalUrl(url);
        if (safe === null) return false;
        await shell.openExternal(safe);
        return true;
      },
      revealConfig: async (name) => {
        const project = this.project(name);
        if (project === undefined) return false;
        shell.showItemInFolder(project.file);
        return true;
      },
      trustCertificate: () => this.certificateTrust(),
      getInfo: async () => ({ version: app.getVersion(), platform: process.platform }),
    };
    const route = createAppActionRouter(handlers, isTrustedSender);
    for (const name of APP_ACTION_NAMES) {
      ipcMain.handle(APP_ACTION_CHANNELS[name], (event, ...args: unknown[]) => route(name, event.senderFrame?.url, args));
    }
  }

  /** The same stores and commands as `locald ca --install` (engine/tls/trust-run.ts). */
  private async certificateTrust(): Promise<TrustCertificateResult> {
    try {
      return trustCertificateResult(await changeCaTrust(this.deps.engineHome, 'install'));
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }

  private report(outcome: ActionOutcome): void {
    const error = outcomeError(outcome, this.deps.state.quitting);
    if (error !== null) dialog.showErrorBox('locald', error);
    else if (!outcome.ok && outcome.cancelled !== true) console.warn(`[locald] while quitting: ${outcome.message}`);
    this.deps.render();
  }
}
