// The Electron main process, as a composition root: it builds the shell's parts and
// wires them together. Each part is its own module; every decision comes from ./logic.
import { app } from 'electron';
import { resolveHome } from '../engine/home.js';
import { AppActions } from './app-actions.js';
import { EngineLink } from './engine-link.js';
import { FailureNotifier } from './failure-notifier.js';
import { followProjects, keepRunningInTray, quitAfterEngineStops, runSingleInstance, setUpTrayApp, startEngine } from './lifecycle.js';
import { appPaths } from './logic/paths.js';
import { ProjectRegistry } from './logic/project-registry.js';
import { ShellState } from './logic/shell-state.js';
import { dispatchTrayAction } from './logic/tray-dispatch.js';
import { buildCsp } from './logic/window-security.js';
import { TrayController } from './tray-controller.js';
import { hardenWebContents, InspectorWindow, serveEnginePorts, serveRenderer } from './windows.js';

runSingleInstance(start);

async function start(): Promise<void> {
  setUpTrayApp();
  const paths = appPaths({ appPath: app.getAppPath(), resourcesPath: process.resourcesPath, isPackaged: app.isPackaged });
  hardenWebContents();
  serveRenderer(paths.rendererDir, buildCsp());

  const state = new ShellState();
  const registry = new ProjectRegistry(app.getPath('userData'));
  const loaded = await registry.load();
  if (loaded.error !== null) state.addConfigErrors([loaded.error]);

  // One state directory per user, the one `locald up` uses (LOCALD_HOME, else ~/.locald or
  // %LOCALAPPDATA%\\locald): whichever starts first owns it and the proxy port, and a
  // `locald up` in a terminal joins the app's engine instead of failing on the port.
  const engineHome = resolveHome(undefined);
  const inspector = new InspectorWindow(paths.preload);
  const tray = new TrayController({
    iconsDir: paths.trayIconsDir,
    state: () => actions.trayState(),
    dispatch: (action) => dispatchTrayAction(action, actions),
  });
  const render = (): void => tray.render();
  const link: EngineLink = new EngineLink({
    entry: paths.engineEntry,
    home: engineHome,
    onStatus: (status) => {
      state.engineStatus = status;
      render();
    },
    onReady: () => void actions.restoreProjects(),
    onProjectRequest: (dir) => actions.projectRequest(dir),
  });
  const actions: AppActions = new AppActions({ state, registry, link, inspector, engineHome, render });
  const notifier = new FailureNotifier({ engine: link.engine, inspector, enabledFor: (project) => actions.notificationsOn(project) });
  followProjects(link.engine, state, registry, notifier, render);

  actions.serveIpc();
  serveEnginePorts(link.host.bridge);
  tray.show();
  keepRunningInTray(() => inspector.open());
  quitAfterEngineStops(state, () => link.host.stop());
  await startEngine(link, state, render);
}
