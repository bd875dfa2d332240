// The dashboard at http://locald.localhost:<port>/: the renderer's static files and the
// engine API over a WebSocket, both behind the guard (Host, Origin, per-run token).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import express from 'express';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EngineApi } from '../../shared/api.js';
import { DASHBOARD_HOST } from '../../shared/defaults.js';
import { serveEngineConnection } from '../api/connection.js';
import { checkDashboardAccess, dashboardOrigins, dashboardUrl, tokenCookie } from './guard.js';
import { newToken } from './token-store.js';

export const ENGINE_SOCKET_PATH = '/api/ws';
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface DashboardOptions {
  api: EngineApi;
  /** The proxy's bound port; read lazily because it is known only after listen(). */
  port: () => number;
  /** Built renderer (index.html and assets). */
  staticDir: string;
  /** The token, or where to read the current one (a TokenFile follows rotations); default: new per run. */
  token?: string | { current(): string };
}

export function contentSecurityPolicy(port: number): string {
  const ws = [`ws://${DASHBOARD_HOST}:${port}`, `wss://${DASHBOARD_HOST}:${port}`].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ${ws}`,
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export class Dashboard {
  private readonly app: express.Express;
  private readonly sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private readonly tokenSource: { current(): string };

  constructor(private readonly options: DashboardOptions) {
    const token = options.token ?? newToken();
    this.tokenSource = typeof token === 'string' ? { current: () => token } : token;
    this.app = this.buildApp();
  }

  get token(): string {
    return this.tokenSource.current();
  }

  /** After a token rotation: sockets opened with the old token go; their tabs must show the new URL's cookie. */
  dropSockets(): void {
    for (const client of this.sockets.clients) client.terminate();
  }

  url(): string {
    return dashboardUrl(this.options.port(), this.token);
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const decision = checkDashboardAccess({
      host: req.headers.host,
      origin: req.headers.origin,
      cookie: req.headers.cookie,
      url: req.url ?? '/',
      expectedToken: this.token,
      port: this.options.port(),
    });
    if (!decision.ok) {
      res.writeHead(decision.status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`locald dashboard: ${decision.reason}\n`);
      return;
    }
    if (decision.tokenFrom === 'query') {
      // Trade the token in the URL for a cookie, and drop it from the address bar and history.
      const url = new URL(req.url ?? '/', 'http://x');
      url.searchParams.delete('token');
      res.writeHead(303, { location: url.pathname + url.search, 'set-cookie': tokenCookie(this.token), 'cache-control': 'no-store' });
      res.end();
      return;
    }
    this.app(req as express.Request, res as express.Response);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const decision = checkDashboardAccess({
      host: req.headers.host,
      origin: req.headers.origin,
      cookie: req.headers.cookie,
      url: req.url ?? '/',
      expectedToken: this.token,
      port: this.options.port(),
    });
    const path = (req.url ?? '/').split('?')[0];
    if (!decision.ok || path !== ENGINE_SOCKET_PATH) {
      const status = decision.ok ? 404 : decision.status;
      const reason = decision.ok ? `no WebSocket endpoint at ${path}; use ${ENGINE_SOCKET_PATH}` : decision.reason;
      const body = `locald dashboard: ${reason}\n`;
      socket.end(
        `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : status === 401 ? 'Unauthorized' : status === 421 ? 'Misdirected Request' : 'Forbidden'}\r\n` +
          `content-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
      return;
    }
    this.sockets.handleUpgrade(req, socket, head, (ws) => this.attach(ws));
  }

  close(): void {
    this.dropSockets();
    this.sockets.close();
  }

  private attach(ws: WebSocket): void {
    const connection = serveEngineConnection(this.options.api, (message) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString());
      } catch {
        connection.receive(null);
        return;
      }
      connection.receive(parsed);
    });
    ws.on('close', () => connection.close());
    ws.on('error', () => connection.close());
  }

  private buildApp(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.use((_req, res, next) => {
      res.setHeader('content-security-policy', contentSecurityPolicy(this.options.port()));
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
      res.setHeader('cross-origin-opener-policy', 'same-origin');
      res.setHeader('cross-origin-resource-policy', 'same-origin');
      next();
    });
    app.get('/api/info', (_req, res) => {
      res.json({ origins: dashboardOrigins(this.options.port()), socket: ENGINE_SOCKET_PATH });
    });
    // Looked up per request, not once at start: building the UI while locald runs must be enough.
    app.use(express.static(this.options.staticDir, { index: 'index.html', fallthrough: true, maxAge: 0 }));
    app.use((req, res, next) => {
      if (req.method !== 'GET' || req.path.startsWith('/api/')) return next();
      if (existsSync(join(this.options.staticDir, 'index.html'))) {
        res.sendFile('index.html', { root: this.options.staticDir });
        return;
      }
      res
        .status(503)
        .set('cache-control', 'no-store')
        .type('text/plain')
        .send(`locald dashboard: the UI is not built (${this.options.staticDir} has no index.html). Run \`npm run build:renderer\` in the locald folder, then reload this page.\nThe engine API is available at ${ENGINE_SOCKET_PATH}.\n`);
    });
    return app;
  }
}
