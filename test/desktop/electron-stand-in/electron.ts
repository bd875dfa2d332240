// The `electron` module as the built shell sees it under test (resolved here by
// ./hooks.mjs). One instance per launch; its state lives in that launch (./launch.ts).
// A named import the shell needs and this file lacks fails at link time, by name.
import { launchFor } from './launch.js';

const electron = launchFor(import.meta.url).electron;

export const app = electron.app;
export const BrowserWindow = electron.BrowserWindow;
export const dialog = electron.dialog;
export const ipcMain = electron.ipcMain;
export const Menu = electron.Menu;
export const MessageChannelMain = electron.MessageChannelMain;
export const nativeImage = electron.nativeImage;
export const nativeTheme = electron.nativeTheme;
export const net = electron.net;
export const Notification = electron.Notification;
export const protocol = electron.protocol;
export const session = electron.session;
export const shell = electron.shell;
export const Tray = electron.Tray;
export const utilityProcess = electron.utilityProcess;
export default electron;
