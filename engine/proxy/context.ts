// Types shared by the proxy's modules and by whoever embeds the proxy.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ProjectState, ServiceState } from '../../shared/state.js';
import type { BeginMeta, ExchangeRecorder } from '../capture/index.js';
import type { ProxyBackend } from './backend.js';
import type { H2cSessionPool } from './upstream/h2c-pool.js';
import type { ProxyProblem } from './problems/problems.js';
import type { UpstreamPool } from './upstream/pool.js';

/** Where `locald.localhost` requests go: the dashboard and engine API, served by the engine. */
export interface DashboardHooks {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** A request the proxy is forwarding, as observers see it. */
export interface ProxyExchange {
  /** Unique per ProxyServer. */
  id: number;
  /** Epoch ms. */
  startedAt: number;
  project: string;
  service: string;
  /** The origin-form target sent to the service, after any prefix strip. */
  upstreamTarget: string;
  req: IncomingMessage;
  upgrade: boolean;
}

/**
 * Hook point for traffic capture. Called synchronously on the data path: an observer may
 * attach 'data' listeners to the messages it is given, but must never pause or buffer them.
 */
export interface ProxyObserver {
  onRequest?(exchange: ProxyExchange): void;
  /** The service's response (for upgrades: its 101 or refusal). */
  onResponse?(exchange: ProxyExchange, response: IncomingMessage): void;
  /** The exchange ended in a proxy-made error page or an abort. */
  onError?(exchange: ProxyExchange, failure: { problem?: ProxyProblem; error?: Error }): void;
}

/** Where the proxy reports each exchange for capture. Recorders never throw and never buffer. */
export interface CaptureSink {
  begin(meta: BeginMeta): ExchangeRecorder;
}

/** Everything the request handlers need, shared by all connections of one ProxyServer. */
export interface ProxyContext {
  backend: ProxyBackend;
  pool: UpstreamPool;
  /** `locald-<instanceId>`: our received-by in Via, and what loop detection looks for. */
  viaToken: string;
  upstreamTimeoutMs: number;
  /** The port the proxy listens on, for links and hints on error pages. */
  proxyPort(): number;
  dashboard: DashboardHooks | undefined;
  observer: ProxyObserver | undefined;
  capture?: CaptureSink | undefined;
  /**
   * The pooled h2c sessions (gRPC, `protocol = "h2c"` services), shared by HTTP/1.1 and
   * HTTP/2 clients. Owned and closed by the Http2Frontend, which fills this in.
   */
  h2c?: H2cSessionPool | undefined;
  nextExchangeId(): number;
}

/** Where a request is going once routing and the service's state allow it. */
export interface UpstreamTarget {
  project: ProjectState;
  service: ServiceState;
  port: number;
  /** Origin-form path + query, raw. */
  path: string;
  /** The matched route prefix; null when the service was addressed by host. */
  route?: string | null;
}
