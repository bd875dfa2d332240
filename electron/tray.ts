// Turns the plain menu description (logic/tray-menu.ts) into an Electron Menu, and
// picks the tray image for the current state and theme.
import { Menu, nativeImage } from 'electron';
import type { MenuItemConstructorOptions, NativeImage } from 'electron';
import { join } from 'node:path';
import type { MenuItemSpec, TrayAction, TrayIconState } from './logic/tray-menu.js';
import { trayIconFile } from './logic/tray-icons.js';

export function toMenuTemplate(items: MenuItemSpec[], dispatch: (action: TrayAction) => void): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' };
      case 'submenu':
        return { label: item.label, enabled: item.enabled, submenu: toMenuTemplate(item.submenu, dispatch) };
      case 'checkbox':
        return { type: 'checkbox', label: item.label, checked: item.checked, enabled: item.enabled, click: () => dispatch(item.action) };
      case 'normal': {
        const action = item.action;
        return {
          label: item.label,
          enabled: item.enabled,
          ...(item.accelerator !== undefined ? { accelerator: item.accelerator } : {}),
          ...(action !== undefined ? { click: () => dispatch(action) } : {}),
        };
      }
    }
  });
}

export function buildMenu(items: MenuItemSpec[], dispatch: (action: TrayAction) => void): Menu {
  return Menu.buildFromTemplate(toMenuTemplate(items, dispatch));
}

export function trayImage(iconsDir: string, icon: TrayIconState, platform: string, darkTheme: boolean): NativeImage {
  const image = nativeImage.createFromPath(join(iconsDir, trayIconFile(icon, platform, darkTheme)));
  if (platform === 'darwin') image.setTemplateImage(true);
  return image;
}
