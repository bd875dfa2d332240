// Security decisions for every BrowserWindow, as pure functions. main.ts only wires
// them to will-navigate, setWindowOpenHandler, ipcMain and the session.
import { isAbsolute, relative, resolve, sep } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'locald';
/** Where the renderer is served from; a standard, secure custom scheme instead of file://. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

function originOf(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** A window may only navigate within the app itself (e.g. a reload or an in-app route). */
export function isAllowedNavigation(url: string, appOrigin: string = APP_ORIGIN): boolean {
  const parsed = parseUrl(url);
  // Node's URL reports origin "null" for custom schemes, so compare scheme and host directly.
  return parsed !== null && originOf(parsed) === appOrigin && parsed.username === '' && parsed.password === '';
}

export type WindowOpenDecision = { action: 'deny'; openExternal?: string };

/** Only http(s) links leave the app, and they go to the user's browser; nothing opens a new Electron window. */
export function windowOpenDecision(url: string): WindowOpenDecision {
  const external = externalUrl(url);
  return external === null ? { action: 'deny' } : { action: 'deny', openExternal: external };
}

/** The normalised http(s) URL to hand to the system browser, or null when it must not be opened. */
export function externalUrl(url: string): string | null {
  const parsed = parseUrl(url);
  if (parsed === null) return null;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  return parsed.href;
}

/** IPC is answered only for frames that show the app's own pages. */
export function isTrustedSender(senderFrameUrl: string | null | undefined, appOrigin: string = APP_ORIGIN): boolean {
  if (typeof senderFrameUrl !== 'string') return false;
  return isAllowedNavigation(senderFrameUrl, appOrigin);
}

/** Every permission (camera, notifications, clipboard-read, …) is refused: the inspector needs none. */
export function permissionDecision(_permission: string): boolean {
  return false;
}

export interface CspOptions {
  /** Extra origins the renderer may connect to, e.g. a dev server's websocket in development. */
  connectSrc?: string[];
  /** Allow the Vite dev server (script/style from its origin). Never set in packaged builds. */
  devServerOrigin?: string;
}

/**
 * The Content-Security-Policy for app pages. The engine is reached over a MessagePort,
 * so no network origin is needed; images may be data:/blob: so captured bodies can be
 * previewed without granting them script.
 */
export function buildCsp(options: CspOptions = {}): string {
  const self = "'self'";
  const dev = options.devServerOrigin !== undefined ? [options.devServerOrigin] : [];
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'none'"]],
    ['script-src', [self, ...dev]],
    ['style-src', [self, "'unsafe-inline'", ...dev]],
    ['img-src', [self, 'data:', 'blob:']],
    ['font-src', [self, 'data:']],
    ['connect-src', [self, ...dev, ...(options.connectSrc ?? [])]],
    ['media-src', [self, 'blob:']],
    ['worker-src', [self, 'blob:']],
    ['frame-src', ["'none'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
  ];
  return directives.map(([name, values]) => `${name} ${values.join(' ')}`).join('; ');
}

/** The subset of Electron's WebPreferences that locald sets; main.ts spreads it into BrowserWindow options. */
export interface SecureWebPreferences {
  preload: string;
  sandbox: true;
  contextIsolation: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  webviewTag: false;
  experimentalFeatures: false;
  navigateOnDragDrop: false;
  safeDialogs: true;
  spellcheck: false;
}

export function secureWebPreferences(preloadPath: string): SecureWebPreferences {
  if (!isAbsolute(preloadPath)) throw new Error(`preload path must be absolute, got "${preloadPath}"`);
  return {
    preload: preloadPath,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

export type AssetResolution = { ok: true; file: string } | { ok: false; status: 400 | 403 | 404; reason: string };

/**
 * Maps an app:// request to a file inside the renderer's build folder. Anything that
 * would escape the folder (`..`, encoded separators, another host) is refused, and
 * paths without an extension fall back to index.html so client-side routes work.
 */
export function resolveAppAsset(requestUrl: string, rootDir: string): AssetResolution {
  const parsed = parseUrl(requestUrl);
  if (parsed === null) return { ok: false, status: 400, reason: 'malformed URL' };
  if (originOf(parsed) !== APP_ORIGIN) return { ok: false, status: 403, reason: `unexpected origin ${originOf(parsed)}` };
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' };
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return { ok: false, status: 400, reason: 'invalid characters in path' };
  const lastSegment = pathname.split('/').pop() ?? '';
  const wanted = pathname === '/' || !lastSegment.includes('.') ? '/index.html' : pathname;
  const root = resolve(rootDir);
  const file = resolve(root, `.${wanted}`);
  const rel = relative(root, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
    return { ok: false, status: 403, reason: 'path escapes the renderer folder' };
  }
  return { ok: true, file };
}
