// Window plumbing: the app:// scheme that serves the renderer, the security hooks every
// web contents gets, and the inspector window with its engine port.
import { app, BrowserWindow, ipcMain, MessageChannelMain, net, protocol, session, shell } from 'electron';
import type { MessagePortMain, WebContents } from 'electron';
import { pathToFileURL } from 'node:url';
import type { InspectorFilter } from '../shared/desktop.js';
import { connectPortToBridge, ENGINE_PORT, INSPECTOR_FILTER, REQUEST_ENGINE_PORT } from './ipc-contract.js';
import type { EngineBridge } from './logic/engine-bridge.js';
import {
  APP_ORIGIN,
  APP_SCHEME,
  isAllowedNavigation,
  isTrustedSender,
  permissionDecision,
  resolveAppAsset,
  secureWebPreferences,
  windowOpenDecision,
} from './logic/window-security.js';

/** Must run before app 'ready'. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

export function serveRenderer(rendererDir: string, csp: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const resolved = resolveAppAsset(request.url, rendererDir);
    if (!resolved.ok) return new Response(resolved.reason, { status: resolved.status, headers: { 'content-type': 'text/plain' } });
    try {
      const file = await net.fetch(pathToFileURL(resolved.file).toString());
      const headers = new Headers(file.headers);
      headers.set('content-security-policy', csp);
      headers.set('x-content-type-options', 'nosniff');
      return new Response(file.body, { status: file.status, headers });
    } catch {
      return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    }
  });
}

/** Deny-by-default for every web contents the app ever creates, including ones we did not expect. */
export function hardenWebContents(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(permissionDecision(permission)));
  session.defaultSession.setPermissionCheckHandler((_contents, permission) => permissionDecision(permission));
  app.on('web-contents-created', (_event, contents) => {
    const guard = (event: { preventDefault(): void }, url: string): void => {
      if (isAllowedNavigation(url)) return;
      event.preventDefault();
      const decision = windowOpenDecision(url);
      if (decision.openExternal !== undefined) void shell.openExternal(decision.openExternal);
    };
    contents.on('will-navigate', (event, url) => guard(event, url));
    contents.on('will-redirect', (event, url) => guard(event, url));
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      const decision = windowOpenDecision(url);
      if (decision.openExternal !== undefined) void shell.openExternal(decision.openExternal);
      return { action: 'deny' };
    });
  });
}

function adaptPort(port: MessagePortMain) {
  return {
    post: (message: unknown) => port.postMessage(message),
    onMessage: (listener: (data: unknown) => void) => port.on('message', (event) => listener(event.data)),
    onClose: (listener: () => void) => port.on('close', listener),
    close: () => port.close(),
  };
}

/** Answers each trusted window's request for an engine port; a reload gets a fresh one. */
export function serveEnginePorts(bridge: EngineBridge): void {
  const byContents = new Map<number, () => void>();
  const hooked = new Set<number>();
  let counter = 0;
  ipcMain.on(REQUEST_ENGINE_PORT, (event) => {
    if (!isTrustedSender(event.senderFrame?.url)) return;
    const contents: WebContents = event.sender;
    const id = contents.id;
    byContents.get(id)?.();
    const { port1, port2 } = new MessageChannelMain();
    const disconnect = connectPortToBridge(bridge, `window-${id}-${++counter}`, adaptPort(port1));
    port1.start();
    byContents.set(id, disconnect);
    if (!hooked.has(id)) {
      hooked.add(id);
      contents.once('destroyed', () => {
        byContents.get(id)?.();
        byContents.delete(id);
        hooked.delete(id);
      });
    }
    contents.postMessage(ENGINE_PORT, null, [port2]);
  });
}

export class InspectorWindow {
  private window: BrowserWindow | null = null;

  constructor(private readonly preloadPath: string) {}

  open(filter?: InspectorFilter): void {
    if (this.window !== null && !this.window.isDestroyed()) {
      if (filter !== undefined) this.window.webContents.send(INSPECTOR_FILTER, filter);
      if (this.window.isMinimized()) this.window.restore();
      this.window.show();
      this.window.focus();
      return;
    }
    const window = new BrowserWindow({
      width: 1200,
      height: 800,
      minWidth: 640,
      minHeight: 400,
      title: 'locald',
      show: false,
      webPreferences: secureWebPreferences(this.preloadPath),
    });
    this.window = window;
    window.once('ready-to-show', () => window.show());
    window.on('closed', () => {
      if (this.window === window) this.window = null;
    });
    const url = new URL('/', APP_ORIGIN);
    if (filter?.project !== undefined) url.searchParams.set('project', filter.project);
    if (filter?.service !== undefined) url.searchParams.set('service', filter.service);
    void window.loadURL(url.href);
  }
}
