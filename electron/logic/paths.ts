// Where the app's pieces live, in development (`electron .` from the repo) and when
// packaged (inside app.asar, with tray images in Resources/tray via extraResources).
import { join } from 'node:path';

export interface AppLocation {
  /** app.getAppPath(): the repo root in development, .../Resources/app.asar when packaged. */
  appPath: string;
  /** process.resourcesPath. */
  resourcesPath: string;
  isPackaged: boolean;
}

export interface AppPaths {
  engineEntry: string;
  preload: string;
  rendererDir: string;
  trayIconsDir: string;
}

/**
 * electron-builder.yml's appId. The installer's shortcut carries it as the AppUserModelID,
 * and Windows shows an app's notifications only when the running app says the same one.
 */
export const APP_ID = 'dev.locald.app';
/** Must match electron-builder.yml's extraResources `to:` for the tray images. */
export const TRAY_RESOURCES_DIR = 'tray';
/** The lead's engine entry for the utility process, as built by tsconfig.build.json. */
export const ENGINE_ENTRY = 'dist/engine/utility-entry.js';
export const PRELOAD_BUNDLE = 'dist/electron/preload.cjs';
/** Vite's outDir (renderer/vite.config.ts). */
export const RENDERER_DIR = 'dist/renderer';

export function appPaths(location: AppLocation): AppPaths {
  return {
    engineEntry: join(location.appPath, ENGINE_ENTRY),
    preload: join(location.appPath, PRELOAD_BUNDLE),
    rendererDir: join(location.appPath, RENDERER_DIR),
    trayIconsDir: location.isPackaged ? join(location.resourcesPath, TRAY_RESOURCES_DIR) : join(location.appPath, 'build', TRAY_RESOURCES_DIR),
  };
}
