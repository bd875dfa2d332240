// The keep-alive pool to services, and which loopback address each service port answers on.
// Dev servers differ: most bind 127.0.0.1 or all interfaces, Vite binds ::1 ("localhost").
// We try 127.0.0.1 first, fall back to ::1 on ECONNREFUSED, and remember what worked.
import { connect } from 'node:net';
import { UpstreamConnection, type ConnectionHome } from './h1-connection.js';

export type LoopbackAddress = '127.0.0.1' | '::1';
const LOOPBACKS: readonly LoopbackAddress[] = ['127.0.0.1', '::1'];

export interface UpstreamPoolOptions {
  /** Idle connections kept per upstream address. */
  maxFreeSockets?: number;
  /** Connections being opened at once per upstream address. */
  maxOpening?: number;
}

// Idle connections kept per address: more concurrent clients than this (wrk -c50, a busy
// HTTP/2 page) would close and reopen connections on every burst.
const DEFAULT_MAX_FREE_SOCKETS = 256;
// A burst of HTTP/2 streams (a page's whole module tree level) would otherwise open one
// connection per stream; a bound on all connections would queue behind long-lived ones.
const DEFAULT_MAX_OPENING = 4;

/** A request waiting for a connection to its service. */
export interface PoolWaiter {
  /** False once the request no longer needs one (its exchange ended meanwhile). */
  stillWaiting(): boolean;
  go(conn: UpstreamConnection): void;
}

/**
 * One upstream address:port: its idle keep-alive connections, the ones in use, and requests
 * waiting for one. Only connections being opened count against the bound, so long-lived
 * responses (SSE, long polls, slow answers) never hold up a new request longer than one
 * connect takes; a burst of short requests mostly reuses connections that came free
 * meanwhile instead of opening one each.
 */
export class AddressPool implements ConnectionHome {
  private opening = 0;
  /** Most recently used last: reused first, so the rest idle out on the service's side. */
  private readonly idle: UpstreamConnection[] = [];
  private readonly all = new Set<UpstreamConnection>();
  private readonly waiting: PoolWaiter[] = [];

  constructor(
    readonly address: LoopbackAddress,
    readonly port: number,
    private readonly maxOpening: number,
    private readonly maxIdle: number,
  ) {}

  /** Gives `waiter` a connection now when one is free or may be opened, else once one is. */
  acquire(waiter: PoolWaiter): void {
    if (this.waiting.length === 0) {
      const conn = this.takeIdle() ?? (this.opening < this.maxOpening ? this.open() : null);
      if (conn !== null) return waiter.go(conn);
    }
    this.waiting.push(waiter);
  }

  opened(): void {
    this.opening -= 1;
    this.next();
  }

  release(conn: UpstreamConnection): void {
    const waiter = this.nextWaiter();
    if (waiter !== undefined) return waiter.go(conn);
    if (this.idle.length >= this.maxIdle) return conn.close();
    conn.idleSince = performance.now();
    this.idle.push(conn);
  }

  gone(conn: UpstreamConnection): void {
    this.all.delete(conn);
    const i = this.idle.lastIndexOf(conn);
    if (i !== -1) this.idle.splice(i, 1);
  }

  destroy(): void {
    this.waiting.length = 0;
    for (const conn of [...this.all]) conn.close();
  }

  private takeIdle(): UpstreamConnection | null {
    let conn = this.idle.pop();
    while (conn !== undefined) {
      // Past the service's keep-alive hint (less a second's margin) the service may be
      // closing it right now: a request sent then would meet a reset.
      if (conn.keepAliveMs === 0 || performance.now() - conn.idleSince < conn.keepAliveMs - 1000) return conn;
      conn.close();
      conn = this.idle.pop();
    }
    return null;
  }

  private open(): UpstreamConnection {
    this.opening += 1;
    const conn = new UpstreamConnection(connect({ host: this.address, port: this.port, noDelay: true }), this);
    this.all.add(conn);
    return conn;
  }

  /** Serves waiting requests while a connection is idle or may be opened. */
  private next(): void {
    for (let waiter = this.nextWaiter(); waiter !== undefined; waiter = this.nextWaiter()) {
      const conn = this.takeIdle() ?? (this.opening < this.maxOpening ? this.open() : null);
      if (conn === null) {
        this.waiting.unshift(waiter);
        return;
      }
      waiter.go(conn);
    }
  }

  /** The first waiting request that still needs a connection; those that ended are dropped. */
  private nextWaiter(): PoolWaiter | undefined {
    let waiter = this.waiting.shift();
    while (waiter !== undefined && !waiter.stillWaiting()) waiter = this.waiting.shift();
    return waiter;
  }
}

export class UpstreamPool {
  private readonly pools = new Map<string, AddressPool>();
  private readonly preferred = new Map<number, LoopbackAddress>();
  private readonly maxFreeSockets: number;
  private readonly maxOpening: number;

  constructor(opts: UpstreamPoolOptions = {}) {
    this.maxFreeSockets = opts.maxFreeSockets ?? DEFAULT_MAX_FREE_SOCKETS;
    this.maxOpening = opts.maxOpening ?? DEFAULT_MAX_OPENING;
  }

  /** One pool per upstream host:port, so one busy service cannot starve another's. */
  poolFor(address: LoopbackAddress, port: number): AddressPool {
    const key = `${address}:${port}`;
    let pool = this.pools.get(key);
    if (pool === undefined) {
      pool = new AddressPool(address, port, this.maxOpening, this.maxFreeSockets);
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Addresses to try for `port`, the one that worked last time first. */
  addressOrder(port: number): LoopbackAddress[] {
    const first = this.preferred.get(port) ?? '127.0.0.1';
    return [first, ...LOOPBACKS.filter((a) => a !== first)];
  }

  remember(port: number, address: LoopbackAddress): void {
    if (this.preferred.get(port) !== address) this.preferred.set(port, address);
  }

  /** Closes every pooled connection (on proxy shutdown). */
  destroy(): void {
    for (const pool of this.pools.values()) pool.destroy();
    this.pools.clear();
  }
}

export function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/** How a failed upstream connection broke, for problem and capture text: 'reset the connection', 'failed (EPIPE)'. */
export function describeUpstreamError(err: Error): string {
  const code = errorCode(err);
  if (code === 'EPROTO') return `sent a response that is ${err.message}`;
  return code === 'ECONNRESET' ? 'reset the connection' : code !== undefined ? `failed (${code})` : `failed (${err.message})`;
}

export function isConnectionRefused(err: unknown): boolean {
  return errorCode(err) === 'ECONNREFUSED';
}

/** Errors that mean the address family or address is not there at all: try the next one. */
export function isAddressUnavailable(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT' || code === 'ENETUNREACH' || code === 'EHOSTUNREACH';
}

/** True when a connect error means "try the other loopback address". */
export function shouldTryNextAddress(err: unknown): boolean {
  return isConnectionRefused(err) || isAddressUnavailable(err);
}
