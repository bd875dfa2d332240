// Which tray image to show. macOS gets template images (black + alpha, recoloured by
// the menu bar); Windows and Linux get a light glyph for dark taskbars and a dark one
// for light taskbars. Each state has its own shape, so it reads without colour.
import type { TrayIconState } from './tray-menu.js';

export const TRAY_ICON_STATES: readonly TrayIconState[] = ['idle', 'running', 'attention', 'failing'];

const MAC_TEMPLATE: Record<TrayIconState, string> = {
  running: 'trayTemplate.png',
  idle: 'trayIdleTemplate.png',
  attention: 'trayAttentionTemplate.png',
  failing: 'trayFailingTemplate.png',
};

export function trayIconFile(icon: TrayIconState, platform: string, darkTheme: boolean): string {
  if (platform === 'darwin') {
    // Electron loads the @2x sibling automatically; the "Template" suffix makes it a template image.
    return MAC_TEMPLATE[icon];
  }
  return `tray-${icon}-${darkTheme ? 'dark' : 'light'}.png`;
}

/** Every file trayIconFile can name, for packaging checks. */
export function allTrayIconFiles(): string[] {
  const files = new Set<string>();
  for (const icon of TRAY_ICON_STATES) {
    const mac = trayIconFile(icon, 'darwin', false);
    files.add(mac);
    files.add(mac.replace(/\.png$/, '@2x.png'));
    files.add(trayIconFile(icon, 'win32', false));
    files.add(trayIconFile(icon, 'win32', true));
  }
  return [...files].sort();
}

/** The part of Electron's nativeTheme that decides the taskbar's colour. */
export interface ThemeFlags {
  shouldUseDarkColors: boolean;
  /** Windows: the system (taskbar) theme, which can differ from the apps' theme. */
  shouldUseDarkColorsForSystemIntegratedUI?: boolean;
}

/** Whether the tray sits on a dark bar. On Windows the taskbar follows the system theme, not the apps' one. */
export function trayBarIsDark(platform: string, theme: ThemeFlags): boolean {
  if (platform === 'win32' && theme.shouldUseDarkColorsForSystemIntegratedUI !== undefined) return theme.shouldUseDarkColorsForSystemIntegratedUI;
  return theme.shouldUseDarkColors;
}
