// The Electron main process: a thin shell. It owns the tray, the inspector window and
// the engine's utility process; every decision it makes comes from ./logic.
import { app, dialog, ipcMain, Menu, nativeTheme, Notification, shell, Tray, utilityProcess } from 'electron';
import type { MenuItemConstructorOptions, UtilityProcess } from 'electron';
import type { EngineInfo, ProjectRequestResult } from '../shared/api.js';
import type { TrustCertificateResult } from '../shared/desktop.js';
import { ENGINE_HOME_ENV } from '../shared/engine-host.js';
import type { HostToEngine } from '../shared/engine-host.js';
import type { ProjectState } from '../shared/state.js';
import { APP_ACTION_CHANNELS, APP_ACTION_NAMES, createAppActionRouter } from './ipc-contract.js';
import type { AppActionHandlers } from './ipc-contract.js';
import { resolveHome } from '../engine/home.js';
import { changeCaTrust } from '../engine/tls/trust-run.js';
import { trustCertificateResult } from './logic/certificate-trust.js';
import { EngineHost } from './logic/engine-host.js';
import { decideNotification, EMPTY_NOTIFIER_MEMORY, lastServiceLine, noticeBody, noticeTitle } from './logic/failure-notifications.js';
import type { FailureNotice } from './logic/failure-notifications.js';
import type { EngineProcess } from './logic/engine-host.js';
import { APP_ID, appPaths } from './logic/paths.js';
import { trayBarIsDark } from './logic/tray-icons.js';
import { outcomeError, ProjectActions, projectRequestAnswer } from './logic/project-actions.js';
import type { ActionOutcome } from './logic/project-actions.js';
import { ProjectRegistry } from './logic/project-registry.js';
import { mergeShellEnv, resolveLoginShellEnv } from './logic/shell-env.js';
import type { EngineStatus, TrayAction, TrayState } from './logic/tray-menu.js';
import { buildTrayMenu, trayIconState, trayTooltip } from './logic/tray-menu.js';
import { WireClient } from '../shared/wire-client.js';
import { buildCsp, externalUrl, isTrustedSender } from './logic/window-security.js';
import { buildMenu, trayImage } from './tray.js';
import { hardenWebContents, InspectorWindow, registerAppScheme, serveEnginePorts, serveRenderer } from './windows.js';

const SHELL_ENV_TIMEOUT_MS = 10_000;
/** Log lines read back for a notice's "last log line": enough to get past locald's own status lines. */
const NOTICE_LOG_LINES = 50;
/** Notifications kept referenced until clicked or closed (a collected one loses its click handler); the oldest go first. */
const MAX_LIVE_NOTIFICATIONS = 20;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  void app.whenReady().then(start, (error: unknown) => fatal(error));
}

function fatal(error: unknown): void {
  dialog.showErrorBox('locald could not start', error instanceof Error ? (error.stack ?? error.message) : String(error));
  app.exit(1);
}

function adaptUtilityProcess(child: UtilityProcess): EngineProcess {
  return {
    send: (message: HostToEngine) => child.postMessage(message),
    kill: () => void child.kill(),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', listener),
  };
}

/** Only the Edit roles: they give the inspector's text fields copy/paste shortcuts on macOS. */
function applicationMenu(): Menu {
  const template: MenuItemConstructorOptions[] = [{ role: 'editMenu' }, { role: 'windowMenu' }];
  if (process.platform === 'darwin') template.unshift({ role: 'appMenu' });
  return Menu.buildFromTemplate(template);
}

async function start(): Promise<void> {
  app.dock?.hide();
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
  Menu.setApplicationMenu(applicationMenu());
  const paths = appPaths({ appPath: app.getAppPath(), resourcesPath: process.resourcesPath, isPackaged: app.isPackaged });
  hardenWebContents();
  serveRenderer(paths.rendererDir, buildCsp());

  const registry = new ProjectRegistry(app.getPath('userData'));
  const loaded = await registry.load();
  const configErrors: string[] = loaded.error !== null ? [loaded.error] : [];

  // One state directory per user, the one `locald up` uses (LOCALD_HOME, else ~/.locald or
  // %LOCALAPPDATA%\\locald): whichever starts first owns it and the proxy port, and a
  // `locald up` in a terminal joins the app's engine instead of failing on the port.
  const engineHome = resolveHome(undefined);
  // Replaced by the login shell's environment before the engine first starts (see the end of start()).
  let engineEnv: Record<string, string> = { ...mergeShellEnv(process.env, {}), [ENGINE_HOME_ENV]: engineHome };

  const projects = new Map<string, ProjectState>();
  let engineStatus: EngineStatus = { kind: 'starting' };
  let tray: Tray | null = null;
  /** Set by before-quit: from then on, failures caused by the quit are not errors to show. */
  let quitting = false;
  const inspector = new InspectorWindow(paths.preload);

  const host = new EngineHost({
    spawn: () =>
      adaptUtilityProcess(
        utilityProcess.fork(paths.engineEntry, [], { serviceName: 'locald engine', env: engineEnv, stdio: 'inherit' }),
      ),
    onStatus: (status) => {
      engineStatus = status;
      render();
    },
    onReady: (info: EngineInfo) => void onEngineReady(info),
    onProblem: (text) => console.warn(`[locald] ${text}`),
    // A terminal's `locald up DIR`: the same approval dialog as Add Project…, then it runs here.
    onProjectRequest: async (dir: string): Promise<ProjectRequestResult> => {
      const outcome: ActionOutcome = await actions.addFolder(dir);
      if (outcome.ok && outcome.project !== undefined) fromTerminal.add(outcome.project.name);
      render();
      return projectRequestAnswer(outcome, dir);
    },
  });

  /**
   * Projects a terminal's `locald up` had approved here: its Ctrl+C switches them off
   * (projects.stop), and the registry follows, so the next launch does not start them again.
   */
  const fromTerminal = new Set<string>();
  const engine = new WireClient((message) => host.bridge.fromClient('main', message));
  host.bridge.attach('main', (message) => engine.receive(message));
  engine.subscribe('project.state', (state) => {
    const previous = projects.get(state.name);
    projects.set(state.name, state);
    notifyFailures(previous, state);
    if (state.status === 'stopped' && fromTerminal.delete(state.name) && !quitting && registry.get(state.dir) !== undefined) {
      void registry.update(state.dir, { enabled: false }).catch((error: unknown) => console.warn(`[locald] ${(error as Error).message}`));
    }
    render();
  });
  engine.subscribe('project.removed', ({ project }) => {
    projects.delete(project);
    render();
  });

  const actions = new ProjectActions({
    engine,
    registry,
    preview: (dir) => host.preview(dir),
    engineReady: () => host.whenRunning(),
    changed: () => render(),
    askApproval: async (prompt) => {
      const answer = await dialog.showMessageBox({
        type: 'warning',
        title: prompt.title,
        message: prompt.message,
        detail: prompt.detail,
        buttons: prompt.buttons,
        defaultId: 1,
        cancelId: 1,
        noLink: true,
      });
      return answer.response === 0;
    },
    pickFolder: async () => {
      const result = await dialog.showOpenDialog({ title: 'Add Project', properties: ['openDirectory'] });
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    confirmRemove: async (project) => {
      const answer = await dialog.showMessageBox({
        type: 'question',
        message: `Remove ${project} from locald?`,
        detail: 'Its services are stopped. The folder and its files are not touched.',
        buttons: ['Remove', 'Cancel'],
        defaultId: 1,
        cancelId: 1,
      });
      return answer.response === 0;
    },
  });

  async function onEngineReady(_info: EngineInfo): Promise<void> {
    projects.clear();
    for (const state of await engine.call('projects.list', {}).catch(() => [])) projects.set(state.name, state);
    const problems = await actions.restoreAll();
    for (const problem of problems) if (!configErrors.includes(problem)) configErrors.push(problem);
    render();
  }

  let notifierMemory = EMPTY_NOTIFIER_MEMORY;
  const liveNotifications = new Set<Notification>();

  function notificationsOn(project: ProjectState): boolean {
    return registry.get(project.dir)?.notify !== false;
  }

  function notifyFailures(previous: ProjectState | undefined, next: ProjectState): void {
    // Services stopping because the app quits are not failures to tell about.
    if (quitting || !Notification.isSupported()) return;
    const decision = decideNotification(previous, next, Date.now(), { enabled: notificationsOn(next) }, notifierMemory);
    notifierMemory = decision.memory;
    if (decision.notice !== null) void showFailure(decision.notice);
  }

  async function showFailure(notice: FailureNotice): Promise<void> {
    // The engine logged the service's output before it reported the exit (that state event
    // has just crossed to main), so the log read now holds the line it failed with.
    const lines = await engine.call('logs.read', { project: notice.project, service: notice.service, limit: NOTICE_LOG_LINES }).catch(() => []);
    const notification = new Notification({ title: noticeTitle(notice), body: noticeBody(notice, lastServiceLine(lines)) });
    const forget = (): void => void liveNotifications.delete(notification);
    notification.on('click', () => {
      forget();
      // The same path as the tray's "Show in Inspector": reuses an open window and filters it.
      inspector.open({ project: notice.project, service: notice.service });
    });
    notification.on('close', forget);
    liveNotifications.add(notification);
    for (const old of liveNotifications) {
      if (liveNotifications.size <= MAX_LIVE_NOTIFICATIONS) break;
      liveNotifications.delete(old);
    }
    notification.show();
  }

  async function setNotifications(name: string, enable: boolean): Promise<void> {
    const project = projects.get(name);
    if (project === undefined || registry.get(project.dir) === undefined) return;
    try {
      await registry.update(project.dir, { notify: enable });
    } catch (error) {
      report({ ok: false, message: `could not save the notification setting: ${(error as Error).message}` });
    }
  }

  function trayState(): TrayState {
    return {
      projects: [...projects.values()],
      engine: engineStatus,
      startAtLogin: app.getLoginItemSettings().openAtLogin,
      configErrors,
      awaitingApproval: [...actions.awaitingApproval],
      waitingToAdd: [...actions.waitingForEngine],
      notificationsOff: [...projects.values()].filter((project) => !notificationsOn(project)).map((project) => project.name),
    };
  }

  function render(): void {
    if (tray === null) return;
    const state = trayState();
    tray.setImage(trayImage(paths.trayIconsDir, trayIconState(state), process.platform, trayBarIsDark(process.platform, nativeTheme)));
    tray.setToolTip(trayTooltip(state));
    tray.setContextMenu(buildMenu(buildTrayMenu(state), (action) => void dispatch(action)));
  }

  function report(outcome: ActionOutcome): void {
    const error = outcomeError(outcome, quitting);
    if (error !== null) dialog.showErrorBox('locald', error);
    else if (!outcome.ok && outcome.cancelled !== true) console.warn(`[locald] while quitting: ${outcome.message}`);
    render();
  }

  async function trustCertificate(): Promise<TrustCertificateResult> {
    // The engine keeps its CA in engineHome/ca: the same stores and commands as `locald ca --install`.
    try {
      return trustCertificateResult(await changeCaTrust(engineHome, 'install'));
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }

  async function dispatch(action: TrayAction): Promise<void> {
    switch (action.type) {
      case 'toggleProject': {
        const project = projects.get(action.project);
        if (project !== undefined) report(await actions.setEnabled(project, action.enable));
        return;
      }
      case 'reviewApproval': {
        // Changed commands (pendingApproval): dialog, then projects.approve; cancel keeps the old processes.
        const project = projects.get(action.project);
        if (project !== undefined) report(await actions.reviewChanges(project));
        return;
      }
      case 'openUrl': {
        const url = externalUrl(action.url);
        if (url !== null) await shell.openExternal(url);
        return;
      }
      case 'restartService':
        await engine.call('services.restart', { project: action.project, service: action.service }).catch((error: Error) => report({ ok: false, message: error.message }));
        return;
      case 'openInspector':
        inspector.open(action.filter);
        return;
      case 'revealConfig':
        shell.showItemInFolder(action.path);
        return;
      case 'removeProject': {
        const project = projects.get(action.project);
        if (project !== undefined) report(await actions.remove(project));
        return;
      }
      case 'addProject':
        report(await actions.addProject());
        return;
      case 'trustCertificate': {
        const result = await trustCertificate();
        if (!result.ok) dialog.showErrorBox('Trust HTTPS Certificate', result.message);
        else await dialog.showMessageBox({ type: 'info', title: 'Trust HTTPS Certificate', message: result.message });
        return;
      }
      case 'toggleNotifications':
        await setNotifications(action.project, action.enable);
        render();
        return;
      case 'toggleStartAtLogin':
        app.setLoginItemSettings({ openAtLogin: action.enable });
        render();
        return;
      case 'restartEngine':
        host.restartAfterGivingUp();
        return;
      case 'quit':
        app.quit();
        return;
    }
  }

  const handlers: AppActionHandlers = {
    addProject: async () => {
      const outcome = await actions.addProject();
      render();
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
      const project = projects.get(name);
      if (project === undefined) return false;
      shell.showItemInFolder(project.file);
      return true;
    },
    trustCertificate,
    getInfo: async () => ({ version: app.getVersion(), platform: process.platform }),
  };
  const route = createAppActionRouter(handlers, isTrustedSender);
  for (const name of APP_ACTION_NAMES) {
    ipcMain.handle(APP_ACTION_CHANNELS[name], (event, ...args: unknown[]) => route(name, event.senderFrame?.url, args));
  }
  serveEnginePorts(host.bridge);

  tray = new Tray(trayImage(paths.trayIconsDir, 'idle', process.platform, trayBarIsDark(process.platform, nativeTheme)));
  nativeTheme.on('updated', render);
  render();

  app.on('second-instance', () => inspector.open());
  // A tray app keeps running with no windows open.
  app.on('window-all-closed', () => undefined);

  let engineStopped = false;
  app.on('before-quit', (event) => {
    quitting = true;
    if (engineStopped) return;
    // Quit only after the engine stopped every service, so nothing is left orphaned.
    event.preventDefault();
    void host.stop().finally(() => {
      engineStopped = true;
      app.quit();
    });
  });

  // GUI apps on macOS do not inherit the terminal's PATH; services need it. The tray is
  // already up ("Engine starting…") while a slow shell profile is read.
  if (process.platform !== 'win32') {
    const shellEnv = await resolveLoginShellEnv({ shell: process.env.SHELL ?? '/bin/zsh', timeoutMs: SHELL_ENV_TIMEOUT_MS });
    if (shellEnv.ok) engineEnv = { ...mergeShellEnv(process.env, shellEnv.env), [ENGINE_HOME_ENV]: engineHome };
    else configErrors.push(shellEnv.error);
  }
  // Quit may have been chosen while the shell was being read.
  if (quitting) return;
  host.start();
  render();
}
