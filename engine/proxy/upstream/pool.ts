// The keep-alive pool to services, and which loopback address each service port answers on.
// Dev servers differ: most bind 127.0.0.1 or all interfaces, Vite binds ::1 ("localhost").
// We try 127.0.0.1 first, fall back to ::1 on ECONNREFUSED, and remember what worked.
import http from 'node:http';

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

/**
 * One upstream address:port: its keep-alive agent, and requests waiting for a connection.
 * Only connections being opened count against the bound, so long-lived responses (SSE, long
 * polls, slow answers) never hold up a new request longer than one connect takes; a burst of
 * short requests mostly reuses connections that came free meanwhile instead of opening one each.
 */
export class AddressPool {
  private opening = 0;
  private readonly waiting: Array<(opens: boolean) => void> = [];

  private readonly onFree = (): void => this.next();

  constructor(
    readonly agent: http.Agent,
    /** The agent's name for this address's connections (`agent.getName`). */
    private readonly name: string,
    private readonly maxOpening: number,
  ) {}

  /**
   * A go-ahead for one request through `agent` when one is free now: true when it opens a new
   * connection (its sender must then call `opened()` once, when that connection is up or
   * failed), false when it reuses an idle one; null when it must wait (`whenReady`).
   */
  claim(): boolean | null {
    if (this.waiting.length > 0 || !this.ready()) return null;
    return this.open();
  }

  /** Runs `send` (see `claim`) now when a request may go, else once one may. */
  whenReady(send: (opens: boolean) => void): void {
    const opens = this.claim();
    if (opens !== null) {
      send(opens);
      return;
    }
    // Listened to only while requests wait: the agent's own 'free' listener (registered
    // first) has put the socket back by the time this one runs.
    if (this.waiting.length === 0) this.agent.on('free', this.onFree);
    this.waiting.push(send);
  }

  /** A connection counted by `claim` is up (or failed): the next waiting request may go. */
  opened(): void {
    this.opening -= 1;
    this.next();
  }

  private ready(): boolean {
    return this.opening < this.maxOpening || this.hasIdle();
  }

  private hasIdle(): boolean {
    // A keyed lookup: for-in over freeSockets (a dictionary object) would list its keys each time.
    return (this.agent.freeSockets[this.name]?.length ?? 0) > 0;
  }

  private open(): boolean {
    const opens = !this.hasIdle();
    if (opens) this.opening += 1;
    return opens;
  }

  private next(): void {
    while (this.waiting.length > 0 && this.ready()) {
      const send = this.waiting.shift() as (opens: boolean) => void;
      if (this.waiting.length === 0) this.agent.off('free', this.onFree);
      send(this.open());
    }
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

  /** One keep-alive agent per upstream host:port, so one busy service cannot starve another's pool. */
  poolFor(address: LoopbackAddress, port: number): AddressPool {
    const key = `${address}:${port}`;
    let pool = this.pools.get(key);
    if (pool === undefined) {
      // lifo: reuse the most recently used socket, letting the rest idle out on the service's side.
      const agent = new http.Agent({ keepAlive: true, maxFreeSockets: this.maxFreeSockets, scheduling: 'lifo' });
      pool = new AddressPool(agent, agent.getName({ host: address, port }), this.maxOpening);
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
    for (const pool of this.pools.values()) pool.agent.destroy();
    this.pools.clear();
  }
}

export function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/** How a failed upstream connection broke, for problem and capture text: 'reset the connection', 'failed (EPIPE)'. */
export function describeUpstreamError(err: Error): string {
  const code = errorCode(err);
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
