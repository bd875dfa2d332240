// The tray icon: draws the state (logic/tray-menu.ts) and hands clicks to the dispatcher.
import { nativeTheme, Tray } from 'electron';
import { trayBarIsDark } from './logic/tray-icons.js';
import type { TrayAction, TrayState } from './logic/tray-menu.js';
import { buildTrayMenu, trayIconState, trayTooltip } from './logic/tray-menu.js';
import { buildMenu, trayImage } from './tray.js';

export interface TrayControllerDeps {
  iconsDir: string;
  state: () => TrayState;
  dispatch: (action: TrayAction) => Promise<void>;
}

export class TrayController {
  private tray: Tray | null = null;

  constructor(private readonly deps: TrayControllerDeps) {}

  /** Puts the icon up; until then render() does nothing. */
  show(): void {
    this.tray = new Tray(trayImage(this.deps.iconsDir, 'idle', process.platform, trayBarIsDark(process.platform, nativeTheme)));
    nativeTheme.on('updated', () => this.render());
    this.render();
  }

  render(): void {
    if (this.tray === null) return;
    const state = this.deps.state();
    this.tray.setImage(trayImage(this.deps.iconsDir, trayIconState(state), process.platform, trayBarIsDark(process.platform, nativeTheme)));
    this.tray.setToolTip(trayTooltip(state));
    this.tray.setContextMenu(buildMenu(buildTrayMenu(state), (action) => void this.deps.dispatch(action)));
  }
}
