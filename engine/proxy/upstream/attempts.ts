// The loopback-address walk every HTTP/1.1 forwarder runs for one request: the address that
// answered last time first, the other one when the first is not there at all, what worked
// remembered for the next request, and the one problem to show when none answered.
// Used by upstream/http1-exchange.ts and tunnel/upstream-upgrade.ts; one instance per request,
// no closures (the HTTP/1.1 path is hot).
import type { Socket } from 'node:net';
import type { ExchangeRecorder } from '../../capture/index.js';
import { connectionRefusedProblem, upstreamErrorProblem, type ProxyProblem } from '../problems/problems.js';
import type { UpstreamTarget } from '../target.js';
import { errorCode, shouldTryNextAddress, type LoopbackAddress, type UpstreamPool } from './pool.js';

// Safe to resend when a pooled connection turns out to have been closed by the service.
const RESENDABLE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** `127.0.0.1:3000` / `[::1]:3000`, as capture shows the upstream. */
export function upstreamLabel(address: LoopbackAddress, port: number): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/** Runs `onConnected` once `socket` is connected: at once for a reused pooled socket, on 'connect' for a new one. */
export function whenConnected(socket: Socket, onConnected: () => void): void {
  if (socket.connecting) socket.once('connect', onConnected);
  else onConnected();
}

export class UpstreamAttempts {
  private readonly order: LoopbackAddress[];
  /** Distinct addresses tried so far, for the connection-refused page. */
  private readonly tried: LoopbackAddress[] = [];
  private index = 0;
  private resent = false;

  constructor(
    private readonly pool: Pick<UpstreamPool, 'addressOrder' | 'remember'>,
    readonly port: number,
  ) {
    this.order = pool.addressOrder(port);
  }

  /** The address the attempt about to start goes to; noted as tried. */
  address(): LoopbackAddress {
    const address = this.order[this.index] as LoopbackAddress;
    if (!this.tried.includes(address)) this.tried.push(address);
    return address;
  }

  /**
   * True (and moved on) when `err` means the current address is not there at all and
   * another one is left to try.
   */
  nextAddress(err: unknown): boolean {
    if (!shouldTryNextAddress(err) || this.index + 1 >= this.order.length) return false;
    this.index += 1;
    return true;
  }

  /**
   * True once per request when the service reset a reused pooled connection and `method`
   * is safe to resend: the service closed the idle socket just as we reused it, so nothing
   * was processed. The caller checks that no body is involved. The next attempt goes to
   * the same address.
   */
  resendAfterReset(err: unknown, reusedSocket: boolean, method: string): boolean {
    if (this.resent || errorCode(err) !== 'ECONNRESET' || !reusedSocket || !RESENDABLE.has(method)) return false;
    this.resent = true;
    return true;
  }

  /** The service answered on `address`: remember it for the port, and tell capture where it went. */
  connected(address: LoopbackAddress, recorder: ExchangeRecorder): void {
    this.pool.remember(this.port, address);
    recorder.upstreamConnected(upstreamLabel(address, this.port));
  }

  /** What the client is shown when the attempt failed with `err` and nothing is left to try. */
  failure(target: UpstreamTarget, err: Error): ProxyProblem {
    return shouldTryNextAddress(err)
      ? connectionRefusedProblem(target.project, target.service, this.port, this.tried)
      : upstreamErrorProblem(target.project, target.service, this.port, err);
  }
}
