// The sandboxed preload: exposes `window.locald` (shared/desktop.ts) and nothing else.
// Bundled to CommonJS by electron/build.config.mjs, because sandboxed preloads cannot
// load ES modules or require anything but 'electron'.
import { contextBridge, ipcRenderer } from 'electron';
import { DESKTOP_BRIDGE_KEY } from '../shared/desktop.js';
import { createDesktopBridge } from './ipc-contract.js';

const bridge = createDesktopBridge(
  {
    invoke: (channel, ...args) => ipcRenderer.invoke(channel, ...args),
    send: (channel) => ipcRenderer.send(channel),
    on: (channel, listener) => ipcRenderer.on(channel, listener),
    removeListener: (channel, listener) => ipcRenderer.removeListener(channel, listener),
  },
  {
    // MessagePorts cannot cross contextBridge; hand it to the page, and only to our own origin.
    postPort: (message, port) => window.postMessage(message, window.location.origin, [port as MessagePort]),
  },
);

contextBridge.exposeInMainWorld(DESKTOP_BRIDGE_KEY, bridge);
