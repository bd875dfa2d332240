// The tunnel's HTTP/2 client side (RFC 8441): an extended CONNECT stream (`:method CONNECT`,
// `:protocol websocket`) is routed like any stream, then rewritten into an HTTP/1.1 Upgrade
// (websocket-handshake.ts) and sent down the same tunnel as an HTTP/1.1 client's. What is
// HTTP/2's own: the proxy checks the service's Sec-WebSocket-Accept, the stream is answered
// with :status 200, a 2xx refusal would read as an open tunnel, and ends travel as
// END_STREAM / RST_STREAM. WebSocket frames (masking included) are the same on a stream as
// on a TCP connection, so nothing is re-framed.
import type { IncomingMessage } from 'node:http';
import http2 from 'node:http2';
import type { ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { NOOP_RECORDER, type ExchangeRecorder } from '../../capture/index.js';
import type { ProxyContext } from '../context.js';
import { responseHeadersForClient } from '../headers/headers.js';
import { type H2RequestHead, fieldValue, h2HeadersToRaw, rawToH2Headers } from '../headers/http2-headers.js';
import { type ArrivedRequest, beginCapture, recordProblem } from '../lifecycle/capture.js';
import type { H2StreamInfo } from '../lifecycle/client-h2.js';
import { resetStream, sendH2Problem } from '../problems/h2.js';
import {
  type ProxyProblem,
  badHandshakeProblem,
  dashboardOverH2Problem,
  h2cUpgradeRefusedProblem,
  invalidResponseHeadProblem,
  notSwitchedProblem,
  unsupportedExtendedConnectProblem,
} from '../problems/problems.js';
import type { SentAnswer } from '../problems/render.js';
import { decideH2, serviceProtocol } from '../route/decide.js';
import type { UpstreamTarget } from '../target.js';
import { TunnelCapture } from './capture.js';
import { runTunnel, type RefusalAnswer, type RefusalHead, type TunnelClient } from './tunnel.js';
import {
  handshakeProblemReason,
  newWebSocketKey,
  tunnelResponseHeaders,
  websocketUpgradeHeaders,
} from './websocket-handshake.js';

const { NGHTTP2_CONNECT_ERROR, NGHTTP2_NO_ERROR } = http2.constants;

/** How long a client may keep its side of a stream open after the service closed the WebSocket. */
const HALF_CLOSED_GRACE_MS = 5_000;

function acceptOf(head: H2RequestHead): string | undefined {
  return fieldValue(head.fields, 'accept');
}

class Http2StreamClient implements TunnelClient {
  readonly goneReason = 'The client closed the WebSocket stream before the service accepted the upgrade.';
  readonly socket = null;
  readonly early = Buffer.alloc(0);

  constructor(
    private readonly ctx: ProxyContext,
    readonly duplex: ServerHttp2Stream,
    private readonly head: H2RequestHead,
    private readonly target: UpstreamTarget,
    /** The Sec-WebSocket-Key the proxy sent; the service's 101 must match it. */
    private readonly key: string,
  ) {
    duplex.on('error', () => undefined);
  }

  isGone(): boolean {
    return this.duplex.destroyed || this.duplex.closed;
  }

  sendProblem(problem: ProxyProblem): SentAnswer | null {
    return sendH2Problem(this.duplex, problem, acceptOf(this.head), this.head.method);
  }

  switchProblem(upRes: IncomingMessage): ProxyProblem | undefined {
    const reason = handshakeProblemReason(upRes.rawHeaders, this.key);
    return reason === undefined ? undefined : badHandshakeProblem(this.target, reason);
  }

  answerSwitch(upRes: IncomingMessage): { sent: readonly string[] } | { problem: ProxyProblem } {
    const answer = tunnelResponseHeaders(upRes.rawHeaders, this.ctx.viaToken);
    try {
      this.duplex.respond(answer);
    } catch (err) {
      return { problem: invalidResponseHeadProblem(err as Error, ' over HTTP/2') };
    }
    return { sent: h2HeadersToRaw(answer) };
  }

  refusalProblem(status: number): ProxyProblem | undefined {
    return status >= 200 && status < 300 ? notSwitchedProblem(this.target, status) : undefined;
  }

  answerRefusal(answer: RefusalAnswer): RefusalHead | null {
    const { status } = answer;
    const headers = rawToH2Headers(responseHeadersForClient(answer.rawHeaders, this.ctx.viaToken));
    headers[':status'] = status;
    const noBody = status === 204 || status === 304;
    try {
      this.duplex.respond(headers, { endStream: noBody });
    } catch {
      return null;
    }
    return { sent: h2HeadersToRaw(headers), bodyFollows: !noBody };
  }

  breakOff(): void {
    resetStream(this.duplex);
  }

  /**
   * A clean end travels as a clean end (FIN ⇄ END_STREAM); a reset or error on either side
   * resets the other: RST_STREAM destroys the service's socket, a broken socket resets the
   * stream with CONNECT_ERROR (RFC 9113 §8.5, which RFC 8441 keeps).
   */
  coupleEnds(upSocket: Socket): void {
    const stream = this.duplex;
    let upstreamEnded = false;
    upSocket.on('end', () => {
      upstreamEnded = true;
    });
    upSocket.on('error', () => undefined);
    upSocket.on('close', () => {
      if (stream.closed || stream.destroyed) return;
      // A socket that closed without its FIN (reset, error) must not look like a clean end.
      if (!upstreamEnded) {
        stream.close(NGHTTP2_CONNECT_ERROR);
        return;
      }
      // The service is gone and our END_STREAM is on its way; a client that keeps its own
      // side open would pin the stream forever, so it gets a grace period, then RST_STREAM
      // NO_ERROR. (Not at once: the reset could overtake the last DATA frames.)
      const timer = setTimeout(() => {
        if (!stream.closed && !stream.destroyed) stream.close(NGHTTP2_NO_ERROR);
      }, HALF_CLOSED_GRACE_MS);
      timer.unref();
      stream.once('close', () => clearTimeout(timer));
    });
    stream.on('close', () => {
      // A clean close means the service already sent its FIN: let the last bytes drain.
      if (upstreamEnded) upSocket.end();
      else upSocket.destroy();
    });
  }
}

/**
 * Routes an extended CONNECT stream like any other (decide()), then bridges it. Only
 * `:protocol websocket` is bridged; any other protocol gets a 501 that says so.
 */
export function handleExtendedConnect(ctx: ProxyContext, stream: ServerHttp2Stream, info: H2StreamInfo, arrived: ArrivedRequest): void {
  const { head } = info;
  const accept = acceptOf(head);
  if ((head.protocol ?? '').toLowerCase() !== 'websocket') {
    const problem = unsupportedExtendedConnectProblem(head.protocol ?? '');
    recordProblem(beginCapture(ctx, arrived, null), problem, ctx, null, sendH2Problem(stream, problem, accept, head.method));
    return;
  }
  const decision = decideH2(ctx, head);
  switch (decision.kind) {
    case 'dashboard':
      sendH2Problem(stream, dashboardOverH2Problem(), accept, head.method);
      return;
    case 'problem': {
      const target = decision.target ?? null;
      recordProblem(beginCapture(ctx, arrived, target, 'websocket'), decision.problem, ctx, target, sendH2Problem(stream, decision.problem, accept, head.method));
      return;
    }
    case 'forward': {
      const recorder = beginCapture(ctx, arrived, decision.target, 'websocket');
      if (serviceProtocol(decision.target.service) === 'h2c') {
        const { project, service, port } = decision.target;
        const problem = h2cUpgradeRefusedProblem(project, service, port, 'websocket');
        recordProblem(recorder, problem, ctx, decision.target, sendH2Problem(stream, problem, accept, head.method));
        return;
      }
      bridgeH2WebSocket(ctx, stream, info, decision.target, recorder);
      return;
    }
  }
}

/** The stream's WebSocket, opened to the service as an HTTP/1.1 Upgrade through the tunnel. */
export function bridgeH2WebSocket(
  ctx: ProxyContext,
  stream: ServerHttp2Stream,
  info: H2StreamInfo,
  target: UpstreamTarget,
  recorder: ExchangeRecorder = NOOP_RECORDER,
): void {
  const key = newWebSocketKey();
  const headers = websocketUpgradeHeaders(info.head, key, { clientIp: info.clientIp, proto: info.proto, viaToken: ctx.viaToken });
  const client = new Http2StreamClient(ctx, stream, info.head, target, key);
  runTunnel(ctx, client, { target, method: 'GET', headers }, new TunnelCapture(recorder, ctx, target));
}
