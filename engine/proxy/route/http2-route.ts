// Routing for HTTP/2 streams, through the same decide() as HTTP/1.1 requests.
import { decide, type Decision } from './dispatch.js';
import type { H2RequestHead } from '../headers/http2-headers.js';
import type { ProxyContext } from '../context.js';

/** decide() reads Host, the request target and the raw headers; an HTTP/2 stream has all three. */
export function decideH2(ctx: ProxyContext, head: H2RequestHead): Decision {
  try {
    return decide(ctx, { headers: { host: head.authority }, url: head.path, rawHeaders: head.fields });
  } catch (err) {
    return {
      kind: 'problem',
      problem: { status: 500, code: 'upstream-error', title: 'Internal error', detail: `locald failed to route this request: ${(err as Error).message}` },
    };
  }
}
