// The page side of a stand-in window: ipcRenderer and contextBridge for the real preload
// bundle, which this script then runs before any page script (Playwright init script).
// Main ↔ page messages go through one exposed binding (page → main) and page.evaluate
// (main → page); a MessagePort main transfers becomes a real page MessageChannel whose
// other end is relayed to main's port.
//
// What differs from Electron: the preload runs in the page's main world, not an isolated
// world (contextIsolation is not enforced; the exposed API is frozen instead of copied),
// and the relay functions below are reachable from page scripts, where in Electron the
// page has no way to reach ipcRenderer. Security assertions about what the page can reach
// are therefore about the preload's API (window.locald) and Node globals, not these.

/** Names the page-side relay uses; kept out of the way of the renderer's own globals. */
export const IPC_BINDING = '__localdStandInIpc';
export const DELIVER = '__localdStandInDeliver';
export const PORT_DELIVER = '__localdStandInPortDeliver';

export type PageToMain =
  | { kind: 'invoke'; channel: string; args: unknown[] }
  | { kind: 'send'; channel: string; args: unknown[] }
  | { kind: 'port'; id: number; data: unknown };

/** The init script: the stand-ins, then the preload bundle's source as a CommonJS module. */
export function pagePreloadScript(preloadSource: string): string {
  return `(() => {
  const relay = window[${JSON.stringify(IPC_BINDING)}];
  const listeners = new Map();
  const ipcRenderer = {
    invoke: (channel, ...args) => relay({ kind: 'invoke', channel, args }),
    send: (channel, ...args) => void relay({ kind: 'send', channel, args }),
    on(channel, listener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel).add(listener);
      return ipcRenderer;
    },
    removeListener(channel, listener) {
      listeners.get(channel)?.delete(listener);
      return ipcRenderer;
    },
  };
  const ports = new Map();
  Object.defineProperty(window, ${JSON.stringify(DELIVER)}, {
    value: (channel, args, portIds) => {
      const event = {
        sender: ipcRenderer,
        ports: portIds.map((id) => {
          const channelPair = new MessageChannel();
          ports.set(id, channelPair.port1);
          channelPair.port1.onmessage = (message) => void relay({ kind: 'port', id, data: message.data });
          return channelPair.port2;
        }),
      };
      for (const listener of [...(listeners.get(channel) ?? [])]) listener(event, ...args);
    },
  });
  Object.defineProperty(window, ${JSON.stringify(PORT_DELIVER)}, { value: (id, data) => ports.get(id)?.postMessage(data) });
  const contextBridge = {
    exposeInMainWorld(key, api) {
      Object.defineProperty(window, key, { value: Object.freeze(api), enumerable: true });
    },
  };
  const require = (name) => {
    if (name === 'electron') return { contextBridge, ipcRenderer };
    throw new Error('a sandboxed preload may only require electron, not ' + name);
  };
  const module = { exports: {} };
  (function (require, module, exports) {
${preloadSource}
  })(require, module, module.exports);
})();`;
}
