// Pieces both the HTTP and the WebSocket path use to talk to a service.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { UpstreamProtocol } from '../../../shared/config.js';
import type { ServiceState } from '../../../shared/state.js';
import { LOCALD_ONLY_HEADERS } from '../lifecycle/capture.js';
import { addForwardingHeaders, headerValues, normalizeClientIp, stripHopByHop } from '../headers/headers.js';
import type { ProxyContext, ProxyExchange, ProxyObserver, UpstreamTarget } from '../context.js';
import { isAddressUnavailable, isConnectionRefused } from './pool.js';

export function requestProto(req: IncomingMessage): 'http' | 'https' {
  return (req.socket as Partial<TLSSocket>).encrypted === true ? 'https' : 'http';
}

/**
 * Request headers for the service: hop-by-hop and locald's own markers removed,
 * X-Forwarded-*, Forwarded and Via added, Host kept. For upgrades, Connection/Upgrade are
 * put back (they are hop-by-hop).
 */
export function upstreamRequestHeaders(req: IncomingMessage, viaToken: string, upgrade: boolean): string[] {
  let raw = stripHopByHop(req.rawHeaders, { keepTeTrailers: !upgrade, drop: LOCALD_ONLY_HEADERS });
  if (upgrade) {
    const protocol = headerValues(req.rawHeaders, 'upgrade')[0] ?? 'websocket';
    raw.push('Connection', 'Upgrade', 'Upgrade', protocol);
  }
  raw = addForwardingHeaders(raw, {
    clientIp: normalizeClientIp(req.socket.remoteAddress),
    host: req.headers.host,
    proto: requestProto(req),
    viaToken,
  });
  return raw;
}

/** Whether the client's request carries a body (chunked, or a non-zero Content-Length). */
export function requestHasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/** The service's upstream protocol (`protocol` in locald.toml; 'http1' when the state does not say). */
export function serviceProtocol(service: ServiceState): UpstreamProtocol {
  return service.protocol ?? 'http1';
}

/** True when a connect error means "try the other loopback address". */
export function shouldTryNextAddress(err: unknown): boolean {
  return isConnectionRefused(err) || isAddressUnavailable(err);
}

export function newExchange(ctx: ProxyContext, req: IncomingMessage, target: UpstreamTarget, upgrade: boolean): ProxyExchange {
  return {
    id: ctx.nextExchangeId(),
    startedAt: Date.now(),
    project: target.project.name,
    service: target.service.name,
    upstreamTarget: target.path,
    req,
    upgrade,
  };
}

/** Observer calls never break the data path. */
export function notify<K extends keyof ProxyObserver>(
  observer: ProxyObserver | undefined,
  event: K,
  ...args: Parameters<NonNullable<ProxyObserver[K]>>
): void {
  const fn = observer?.[event] as ((...a: unknown[]) => void) | undefined;
  if (fn === undefined) return;
  try {
    fn.apply(observer, args);
  } catch {
    // An observer bug must not take a request down with it.
  }
}
