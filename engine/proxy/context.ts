// Types shared by the proxy's modules and by whoever embeds the proxy.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { BeginMeta, ExchangeRecorder } from '../capture/index.js';
import type { ProxyBackend } from './backend.js';
import type { ExchangeHooks } from './lifecycle/hooks.js';
import type { H2cSessionPool } from './upstream/h2c-pool.js';
import type { UpstreamPool } from './upstream/pool.js';

/** Where `locald.localhost` requests go: the dashboard and engine API, served by the engine. */
export interface DashboardHooks {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** Where the proxy reports each exchange for capture. Recorders never throw and never buffer. */
export interface CaptureSink {
  begin(meta: BeginMeta): ExchangeRecorder;
}

/** Everything the request handlers need, shared by all connections of one ProxyServer. */
export interface ProxyContext {
  backend: ProxyBackend;
  /** The HTTP/1.1 keep-alive pool. Owned and closed by the ProxyServer. */
  pool: UpstreamPool;
  /** The pooled h2c sessions (gRPC, `protocol = "h2c"` services), shared by HTTP/1.1 and HTTP/2 clients. Owned and closed by the ProxyServer. */
  h2c: H2cSessionPool;
  /** `locald-<instanceId>`: our received-by in Via, and what loop detection looks for. */
  viaToken: string;
  upstreamTimeoutMs: number;
  /** The port the proxy listens on, for links and hints on error pages. */
  proxyPort(): number;
  dashboard: DashboardHooks | undefined;
  capture?: CaptureSink | undefined;
  /** Hook points for a rules layer (lifecycle/hooks.ts); undefined costs nothing. */
  hooks?: ExchangeHooks | undefined;
}
