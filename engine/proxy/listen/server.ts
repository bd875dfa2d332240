// The proxy's listener: loopback only, one port for every protocol. Each connection's first
// bytes pick its handler; HTTP/1.x goes to a node:http server that never listens itself.
import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { ProxyBackend } from '../backend.js';
import { rawProblemResponse, sendProblem, writeProblemToSocket } from '../problems/render.js';
import { handleGrpcWebHttp1, isGrpcWebContentType } from '../grpc/web-forward.js';
import { isH2cUpgrade, replayWithoutH2cOffer } from './h2c-upgrade.js';
import { handleConnect, handleRequest, handleUpgrade } from '../route/dispatch.js';
import { ambiguousRequestReason, setHeader } from '../headers/headers.js';
import { Http2Frontend } from './http2-server.js';
import { badRequestProblem, unparsableRequestProblem } from '../problems/problems.js';
import { parseRequestTarget } from '../../routing/resolve.js';
import { TLS_HANDSHAKE_FAILURE_ALERT, sniffConnection, type ConnectionKind } from './sniff.js';
import { TlsTerminator, type TlsServerCredentials } from './tls-listener.js';
import type { DashboardHooks, ProxyContext, CaptureSink } from '../context.js';
import type { ExchangeHooks } from '../lifecycle/hooks.js';
import { H2cSessionPool } from '../upstream/h2c-pool.js';
import { UpstreamPool } from '../upstream/pool.js';

export interface ProxyOptions {
  backend: ProxyBackend;
  /** 0 picks a free port (tests). */
  port: number;
  /** Loopback addresses to bind; default ['127.0.0.1', '::1'] (::1 skipped when the machine has no IPv6). */
  host?: string[];
  /** Identifies this proxy in Via, for loop detection. Default: random. */
  instanceId?: string;
  /** How long a service may take to send response headers. Default 60 s. Never applies once a response streams. */
  upstreamTimeoutMs?: number;
  /** Serves `locald.localhost`. Without it that host gets a 404 page. */
  dashboard?: DashboardHooks;
  /** Traffic capture: one recorder per exchange. Without it nothing is recorded. */
  capture?: CaptureSink;
  /** Hook points for a rules layer (see lifecycle/README.md). Without it the lifecycle runs unchanged. */
  hooks?: ExchangeHooks;
  /**
   * HTTPS on the same port: `await secureServerOptions(await LocalCa.open(home), backend)` from
   * engine/tls. Without it TLS connections get a handshake-failure alert.
   */
  tls?: TlsServerCredentials;
  /**
   * How long a new connection has, from accept, to show which protocol it speaks (its first
   * bytes; all 24 of the h2c preface). Absolute, not per byte. Default 30 s.
   */
  sniffDeadlineMs?: number;
  /** An HTTP/2 session with no open stream for this long gets GOAWAY and is closed. Default 60 s. */
  http2IdleTimeoutMs?: number;
}

export interface ListenResult {
  port: number;
  addresses: string[];
}

export type ProxyListenErrorCode = 'port_in_use' | 'permission_denied' | 'address_unavailable' | 'listen_failed';

export class ProxyListenError extends Error {
  constructor(
    message: string,
    readonly code: ProxyListenErrorCode,
    readonly port: number,
    readonly address: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'ProxyListenError';
  }
}

export const DEFAULT_UPSTREAM_TIMEOUT_MS = 60_000;
// Browsers pre-connect and may leave a socket unused a while (Chrome drops its unused ones
// after 10 s): 30 s, as long as the TLS handshake may then take. See decision 0007.
export const DEFAULT_SNIFF_DEADLINE_MS = 30_000;
// Longer than HTTP/1.1's 5 s keep-alive: one session carries a whole page, and pages that
// poll every few seconds should not pay a new connection each time. See decision 0007.
export const DEFAULT_HTTP2_IDLE_TIMEOUT_MS = 60_000;
const DEFAULT_HOSTS = ['127.0.0.1', '::1'];

function isIpv6(host: string): boolean {
  return host.includes(':');
}

function listenError(err: unknown, port: number, address: string): ProxyListenError {
  const code = (err as NodeJS.ErrnoException).code;
  const where = isIpv6(address) ? `[${address}]` : address;
  switch (code) {
    case 'EADDRINUSE':
      return new ProxyListenError(`port ${port} is already in use (on ${where}); pass --http-port to use another`, 'port_in_use', port, address, err);
    case 'EACCES':
    case 'EPERM':
      return new ProxyListenError(`not allowed to listen on port ${port} (on ${where}); pass --http-port with a port above 1023`, 'permission_denied', port, address, err);
    case 'EADDRNOTAVAIL':
      return new ProxyListenError(`cannot listen on ${where}: the address is not available on this machine`, 'address_unavailable', port, address, err);
    default:
      return new ProxyListenError(`cannot listen on ${where}:${port}: ${(err as Error).message}`, 'listen_failed', port, address, err);
  }
}

function listenOn(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ host, port, ipv6Only: isIpv6(host), exclusive: true }, () => {
      server.off('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Answers 400 and closes when the request could mean different things to us and to the service. */
function rejectAmbiguous(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const reason = ambiguousRequestReason(req.rawHeaders);
  if (reason === undefined) return false;
  // Any body is unread: the connection cannot be trusted for another request.
  res.shouldKeepAlive = false;
  sendProblem(req, res, badRequestProblem(reason));
  return true;
}

/**
 * An absolute-form target (`GET http://shop.localhost/x`) routes by its authority and the
 * Host header is replaced by it (RFC 9112 §3.2.2), so the service, the forwarding headers
 * and capture all see the host the request was routed by, and an origin-form target.
 */
function normalizeAbsoluteForm(req: http.IncomingMessage): void {
  const url = req.url ?? '/';
  if (url.startsWith('/')) return;
  const parsed = parseRequestTarget(url);
  if (typeof parsed === 'string' || parsed.authority === undefined) return;
  req.url = parsed.target;
  req.rawHeaders = setHeader(req.rawHeaders, 'Host', parsed.authority);
  req.headers.host = parsed.authority;
}

export class ProxyServer {
  private readonly opts: ProxyOptions;
  private readonly http: http.Server;
  private readonly listeners: net.Server[] = [];
  private readonly sockets = new Set<net.Socket>();
  /** Both pools to the services; the h2c one shares what the HTTP/1.1 one learnt about each port's address. */
  private readonly pool = new UpstreamPool();
  private readonly h2cPool = new H2cSessionPool(this.pool);
  private readonly ctx: ProxyContext;
  private readonly h2: Http2Frontend;
  private readonly tls: TlsTerminator | null;
  private boundPort = 0;
  private closing: Promise<void> | null = null;
  readonly instanceId: string;

  constructor(opts: ProxyOptions) {
    this.opts = opts;
    this.instanceId = opts.instanceId ?? randomBytes(4).toString('hex');
    this.ctx = {
      backend: opts.backend,
      pool: this.pool,
      h2c: this.h2cPool,
      viaToken: `locald-${this.instanceId}`.toLowerCase(),
      upstreamTimeoutMs: opts.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
      proxyPort: () => this.boundPort,
      dashboard: opts.dashboard,
      capture: opts.capture,
      hooks: opts.hooks,
    };
    this.http = http.createServer({
      // Long uploads and streams are fine; only the request head has a deadline.
      requestTimeout: 0,
      headersTimeout: 60_000,
      keepAliveTimeout: 5_000,
      noDelay: true,
    });
    this.http.timeout = 0;
    // A client may send its request and shut down its write side (HTTP/1.0-style scripts,
    // `nc -N`): by default Node aborts the request on that FIN and the answer is lost. With
    // this (Node 20 and 24 honour it) the response is still sent, then the socket ends.
    // See acceptHttp1 for the FIN that comes once a response is already streaming.
    (this.http as http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
    this.h2 = new Http2Frontend(this.ctx, { idleTimeoutMs: opts.http2IdleTimeoutMs ?? DEFAULT_HTTP2_IDLE_TIMEOUT_MS });
    this.tls =
      opts.tls === undefined
        ? null
        : new TlsTerminator({
            credentials: opts.tls,
            onHttp2: (socket) => this.h2.accept(socket),
            onHttp1: (socket) => this.acceptHttp1(socket),
          });
    this.http.on('request', (req, res) => {
      if (rejectAmbiguous(req, res)) return;
      normalizeAbsoluteForm(req);
      if (isGrpcWebContentType(req.headers['content-type'])) handleGrpcWebHttp1(this.ctx, req, res);
      else handleRequest(this.ctx, req, res);
    });
    // Registering checkContinue makes Expect: 100-continue our call: the service decides whether to continue.
    this.http.on('checkContinue', (req, res) => {
      if (rejectAmbiguous(req, res)) return;
      normalizeAbsoluteForm(req);
      handleRequest(this.ctx, req, res);
    });
    this.http.on('upgrade', (req, socket, head) => {
      const ambiguous = ambiguousRequestReason(req.rawHeaders);
      if (ambiguous !== undefined) {
        socket.on('error', () => socket.destroy());
        writeProblemToSocket(socket, badRequestProblem(ambiguous), req.headers.accept);
        return;
      }
      normalizeAbsoluteForm(req);
      // An h2c offer is dropped, not forwarded: the request goes on as plain HTTP/1.1.
      if (isH2cUpgrade(req.rawHeaders)) replayWithoutH2cOffer(this.http, req, socket, head);
      else handleUpgrade(this.ctx, req, socket, head);
    });
    this.http.on('connect', (req, socket) => handleConnect(req, socket));
    this.http.on('clientError', (err, socket) => this.onClientError(err, socket));
  }

  /** The bound port (0 before listen()). */
  get port(): number {
    return this.boundPort;
  }

  async listen(): Promise<ListenResult> {
    if (this.listeners.length > 0 || this.closing !== null) throw new Error('ProxyServer.listen() may be called once');
    const hosts = this.opts.host ?? DEFAULT_HOSTS;
    if (hosts.length === 0) throw new ProxyListenError('no address to listen on', 'listen_failed', this.opts.port, '');
    // With port 0, the first address picks the port and the others must get the same one; retry on a clash.
    const attempts = this.opts.port === 0 ? 5 : 1;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      try {
        return await this.listenAll(hosts);
      } catch (err) {
        lastError = err;
        if (!(err instanceof ProxyListenError) || err.code !== 'port_in_use' || this.opts.port !== 0) break;
      }
    }
    throw lastError;
  }

  private async listenAll(hosts: readonly string[]): Promise<ListenResult> {
    let port = this.opts.port;
    const bound: { server: net.Server; host: string }[] = [];
    try {
      for (const host of hosts) {
        // allowHalfOpen like http.Server's own: a client may send its request and FIN, then read the answer.
        const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.onConnection(socket));
        try {
          port = await listenOn(server, host, port);
          bound.push({ server, host });
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          // ::1 is best effort: a machine without IPv6 still gets the proxy on 127.0.0.1.
          const noFamily = code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT';
          if (isIpv6(host) && noFamily && hosts.some((h) => !isIpv6(h))) continue;
          throw listenError(err, port, host);
        }
      }
      if (bound.length === 0) throw new ProxyListenError(`none of ${hosts.join(', ')} could be bound`, 'address_unavailable', port, hosts.join(','));
    } catch (err) {
      await Promise.all(bound.map((b) => closeServer(b.server)));
      throw err;
    }
    this.listeners.push(...bound.map((b) => b.server));
    this.boundPort = port;
    // The http server never listens itself; this arms its header-timeout bookkeeping.
    this.http.emit('listening');
    return { port, addresses: bound.map((b) => b.host) };
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const closed = Promise.all(this.listeners.map(closeServer));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.h2.close();
    this.tls?.close();
    this.h2cPool.close();
    this.pool.destroy();
    this.http.close();
    await closed;
  }

  private onConnection(socket: net.Socket): void {
    if (this.closing !== null) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const onEarlyError = (): void => {
      socket.destroy();
    };
    socket.on('error', onEarlyError);
    // EOF before the first bytes said anything: nothing to answer.
    socket.on('end', onEarlyError);
    // From accept, not from the last byte: an idle timer that every byte restarts let a
    // client dribbling the h2c preface hold the socket 24 times as long.
    const deadline = setTimeout(() => socket.destroy(), this.opts.sniffDeadlineMs ?? DEFAULT_SNIFF_DEADLINE_MS);
    socket.once('close', () => clearTimeout(deadline));
    let seen: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const kind = sniffConnection(seen);
      if (kind === 'undecided') return;
      socket.off('data', onData);
      socket.pause();
      clearTimeout(deadline);
      socket.off('error', onEarlyError);
      socket.off('end', onEarlyError);
      this.dispatch(kind, socket, seen);
    };
    socket.on('data', onData);
  }

  private dispatch(kind: Exclude<ConnectionKind, 'undecided'>, socket: net.Socket, first: Buffer): void {
    switch (kind) {
      case 'http1':
        socket.unshift(first);
        this.acceptHttp1(socket);
        socket.resume();
        return;
      case 'h2c':
        socket.on('error', () => socket.destroy());
        socket.unshift(first);
        this.h2.accept(socket);
        return;
      case 'tls':
        socket.on('error', () => socket.destroy());
        if (this.tls === null) {
          socket.end(TLS_HANDSHAKE_FAILURE_ALERT);
          return;
        }
        socket.unshift(first);
        this.tls.accept(socket);
        return;
    }
  }

  private acceptHttp1(socket: Duplex): void {
    this.http.emit('connection', socket);
    // Registered after Node's own 'end' handler. A FIN before the response starts is a
    // half-close (the client still reads: see httpAllowHalfOpen). A FIN while a response is
    // streaming is a client that went away (a closed EventSource): abort as Node would,
    // so the service sees the cancel instead of streaming into the void until a write fails.
    socket.on('end', () => {
      const res = (socket as Duplex & { _httpMessage?: http.ServerResponse | null })._httpMessage;
      if (res?.headersSent === true && !res.writableFinished) socket.destroy();
    });
  }

  private onClientError(err: Error & { code?: string }, socket: Duplex): void {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    // A response already under way cannot be followed by an error page.
    const inProgress = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (inProgress?.headersSent === true) {
      socket.destroy();
      return;
    }
    const problem = unparsableRequestProblem(err.code);
    socket.on('error', () => socket.destroy());
    // Destroy once flushed: the parser is in an error state, so nothing more can be read.
    socket.end(rawProblemResponse(problem, undefined), () => socket.destroy());
  }
}
