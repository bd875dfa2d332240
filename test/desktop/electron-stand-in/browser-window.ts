// BrowserWindow → a real Chromium page (playwright-core, Debian's Chromium) that loads the
// renderer through the handler the shell registered with protocol.handle, with the real
// preload bundle in the page (./page-preload.ts).
//
// Chromium does not know the app:// scheme, so an app URL is shown to Chromium as an
// https URL on a reserved origin (app://locald/x → https://locald.app-scheme.test/x) and
// every request to it is answered by the shell's handler via page.route. Everything the
// shell sees (senderFrame.url, will-navigate URLs, getURL) is translated back to app://.
// https keeps the page a secure context, as Electron's `secure` scheme privilege does.
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page, Request as PlaywrightRequest, Route } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../../e2e/harness.js';
import type { PageToMain } from './page-preload.js';
import { DELIVER, IPC_BINDING, pagePreloadScript, PORT_DELIVER } from './page-preload.js';
import type { PortMainStandIn } from './ports.js';
import type { MissingApiSink } from './strict.js';
import { checkOptions, strict } from './strict.js';

const STAND_IN_SUFFIX = '.app-scheme.test';

export function toChromiumUrl(url: string, scheme: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== `${scheme}:`) return url;
  return `https://${parsed.host}${STAND_IN_SUFFIX}${parsed.pathname}${parsed.search}${parsed.hash}`;
}

export function toAppUrl(url: string, scheme: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' || !parsed.hostname.endsWith(STAND_IN_SUFFIX)) return url;
  return `${scheme}://${parsed.hostname.slice(0, -STAND_IN_SUFFIX.length)}${parsed.pathname}${parsed.search}${parsed.hash}`;
}

type ProtocolHandler = (request: Request) => Response | Promise<Response>;

export interface WindowHost {
  missing: MissingApiSink;
  scheme: string;
  protocolHandler(scheme: string): ProtocolHandler | undefined;
  ipcInvoke(channel: string, event: IpcEvent, args: unknown[]): Promise<unknown>;
  ipcSend(channel: string, event: IpcEvent, args: unknown[]): void;
  webContentsCreated(contents: WebContentsStandIn): void;
  windows: BrowserWindowStandIn[];
}

export interface IpcEvent {
  sender: WebContentsStandIn;
  senderFrame: { url: string };
  ports: unknown[];
}

/** One Chromium per launch, started with the first window (a fresh profile, like a first run). */
export class Chromium {
  private context: Promise<BrowserContext> | null = null;
  private closing: Promise<void> | null = null;
  private readonly profile = mkdtempSync(join(tmpdir(), 'locald-desktop-chromium-'));
  private readonly byPage = new Map<Page, WebContentsStandIn>();
  /** URLs popups tried to load, oldest first, claimed by popupOpened in the order popups open. */
  readonly popupUrls: string[] = [];

  constructor(private readonly host: WindowHost) {}

  contextFor(): Promise<BrowserContext> {
    if (this.closing !== null) return Promise.reject(new Error('the app has quit; no new windows'));
    this.context ??= this.launch();
    return this.context;
  }

  register(page: Page, contents: WebContentsStandIn): void {
    this.byPage.set(page, contents);
  }

  /** Closes the browser (once; later calls wait for the same close) and removes its profile. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.context !== null) await (await this.context).close().catch(() => undefined);
      rmSync(this.profile, { recursive: true, force: true });
    })();
    return this.closing;
  }

  /** The window a request comes from; none for a popup's first navigation (it has no frame yet). */
  private contentsOf(request: PlaywrightRequest): WebContentsStandIn | undefined {
    try {
      return this.byPage.get(request.frame().page());
    } catch {
      return undefined;
    }
  }

  private async launch(): Promise<BrowserContext> {
    const context = await chromium.launchPersistentContext(this.profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    await context.exposeBinding(IPC_BINDING, async ({ page }, message: PageToMain) => {
      const contents = this.byPage.get(page);
      if (contents === undefined) return undefined;
      return contents.fromPage(message);
    });
    // Tests run offline: requests go to the window's app:// handler or nowhere.
    await context.route('**/*', (route) => {
      const contents = this.contentsOf(route.request());
      if (contents !== undefined) return contents.route(route);
      // A popup's first navigation is the URL window.open asked for; it never loads.
      if (route.request().isNavigationRequest()) this.popupUrls.push(route.request().url());
      return route.abort('blockedbyclient');
    });
    // A page the shell did not create (window.open): Electron would have asked
    // setWindowOpenHandler before opening it; here it opened, so it is asked now and closed.
    context.on('page', (page) => {
      if (this.byPage.has(page)) return;
      void page.opener().then((opener) => {
        const contents = opener === null ? undefined : this.byPage.get(opener);
        contents?.popupOpened(page, this);
      });
    });
    return context;
  }
}

let nextContentsId = 1;

export class WebContentsStandIn extends EventEmitter {
  readonly id = nextContentsId++;
  page: Page | null = null;
  destroyed = false;
  windowOpenHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | null = null;
  /** What setWindowOpenHandler answered, for the tests. */
  readonly windowOpenDecisions: Array<{ url: string; action: string }> = [];
  private nextPortId = 1;
  private readonly ports = new Map<number, PortMainStandIn>();
  private toPage: Promise<unknown> = Promise.resolve();
  private loading: string | null = null;

  constructor(private readonly host: WindowHost) {
    super();
  }

  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }): void {
    this.windowOpenHandler = handler;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  getURL(): string {
    return this.page === null ? '' : toAppUrl(this.page.url(), this.host.scheme);
  }

  send(channel: string, ...args: unknown[]): void {
    this.deliver(channel, args, []);
  }

  postMessage(channel: string, message: unknown, transfer: PortMainStandIn[] = []): void {
    const ids = transfer.map((port) => {
      const id = this.nextPortId++;
      this.ports.set(id, port);
      port.nodePort.on('message', (data: unknown) => this.evaluate(`window[${JSON.stringify(PORT_DELIVER)}](${id}, ${JSON.stringify(data)})`));
      return id;
    });
    this.deliver(channel, [message], ids);
  }

  async attach(page: Page, chromium: Chromium): Promise<void> {
    this.page = page;
    page.setDefaultTimeout(15_000);
    chromium.register(page, this);
    const preload = readFileSync(this.preloadPath, 'utf8');
    await page.addInitScript({ content: pagePreloadScript(preload) });
    page.on('close', () => this.destroy());
  }

  preloadPath = '';

  async load(appUrl: string): Promise<void> {
    if (this.page === null) throw new Error('window has no page');
    this.loading = toChromiumUrl(appUrl, this.host.scheme);
    await this.page.goto(this.loading, { waitUntil: 'load' });
    this.loading = null;
    this.emit('did-finish-load');
  }

  async fromPage(message: PageToMain): Promise<unknown> {
    const event: IpcEvent = { sender: this, senderFrame: { url: this.getURL() }, ports: [] };
    switch (message.kind) {
      case 'invoke':
        return this.host.ipcInvoke(message.channel, event, message.args);
      case 'send':
        this.host.ipcSend(message.channel, event, message.args);
        return undefined;
      case 'port':
        this.ports.get(message.id)?.nodePort.postMessage(message.data);
        return undefined;
    }
  }

  popupOpened(popup: Page, chromium: Chromium): void {
    void (async () => {
      const deadline = Date.now() + 5_000;
      while (chromium.popupUrls.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const url = chromium.popupUrls.shift() ?? popup.url();
      const decision = this.windowOpenHandler?.({ url }) ?? { action: 'allow' };
      this.windowOpenDecisions.push({ url, action: decision.action });
      if (decision.action === 'deny') await popup.close();
    })();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const port of this.ports.values()) port.close();
    this.ports.clear();
    this.emit('destroyed');
  }

  async route(route: Route): Promise<void> {
    const request = route.request();
    const url = request.url();
    const appUrl = toAppUrl(url, this.host.scheme);
    if (appUrl !== url) {
      if (request.isNavigationRequest() && url !== this.loading && !this.navigationAllowed(appUrl)) return route.abort('aborted');
      return this.serve(route, appUrl);
    }
    if (request.isNavigationRequest() && request.frame() === this.page?.mainFrame()) {
      // Electron asks will-navigate before a page-initiated navigation leaves.
      if (!this.navigationAllowed(url)) return route.abort('aborted');
    }
    // Tests run offline: nothing else reaches the network.
    return route.abort('blockedbyclient');
  }

  private navigationAllowed(url: string): boolean {
    const event = { defaultPrevented: false, preventDefault: () => (event.defaultPrevented = true) };
    this.emit('will-navigate', event, url);
    return !event.defaultPrevented;
  }

  private async serve(route: Route, appUrl: string): Promise<void> {
    const handler = this.host.protocolHandler(new URL(appUrl).protocol.slice(0, -1));
    if (handler === undefined) return route.abort('failed');
    const request = route.request();
    const response = await handler(new Request(appUrl, { method: request.method(), headers: await request.allHeaders() }));
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => (headers[key] = value));
    await route.fulfill({ status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) });
  }

  private deliver(channel: string, args: unknown[], portIds: number[]): void {
    this.evaluate(`window[${JSON.stringify(DELIVER)}](${JSON.stringify(channel)}, ${JSON.stringify(args)}, ${JSON.stringify(portIds)})`);
  }

  /** main → page messages keep their order, as on Electron's IPC. */
  private evaluate(script: string): void {
    const page = this.page;
    if (page === null || this.destroyed) return;
    this.toPage = this.toPage.then(() => page.evaluate(script)).catch(() => undefined);
  }
}

interface WindowOptions {
  width?: number;
  height?: number;
  minWidth?: number;
  minHeight?: number;
  title?: string;
  show?: boolean;
  webPreferences?: { preload?: string; [key: string]: unknown };
}

const WINDOW_KEYS = ['width', 'height', 'minWidth', 'minHeight', 'title', 'show', 'webPreferences'];

export class BrowserWindowStandIn extends EventEmitter {
  readonly webContents: WebContentsStandIn;
  readonly options: WindowOptions;
  visible: boolean;
  minimized = false;
  focused = false;
  destroyed = false;
  /** Settles when the page has loaded (or failed to). */
  loaded: Promise<void> = Promise.resolve();

  constructor(
    options: WindowOptions,
    private readonly host: WindowHost,
    private readonly chromium: Chromium,
  ) {
    super();
    checkOptions('BrowserWindow', options, WINDOW_KEYS, host.missing);
    this.options = options;
    this.visible = options.show ?? true;
    this.webContents = strict('WebContents', new WebContentsStandIn(host), host.missing);
    this.webContents.preloadPath = options.webPreferences?.preload ?? '';
    this.webContents.on('destroyed', () => this.closed());
    host.windows.push(this);
    host.webContentsCreated(this.webContents);
  }

  loadURL(url: string): Promise<void> {
    this.loaded = (async () => {
      const context = await this.chromium.contextFor();
      const page = await context.newPage();
      await this.webContents.attach(page, this.chromium);
      await this.webContents.load(url);
      this.emit('ready-to-show');
    })();
    return this.loaded;
  }

  get page(): Page | null {
    return this.webContents.page;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  isMinimized(): boolean {
    return this.minimized;
  }

  isVisible(): boolean {
    return this.visible;
  }

  restore(): void {
    this.minimized = false;
  }

  minimize(): void {
    this.minimized = true;
  }

  /** Electron: "Shows and gives focus to the window." */
  show(): void {
    this.visible = true;
    this.focused = true;
  }

  focus(): void {
    this.focused = true;
  }

  close(): void {
    if (this.destroyed) return;
    const page = this.webContents.page;
    if (page !== null) void page.close();
    else this.webContents.destroy();
  }

  private closed(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('closed');
  }
}

export function createBrowserWindow(host: WindowHost, chromium: Chromium) {
  return class BrowserWindow extends BrowserWindowStandIn {
    constructor(options: WindowOptions) {
      super(options, host, chromium);
      return strict('BrowserWindow.instance', this, host.missing);
    }
  };
}
