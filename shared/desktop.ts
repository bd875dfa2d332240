// What the desktop app's preload exposes to its windows as `window.locald`. The
// renderer compiles against these types; electron/preload.ts implements them.
// Pages never get ipcRenderer: only these few functions.

/** The key of the bridge on `window`. */
export const DESKTOP_BRIDGE_KEY = 'locald';

/**
 * The engine's MessagePort cannot cross contextBridge, so the preload posts it to the
 * page with `window.postMessage({ type: ENGINE_PORT_MESSAGE }, location.origin, [port])`.
 * The page accepts it only when `event.source === window` and `event.origin === location.origin`.
 */
export const ENGINE_PORT_MESSAGE = 'locald:engine-port';

export interface InspectorFilter {
  project?: string;
  service?: string;
}

export interface AppInfo {
  version: string;
  platform: string;
}

export type AddProjectResult =
  | { status: 'added'; project: string }
  | { status: 'cancelled' }
  | { status: 'failed'; message: string };

export interface TrustCertificateResult {
  ok: boolean;
  message: string;
}

/** App-level actions that need main (native dialogs, the OS trust store, the system browser). */
export interface AppActions {
  /** Folder picker, then the approval dialog listing the commands, then the engine adds it. */
  addProject(): Promise<AddProjectResult>;
  /** Opens an http(s) URL in the system browser; anything else is refused (false). */
  openExternal(url: string): Promise<boolean>;
  /** Shows the project's config file in Finder / Explorer. */
  revealConfig(project: string): Promise<boolean>;
  trustCertificate(): Promise<TrustCertificateResult>;
  getInfo(): Promise<AppInfo>;
}

export interface DesktopBridge {
  /** Asks main for a fresh engine port; it arrives as a window message (see ENGINE_PORT_MESSAGE). */
  requestEnginePort(): void;
  app: AppActions;
  /** The tray asked to show the inspector with a filter. Returns the unsubscribe function. */
  onInspectorFilter(handler: (filter: InspectorFilter) => void): () => void;
}
