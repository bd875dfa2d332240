// The IPC between main and the preload, typed in one place both sides import. It has
// no 'electron' import: preload.ts and main.ts adapt Electron's objects to the small
// interfaces below, and tests drive the same code with Node's MessageChannel.
import type { AppActions, DesktopBridge, InspectorFilter } from '../shared/desktop.js';
import { ENGINE_PORT_MESSAGE } from '../shared/desktop.js';
import type { EngineBridge } from './logic/engine-bridge.js';

/** Renderer → main (send): "give this window a new engine port". */
export const REQUEST_ENGINE_PORT = 'locald:engine.request-port';
/** Main → renderer (postMessage with one transferred port). */
export const ENGINE_PORT = 'locald:engine.port';
/** Main → renderer: the tray asked the inspector to filter. */
export const INSPECTOR_FILTER = 'locald:inspector.filter';

export type AppActionName = keyof AppActions;

/** One ipcMain.handle channel per app action. */
export const APP_ACTION_CHANNELS: { readonly [K in AppActionName]: `locald:app.${K}` } = {
  addProject: 'locald:app.addProject',
  openExternal: 'locald:app.openExternal',
  revealConfig: 'locald:app.revealConfig',
  trustCertificate: 'locald:app.trustCertificate',
  getInfo: 'locald:app.getInfo',
};

export const APP_ACTION_NAMES = Object.keys(APP_ACTION_CHANNELS) as AppActionName[];

type ArgsOf<K extends AppActionName> = Parameters<AppActions[K]>;
type ResultOf<K extends AppActionName> = Awaited<ReturnType<AppActions[K]>>;

/**
 * Argument checks, run in main before any handler: a compromised page can send
 * anything, so the shape is verified rather than trusted from the types.
 */
export const APP_ACTION_ARGS: { readonly [K in AppActionName]: (args: readonly unknown[]) => args is ArgsOf<K> } = {
  addProject: (args): args is [] => args.length === 0,
  openExternal: (args): args is [string] => args.length === 1 && typeof args[0] === 'string' && args[0].length <= 8192,
  revealConfig: (args): args is [string] => args.length === 1 && typeof args[0] === 'string' && args[0].length <= 256,
  trustCertificate: (args): args is [] => args.length === 0,
  getInfo: (args): args is [] => args.length === 0,
};

// ---------------------------------------------------------------- preload side

/** The part of Electron's ipcRenderer the preload uses. */
export interface PreloadIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string): void;
  on(channel: string, listener: (event: { ports: readonly unknown[] }, ...args: unknown[]) => void): void;
  removeListener(channel: string, listener: (event: { ports: readonly unknown[] }, ...args: unknown[]) => void): void;
}

export interface PageMessenger {
  /** window.postMessage({ type: ENGINE_PORT_MESSAGE }, location.origin, [port]) in the preload. */
  postPort(message: { type: typeof ENGINE_PORT_MESSAGE }, port: unknown): void;
}

function isInspectorFilter(value: unknown): value is InspectorFilter {
  if (typeof value !== 'object' || value === null) return false;
  const { project, service } = value as Record<string, unknown>;
  return (project === undefined || typeof project === 'string') && (service === undefined || typeof service === 'string');
}

/** Builds `window.locald`. Each app action is a plain function over one invoke channel. */
export function createDesktopBridge(ipc: PreloadIpc, page: PageMessenger): DesktopBridge {
  ipc.on(ENGINE_PORT, (event) => {
    const [port] = event.ports;
    if (port !== undefined) page.postPort({ type: ENGINE_PORT_MESSAGE }, port);
  });
  const invoke = <K extends AppActionName>(name: K) =>
    ((...args: unknown[]) => ipc.invoke(APP_ACTION_CHANNELS[name], ...args)) as unknown as AppActions[K];
  const app: AppActions = {
    addProject: invoke('addProject'),
    openExternal: invoke('openExternal'),
    revealConfig: invoke('revealConfig'),
    trustCertificate: invoke('trustCertificate'),
    getInfo: invoke('getInfo'),
  };
  return {
    requestEnginePort: () => ipc.send(REQUEST_ENGINE_PORT),
    app,
    onInspectorFilter(handler) {
      const listener = (_event: { ports: readonly unknown[] }, filter: unknown): void => {
        if (isInspectorFilter(filter)) handler({ ...filter });
      };
      ipc.on(INSPECTOR_FILTER, listener);
      return () => ipc.removeListener(INSPECTOR_FILTER, listener);
    },
  };
}

// ------------------------------------------------------------------- main side

export type AppActionHandlers = { [K in AppActionName]: (...args: ArgsOf<K>) => Promise<ResultOf<K>> };

export class IpcRejection extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpcRejection';
  }
}

/**
 * Main's dispatcher for app actions: checks the sender, then the arguments, then calls
 * the handler. Rejections reach the page as errors; main never crashes on them.
 */
export function createAppActionRouter(handlers: AppActionHandlers, isTrustedSender: (senderUrl: string | null | undefined) => boolean) {
  return async function route(name: AppActionName, senderUrl: string | null | undefined, args: readonly unknown[]): Promise<unknown> {
    if (!isTrustedSender(senderUrl)) throw new IpcRejection(`${name}: refused for untrusted sender ${senderUrl ?? '(unknown frame)'}`);
    const check = APP_ACTION_ARGS[name] as (args: readonly unknown[]) => boolean;
    if (!check(args)) throw new IpcRejection(`${name}: invalid arguments`);
    const handler = handlers[name] as (...args: unknown[]) => Promise<unknown>;
    return handler(...args);
  };
}

/** A message port reduced to what the bridge needs; main adapts MessagePortMain to it. */
export interface PortEnds {
  post(message: unknown): void;
  onMessage(listener: (data: unknown) => void): void;
  onClose(listener: () => void): void;
  close(): void;
}

/**
 * Connects one window's port to the engine bridge: its requests go in, responses and
 * events come out, and closing either side detaches it.
 */
export function connectPortToBridge(bridge: EngineBridge, clientId: string, port: PortEnds): () => void {
  let open = true;
  const detach = bridge.attach(clientId, (message) => {
    if (open) port.post(message);
  });
  const close = (): void => {
    if (!open) return;
    open = false;
    detach();
  };
  port.onMessage((data) => {
    if (open) bridge.fromClient(clientId, data);
  });
  port.onClose(close);
  return () => {
    close();
    port.close();
  };
}
