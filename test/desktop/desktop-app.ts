// Drives the real shell (dist/electron/main.js) under the Electron stand-in the way a user
// does: reads and clicks the tray by label, answers dialogs by script. Every launch is
// torn down by PID even when the test fails: the app is asked to quit, then anything it
// left (engine child, service processes) is killed.
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { isAlive, REPO, tempHome } from '../helpers/locald-cli.js';
import { waitFor } from '../helpers/proxy-net.js';
import type { BrowserWindowStandIn } from './electron-stand-in/browser-window.js';
import type { DialogRecord, DialogScript } from './electron-stand-in/dialogs.js';
import { Launch } from './electron-stand-in/launch.js';
import type { LaunchOptions } from './electron-stand-in/launch.js';
import type { LabelMatch, MenuItemModel } from './electron-stand-in/menu.js';
import { clickItem, describeMenu, findItem } from './electron-stand-in/menu.js';

/** A copy of a project folder the test may edit; removed after the test. */
export function copyProject(t: TestContext, source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'locald-desktop-project-'));
  cpSync(source, dir, { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The tray's link for a project ("Open http://shop.localhost:PORT/"), once it is on. */
export function projectUrl(app: DesktopApp, project: string): string {
  const item = app.item(project, /^Open http:/);
  if (item === undefined) throw new Error(`no Open item in the ${project} submenu:\n${app.menuText()}`);
  return item.label.slice('Open '.length);
}

/**
 * Add Project… as a user does: the folder picker answers `dir`, the approval is approved.
 * Resolves with the project's URL once the tray shows it running.
 */
export async function addProject(app: DesktopApp, dir: string, project: string): Promise<string> {
  app.script((dialog) => {
    if (dialog.kind === 'openDialog') return dir;
    if (dialog.options.title === `Run ${project}?`) return 'Approve and Add';
    throw new Error(`unexpected dialog while adding ${project}: ${dialog.options.message}`);
  });
  app.click('Add Project…');
  await app.waitForItem([new RegExp(`^${project} — running`)], (item) => item.checked);
  return projectUrl(app, project);
}

export interface DesktopOptions {
  /** Reuse a data folder (a relaunch, a second instance); a fresh temp folder otherwise. */
  userData?: string;
  script?: DialogScript;
  /** Run another copy of the app (e.g. extracted from a package) instead of the repo's. */
  appPath?: string;
  packaged?: LaunchOptions['packaged'];
}

const QUIT_DEADLINE_MS = 30_000;

let shellsDir: string | null = null;

/**
 * A stand-in for the user's login shell, which main asks for its environment before it
 * starts the engine (electron/logic/shell-env.ts): /bin/sh without the profile files a
 * login shell reads (they may reset PATH away from the Node running these tests). With
 * `gate`, it answers only once that file exists, holding the app at "Engine starting…".
 */
export function loginShell(gate?: string): string {
  if (shellsDir === null) {
    const dir = mkdtempSync(join(tmpdir(), 'locald-desktop-shell-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    shellsDir = dir;
  }
  const file = join(shellsDir, gate === undefined ? 'login-shell' : `gated-shell-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const wait = gate === undefined ? '' : `while [ ! -e '${gate}' ]; do sleep 0.05; done\n`;
  // main runs `$SHELL -i -l -c <script>`; the first two are the login flags.
  writeFileSync(file, `#!/bin/sh\n${wait}shift 2\nexec /bin/sh "$@"\n`);
  chmodSync(file, 0o755);
  return file;
}

/** The shell's environment for every launch in this test process: a free proxy port, a quick login shell. */
export function desktopEnvironment(): void {
  // The engine inherits main's environment; 0 lets it pick a free proxy port (engine/utility-entry.ts).
  process.env.LOCALD_HTTP_PORT = '0';
  process.env.SHELL = loginShell();
}

export class DesktopApp {
  constructor(
    readonly launch: Launch,
    readonly userData: string,
  ) {}

  menuText(): string {
    return describeMenu(this.launch.tray?.menu);
  }

  item(...path: LabelMatch[]): MenuItemModel | undefined {
    return findItem(this.launch.tray?.menu ?? null, path);
  }

  click(...path: LabelMatch[]): void {
    clickItem(this.launch.tray?.menu ?? null, path);
  }

  /** Waits until the tray menu has this item (and, if given, the item passes `check`). */
  async waitForItem(path: LabelMatch[], check: (item: MenuItemModel) => boolean = () => true, deadlineMs = 30_000): Promise<MenuItemModel> {
    try {
      return await waitFor(() => {
        const item = this.item(...path);
        return item !== undefined && check(item) ? item : undefined;
      }, `tray item ${path.map(String).join(' › ')}`, deadlineMs);
    } catch (error) {
      throw new Error(`${(error as Error).message}; the tray menu is:\n${this.menuText()}`);
    }
  }

  async waitUntilGone(path: LabelMatch[], deadlineMs = 30_000): Promise<void> {
    await waitFor(() => (this.item(...path) === undefined ? true : undefined), `tray item ${path.map(String).join(' › ')} to go away`, deadlineMs).catch(
      (error: Error) => {
        throw new Error(`${error.message}; the tray menu is:\n${this.menuText()}`);
      },
    );
  }

  get dialogs(): DialogRecord[] {
    return this.launch.dialogs.records;
  }

  errorDialogs(): Array<Extract<DialogRecord, { kind: 'errorBox' }>> {
    return this.dialogs.filter((record): record is Extract<DialogRecord, { kind: 'errorBox' }> => record.kind === 'errorBox');
  }

  script(script: DialogScript): void {
    this.launch.dialogs.script = script;
  }

  /** The inspector window the shell opened last (a real Chromium page), once it has loaded. */
  async window(deadlineMs = 30_000): Promise<BrowserWindowStandIn> {
    const window = await waitFor(() => this.launch.windows.filter((w) => !w.isDestroyed()).at(-1), 'an inspector window', deadlineMs);
    await window.loaded;
    return window;
  }

  /** Waits until the tray no longer says "Engine starting…" and the engine process runs. */
  async waitForEngine(deadlineMs = 30_000): Promise<number> {
    return waitFor(() => (this.item('Engine starting…') === undefined ? this.enginePid() : undefined), 'the engine to run', deadlineMs);
  }

  /** Waits for the PID of a running service (optionally a different one than `not`). */
  async servicePid(project: string, service: string, not?: number, deadlineMs = 30_000): Promise<number> {
    return waitFor(
      () => {
        const state = this.launch.projectStates.get(project)?.services.find((s) => s.name === service);
        return state?.pid !== null && state?.pid !== undefined && state.status === 'ready' && state.pid !== not ? state.pid : undefined;
      },
      `${project}/${service} to run${not !== undefined ? ` with a PID other than ${not}` : ''}`,
      deadlineMs,
    );
  }

  /** The running engine child's PID. */
  enginePid(): number | undefined {
    return this.launch.liveUtilities()[0]?.child.pid;
  }

  /** Quit from the tray, as a user does; resolves with the app's exit code. */
  async quitFromTray(deadlineMs = QUIT_DEADLINE_MS): Promise<number> {
    this.click('Quit locald');
    return this.waitForExit(deadlineMs);
  }

  async waitForExit(deadlineMs = QUIT_DEADLINE_MS): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`the app did not exit within ${deadlineMs} ms; tray:\n${this.menuText()}`)), deadlineMs);
    });
    try {
      return await Promise.race([this.launch.exited, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stand-in gaps and misuse seen during the run; a test ends by asserting this is empty. */
  problems(): string[] {
    return [...this.launch.missing.map((api) => `stand-in lacks electron.${api}`), ...this.launch.problems];
  }

  /** Teardown: quit if still running, then kill by PID whatever is left. */
  async dispose(): Promise<void> {
    if (this.launch.exitCode === null) {
      try {
        (this.launch.electron.app as { quit(): void }).quit();
        await this.waitForExit();
      } catch {
        this.launch.exit(1);
      }
    }
    await this.launch.chromium.close();
    for (const child of this.launch.utilities) if (child.exitCode === null) child.child.kill('SIGKILL');
    for (const pid of this.launch.servicePids) {
      if (!isAlive(pid)) continue;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }
}

/** Starts the shell; the test's teardown disposes it (and removes a data folder it created). */
export async function launchDesktop(t: TestContext, options: DesktopOptions = {}): Promise<DesktopApp> {
  const userData = options.userData ?? tempHome('locald-desktop-');
  const launch = new Launch({ appPath: options.appPath ?? REPO, userData, ...(options.packaged !== undefined ? { packaged: options.packaged } : {}) });
  if (options.script !== undefined) launch.dialogs.script = options.script;
  const app = new DesktopApp(launch, userData);
  t.after(async () => {
    await app.dispose();
    if (options.userData === undefined) rmSync(userData, { recursive: true, force: true });
  });
  await launch.start();
  // main's start() goes on after app ready (registry, tray); a second instance quits instead.
  await waitFor(() => (launch.tray !== undefined || launch.exitCode !== null ? true : undefined), 'the tray (or the app quitting)', 30_000);
  return app;
}
