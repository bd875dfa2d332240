// Routing for HTTP/2 streams, through the same decide() as HTTP/1.1 requests.
import type { IncomingMessage } from 'node:http';
import type { UpstreamProtocol } from '../../shared/config.js';
import type { ServiceState } from '../../shared/state.js';
import { decide, type Decision } from './handler.js';
import type { H2RequestHead } from './http2-headers.js';
import type { ProxyContext } from './types.js';

/**
 * decide() reads only Host, the request target and the raw headers (for Via loop
 * detection); an HTTP/2 stream supplies the same three, so it is given a view with those.
 */
export function decideH2(ctx: ProxyContext, head: H2RequestHead): Decision {
  const view = { headers: { host: head.authority }, url: head.path, rawHeaders: head.fields, method: head.method };
  try {
    return decide(ctx, view as unknown as IncomingMessage);
  } catch (err) {
    return {
      kind: 'problem',
      problem: { status: 500, code: 'upstream-error', title: 'Internal error', detail: `locald failed to route this request: ${(err as Error).message}` },
    };
  }
}

/** The service's upstream protocol ('http1' when the state does not say). */
export function serviceProtocol(service: ServiceState): UpstreamProtocol {
  return service.protocol ?? 'http1';
}
