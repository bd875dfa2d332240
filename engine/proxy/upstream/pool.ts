// The keep-alive pool to services, and which loopback address each service port answers on.
// Dev servers differ: most bind 127.0.0.1 or all interfaces, Vite binds ::1 ("localhost").
// We try 127.0.0.1 first, fall back to ::1 on ECONNREFUSED, and remember what worked.
import http from 'node:http';

export type LoopbackAddress = '127.0.0.1' | '::1';
const LOOPBACKS: readonly LoopbackAddress[] = ['127.0.0.1', '::1'];

export interface UpstreamPoolOptions {
  /** Idle connections kept per upstream address. */
  maxFreeSockets?: number;
}

export class UpstreamPool {
  private readonly agents = new Map<string, http.Agent>();
  private readonly preferred = new Map<number, LoopbackAddress>();
  private readonly maxFreeSockets: number;

  constructor(opts: UpstreamPoolOptions = {}) {
    this.maxFreeSockets = opts.maxFreeSockets ?? 256;
  }

  /** One keep-alive agent per upstream host:port, so one busy service cannot starve another's pool. */
  agentFor(address: LoopbackAddress, port: number): http.Agent {
    const key = `${address}:${port}`;
    let agent = this.agents.get(key);
    if (agent === undefined) {
      // lifo: reuse the most recently used socket, letting the rest idle out on the service's side.
      agent = new http.Agent({ keepAlive: true, maxFreeSockets: this.maxFreeSockets, scheduling: 'lifo' });
      this.agents.set(key, agent);
    }
    return agent;
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
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
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
