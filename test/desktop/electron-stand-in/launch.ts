// One run of the real shell (dist/electron/main.js) under the stand-in: the state of the
// `electron` module that this run's main imports, and what the tests read from it.
// main runs inside the test process; its engine runs in a real child process.
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ProjectState } from '../../../shared/state.js';
import type { DialogLog } from './dialogs.js';
import { createDialog } from './dialogs.js';
import type { ImageStandIn, ShellSurface } from './menu.js';
import { createMenu, createTray } from './menu.js';
import type { NotificationStandIn } from './notification.js';
import { createNotification } from './notification.js';
import { createMessageChannelMain } from './ports.js';
import { registerElectronStandIn } from './register.js';
import { SingleInstanceLock } from './single-instance.js';
import type { SecondInstanceMessage } from './single-instance.js';
import { checkOptions, strict } from './strict.js';
import type { BrowserWindowStandIn, WindowHost } from './browser-window.js';
import { Chromium, createBrowserWindow } from './browser-window.js';
import type { UtilityProcessStandIn } from './utility-process.js';
import { createUtilityProcess } from './utility-process.js';

const LAUNCHES_KEY = Symbol.for('locald.electronStandIn.launches');
const registry: Map<string, Launch> = ((globalThis as Record<symbol, unknown>)[LAUNCHES_KEY] ??= new Map<string, Launch>()) as Map<string, Launch>;
let nextLaunchId = 1;

/** The launch whose main imported this stand-in module instance (by its `?launch=` query). */
export function launchFor(moduleUrl: string): Launch {
  const id = new URL(moduleUrl).searchParams.get('launch');
  const launch = id === null ? undefined : registry.get(id);
  if (launch === undefined) throw new Error(`electron stand-in: no launch ${String(id)} (import dist/electron/main.js through Launch.start)`);
  return launch;
}

export interface LaunchOptions {
  /** The repo (development layout), as app.getAppPath() returns it for `electron .`. */
  appPath: string;
  /** app.getPath('userData'); the single-instance lock lives here too. */
  userData: string;
  argv?: string[];
  /** The packaged layout: app.isPackaged, and process.resourcesPath (set on this process, which main shares). */
  packaged?: { resourcesPath: string };
}

/** A preventable Electron event object. */
function preventable(): { defaultPrevented: boolean; preventDefault(): void } {
  return {
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export type ProtocolHandler = (request: Request) => Response | Promise<Response>;
type PermissionRequestHandler = (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
type PermissionCheckHandler = (contents: unknown, permission: string) => boolean;

export class Launch {
  readonly id = String(nextLaunchId++);
  /** Electron APIs the shell reached for that the stand-in lacks (each also threw). */
  readonly missing: string[] = [];
  /** Other things that must fail the test: unscripted dialogs, misuse of an API. */
  readonly problems: string[] = [];
  readonly dialogs: DialogLog = {
    records: [],
    script: null,
    unexpected: (text) => this.problems.push(text),
  };
  readonly surface: ShellSurface = { applicationMenu: null, trays: [] };
  readonly utilities: UtilityProcessStandIn[] = [];
  /** Every service PID the engine reported (project.state events), for cleanup. */
  readonly servicePids = new Set<number>();
  /** The engine's latest state of each project, as its events said. */
  readonly projectStates = new Map<string, ProjectState>();
  readonly openedExternal: string[] = [];
  /** Every Notification the shell constructed, in order (shown or not). */
  readonly notifications: NotificationStandIn[] = [];
  readonly revealedInFolder: string[] = [];
  readonly loginItemSettings: Array<{ openAtLogin: boolean }> = [];
  readonly privilegedSchemes: unknown[] = [];
  readonly protocolHandlers = new Map<string, ProtocolHandler>();
  readonly ipcHandlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  readonly ipcListeners = new EventEmitter();
  permissionRequestHandler: PermissionRequestHandler | null = null;
  permissionCheckHandler: PermissionCheckHandler | null = null;
  readonly lock: SingleInstanceLock;
  /** Every BrowserWindow the shell created, each a real Chromium page. */
  readonly windows: BrowserWindowStandIn[] = [];
  readonly chromium: Chromium;
  isReady = false;
  exitCode: number | null = null;
  /** Engine (utility) processes still running when the app exited; Electron kills them then. */
  utilitiesAliveAtExit: number[] = [];
  readonly exited: Promise<number>;
  readonly electron: Record<string, unknown>;
  private resolveExited!: (code: number) => void;
  private resolveReady!: () => void;
  private readonly whenReadyPromise: Promise<void>;
  private readonly app: EventEmitter;

  constructor(readonly options: LaunchOptions) {
    registry.set(this.id, this);
    this.lock = new SingleInstanceLock(options.userData, `launch ${this.id}`);
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    this.whenReadyPromise = new Promise((resolve) => (this.resolveReady = resolve));
    const missing = (api: string): void => {
      this.missing.push(api);
    };
    this.app = this.createApp(missing);
    const windowHost: WindowHost = {
      missing,
      scheme: 'app',
      windows: this.windows,
      protocolHandler: (scheme) => this.protocolHandlers.get(scheme),
      ipcInvoke: async (channel, event, args) => {
        const handler = this.ipcHandlers.get(channel);
        if (handler === undefined) throw new Error(`No handler registered for '${channel}'`);
        return handler(event, ...args);
      },
      ipcSend: (channel, event, args) => void this.ipcListeners.emit(channel, event, ...args),
      webContentsCreated: (contents) => void this.app.emit('web-contents-created', preventable(), contents),
    };
    this.chromium = new Chromium(windowHost);
    this.electron = {
      app: this.app,
      dialog: createDialog(this.dialogs, missing),
      Menu: createMenu(this.surface, missing),
      Tray: createTray(this.surface, missing),
      nativeImage: strict('nativeImage', { createFromPath: (path: string) => strict('NativeImage', this.image(path), missing) }, missing),
      nativeTheme: strict('nativeTheme', Object.assign(new EventEmitter(), { shouldUseDarkColors: false, themeSource: 'system' }), missing),
      utilityProcess: createUtilityProcess(missing, {
        spawned: (child) => this.utilities.push(child),
        message: (_child, data) => this.observeEngineMessage(data),
      }),
      shell: strict(
        'shell',
        {
          openExternal: async (url: string) => void this.openedExternal.push(url),
          showItemInFolder: (path: string) => void this.revealedInFolder.push(path),
        },
        missing,
      ),
      ipcMain: strict(
        'ipcMain',
        Object.assign(this.ipcListeners, {
          handle: (channel: string, handler: (event: unknown, ...args: unknown[]) => unknown) => {
            if (this.ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
            this.ipcHandlers.set(channel, handler);
          },
          removeHandler: (channel: string) => void this.ipcHandlers.delete(channel),
        }),
        missing,
      ),
      protocol: strict(
        'protocol',
        {
          registerSchemesAsPrivileged: (schemes: unknown[]) => {
            if (this.isReady) this.problems.push('protocol.registerSchemesAsPrivileged called after app ready (Electron ignores it then)');
            this.privilegedSchemes.push(...schemes);
          },
          handle: (scheme: string, handler: ProtocolHandler) => {
            if (!this.isReady) this.problems.push(`protocol.handle('${scheme}') before app ready`);
            this.protocolHandlers.set(scheme, handler);
          },
        },
        missing,
      ),
      net: strict('net', { fetch: (url: string) => this.netFetch(url) }, missing),
      session: strict(
        'session',
        {
          defaultSession: strict(
            'session.defaultSession',
            {
              setPermissionRequestHandler: (handler: PermissionRequestHandler | null) => void (this.permissionRequestHandler = handler),
              setPermissionCheckHandler: (handler: PermissionCheckHandler | null) => void (this.permissionCheckHandler = handler),
            },
            missing,
          ),
        },
        missing,
      ),
      MessageChannelMain: createMessageChannelMain(missing),
      Notification: createNotification(this.notifications, missing),
      BrowserWindow: createBrowserWindow(windowHost, this.chromium),
    };
  }

  /** Imports this launch's main (a fresh module instance), then makes the app ready as Electron does. */
  async start(mainPath: string = join(this.options.appPath, 'dist', 'electron', 'main.js')): Promise<void> {
    registerElectronStandIn();
    // The app's state directory is the user's (LOCALD_HOME, as for `locald up`); each launch
    // keeps it under its own data folder so tests never touch the real ~/.locald. CLI
    // children that inherit this environment find the app's engine, as a user's would.
    process.env.LOCALD_HOME = join(this.options.userData, 'engine');
    if (this.options.packaged !== undefined) Object.assign(process, { resourcesPath: this.options.packaged.resourcesPath });
    const url = pathToFileURL(mainPath);
    url.searchParams.set('launch', this.id);
    await import(url.href);
    if (this.exitCode !== null) return;
    this.isReady = true;
    this.app.emit('ready', {}, {});
    this.resolveReady();
  }

  get tray() {
    return this.surface.trays.at(-1);
  }

  /** The engine child processes still running. */
  liveUtilities(): UtilityProcessStandIn[] {
    return this.utilities.filter((child) => child.exitCode === null);
  }

  /** Ends the app the way the OS would if it were killed: its utility processes die with it. */
  exit(code: number): void {
    if (this.exitCode !== null) return;
    this.exitCode = code;
    this.utilitiesAliveAtExit = this.liveUtilities().map((child) => child.child.pid ?? -1);
    for (const child of this.liveUtilities()) child.child.kill('SIGKILL');
    void this.chromium.close();
    this.lock.release();
    registry.delete(this.id);
    this.resolveExited(code);
  }

  private observeEngineMessage(data: unknown): void {
    const message = data as { type?: string; event?: string; data?: ProjectState };
    if (message.type !== 'event' || message.event !== 'project.state' || message.data === undefined) return;
    this.projectStates.set(message.data.name, message.data);
    for (const service of message.data.services) if (service.pid !== null) this.servicePids.add(service.pid);
  }

  private image(path: string): ImageStandIn {
    return {
      path,
      template: false,
      isEmpty: () => !existsSync(path),
      setTemplateImage(template: boolean) {
        this.template = template;
      },
    };
  }

  /** Electron's net.fetch for file: URLs (what the app:// handler uses); other schemes are not modelled. */
  private async netFetch(url: string): Promise<Response> {
    const parsed = new URL(url);
    if (parsed.protocol !== 'file:') {
      this.missing.push(`net.fetch(${parsed.protocol})`);
      throw new Error(`stand-in lacks electron.net.fetch for ${parsed.protocol} URLs`);
    }
    // Like Chromium's file: loader: a missing file is a network error, not a 404 response.
    const body = await readFile(fileURLToPath(parsed)).catch(() => {
      throw new TypeError(`net::ERR_FILE_NOT_FOUND ${url}`);
    });
    return new Response(body, { status: 200, headers: { 'content-type': MIME[extname(parsed.pathname)] ?? 'application/octet-stream' } });
  }

  private createApp(missing: (api: string) => void): EventEmitter {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the app object's methods act on this launch
    const launch = this;
    let openAtLogin = false;
    const version = (JSON.parse(readFileSync(join(this.options.appPath, 'package.json'), 'utf8')) as { version: string }).version;
    const app = Object.assign(new EventEmitter(), {
      isPackaged: this.options.packaged !== undefined,
      // Electron has app.dock on macOS only; the stand-in is Linux.
      dock: undefined,
      requestSingleInstanceLock(additionalData?: unknown): boolean {
        const message: SecondInstanceMessage = { argv: launch.options.argv ?? ['electron', '.'], cwd: process.cwd(), additionalData: additionalData ?? null };
        return launch.lock.acquire(message, (other) => app.emit('second-instance', preventable(), other.argv, other.cwd, other.additionalData));
      },
      whenReady: () => launch.whenReadyPromise,
      isReady: () => launch.isReady,
      getAppPath: () => launch.options.appPath,
      getVersion: () => version,
      getPath(name: string): string {
        if (name === 'userData') return launch.options.userData;
        missing(`app.getPath('${name}')`);
        throw new Error(`stand-in lacks electron.app.getPath('${name}')`);
      },
      getLoginItemSettings: () => ({ openAtLogin }),
      setLoginItemSettings(settings: { openAtLogin: boolean }): void {
        checkOptions('app.setLoginItemSettings', settings, ['openAtLogin'], missing);
        openAtLogin = settings.openAtLogin;
        launch.loginItemSettings.push({ ...settings });
      },
      /** Electron: before-quit (preventable), windows close, will-quit (preventable), quit, exit. */
      quit(): void {
        if (launch.exitCode !== null) return;
        const beforeQuit = preventable();
        app.emit('before-quit', beforeQuit);
        if (beforeQuit.defaultPrevented) return;
        for (const window of launch.windows) window.close();
        const willQuit = preventable();
        app.emit('will-quit', willQuit);
        if (willQuit.defaultPrevented) return;
        app.emit('quit', preventable(), 0);
        launch.exit(0);
      },
      exit(code = 0): void {
        launch.exit(code);
      },
    });
    return strict('app', app, missing);
  }
}
