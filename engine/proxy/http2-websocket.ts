// WebSocket over HTTP/2 (RFC 8441): an extended CONNECT stream (`:method CONNECT`,
// `:protocol websocket`) becomes an HTTP/1.1 Upgrade to the service. The proxy makes the
// Sec-WebSocket-Key, checks the service's Sec-WebSocket-Accept, answers the stream with
// :status 200 and then relays bytes both ways: WebSocket frames (masking included) are the
// same on an HTTP/2 stream as on a TCP connection, so nothing is re-framed.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import type { OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { NOOP_RECORDER, type ExchangeRecorder } from '../capture/index.js';
import { beginCapture, recordProblem, type ArrivedRequest } from './lifecycle/capture.js';
import { appendToList, headerValues, responseHeadersForClient, stripHopByHop } from './headers/headers.js';
import type { H2StreamInfo } from './lifecycle/client-h2.js';
import { h2HeadersToRaw, rawToH2Headers, type H2RequestHead } from './headers/http2-headers.js';
import { http1RequestHeaders } from './headers/request-headers.js';
import { resetStream, sendH2Problem } from './problems/h2.js';
import { decideH2, serviceProtocol } from './route/decide.js';
import { dashboardOverH2Problem, h2cUpgradeRefusedProblem, upstreamTimeoutProblem, type ProxyProblem } from './problems/problems.js';
import type { ProxyContext } from './context.js';
import type { UpstreamTarget } from './target.js';
import { UpstreamAttempts, whenConnected } from './upstream/attempts.js';
import { ResponseDeadline } from './upstream/deadline.js';

const { NGHTTP2_CONNECT_ERROR, NGHTTP2_NO_ERROR } = http2.constants;

/** How long a client may keep its side of a stream open after the service closed the WebSocket. */
const HALF_CLOSED_GRACE_MS = 5_000;

/**
 * Whether the HTTP/2 server advertises SETTINGS_ENABLE_CONNECT_PROTOCOL. Off, nghttp2
 * refuses every `:protocol` stream itself and browsers open WebSockets over HTTP/1.1.
 */
export const WEBSOCKET_OVER_H2 = true;

/** RFC 6455 §1.3. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A fresh Sec-WebSocket-Key: 16 random bytes, base64. */
export function newWebSocketKey(): string {
  return randomBytes(16).toString('base64');
}

/** The Sec-WebSocket-Accept a service must answer `key` with. */
export function websocketAccept(key: string): string {
  return createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
}

/** An RFC 8441 stream: CONNECT with a `:protocol` pseudo-header. */
export function isExtendedConnect(head: H2RequestHead): boolean {
  return head.method.toUpperCase() === 'CONNECT' && head.protocol !== undefined;
}

/** Fields only the proxy may set on the upstream handshake (a client's would be stale or forged). */
const HANDSHAKE_OWNED = new Set(['sec-websocket-key', 'sec-websocket-accept']);

/**
 * The service's HTTP/1.1 handshake for an extended CONNECT stream: the client's fields
 * (cookies joined, hop-by-hop removed) with Host from :authority, the forwarding headers,
 * and Connection/Upgrade/Sec-WebSocket-Key/-Version added.
 */
export function websocketUpgradeHeaders(head: H2RequestHead, key: string, forwarding: { clientIp: string; proto: 'http' | 'https'; viaToken: string }): string[] {
  const fields: string[] = [];
  for (let i = 0; i + 1 < head.fields.length; i += 2) {
    const name = head.fields[i] as string;
    if (!HANDSHAKE_OWNED.has(name.toLowerCase())) fields.push(name, head.fields[i + 1] as string);
  }
  // endStreamWithHeaders: the upgrade request itself has no body; the stream's DATA is the tunnel.
  const raw = http1RequestHeaders({ ...head, fields }, true, forwarding);
  raw.push('Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Key', key);
  if (headerValues(raw, 'sec-websocket-version').length === 0) raw.push('Sec-WebSocket-Version', '13');
  return raw;
}

/**
 * The :status 200 answer to the stream: the service's 101 headers that mean something
 * end to end (Sec-WebSocket-Protocol/-Extensions, cookies…), without the connection-level
 * ones and without Sec-WebSocket-Accept, which HTTP/2 does not use.
 */
export function tunnelResponseHeaders(upstreamRaw: readonly string[], viaToken: string): OutgoingHttpHeaders {
  const kept: string[] = [];
  const stripped = stripHopByHop(upstreamRaw);
  for (let i = 0; i + 1 < stripped.length; i += 2) {
    const name = stripped[i] as string;
    if (!HANDSHAKE_OWNED.has(name.toLowerCase()) && name.toLowerCase() !== 'content-length') kept.push(name, stripped[i + 1] as string);
  }
  const headers = rawToH2Headers(appendToList(kept, 'Via', `1.1 ${viaToken}`));
  headers[':status'] = 200;
  return headers;
}

/** Why a 101 does not complete the handshake, or undefined when it does. */
export function handshakeProblemReason(upstreamRaw: readonly string[], key: string): string | undefined {
  const upgrade = headerValues(upstreamRaw, 'upgrade')[0];
  if (upgrade?.trim().toLowerCase() !== 'websocket') return `switched to '${upgrade ?? '(no Upgrade header)'}' instead of websocket`;
  const accepts = headerValues(upstreamRaw, 'sec-websocket-accept');
  if (accepts.length !== 1) return accepts.length === 0 ? 'sent no Sec-WebSocket-Accept' : 'sent more than one Sec-WebSocket-Accept';
  if ((accepts[0] as string).trim() !== websocketAccept(key)) return `sent Sec-WebSocket-Accept '${accepts[0] as string}', which does not match the key locald sent`;
  return undefined;
}

function badHandshakeProblem(target: UpstreamTarget, reason: string): ProxyProblem {
  return {
    status: 502,
    code: 'upstream-error',
    title: 'WebSocket handshake failed',
    detail: `Service '${target.service.name}' (port ${target.port}) answered the WebSocket upgrade but ${reason}.`,
    hint: 'The service must complete an RFC 6455 handshake; a WebSocket library does this for you.',
    extensions: { project: target.project.name, service: target.service.name, port: target.port },
  };
}

function notSwitchedProblem(target: UpstreamTarget, status: number): ProxyProblem {
  return {
    status: 502,
    code: 'upstream-error',
    title: 'Service did not switch to WebSocket',
    detail: `Service '${target.service.name}' (port ${target.port}) answered the WebSocket upgrade with ${status} instead of 101 Switching Protocols.`,
    hint: 'A 2xx to an HTTP/2 extended CONNECT would open the tunnel, so locald reports it instead of relaying it.',
    extensions: { project: target.project.name, service: target.service.name, port: target.port, status },
  };
}

function acceptOf(head: H2RequestHead): string | undefined {
  return headerValues(head.fields, 'accept')[0];
}

/**
 * Routes an extended CONNECT stream like any other (decide()), then bridges it. Only
 * `:protocol websocket` is bridged; any other protocol gets a 501 that says so.
 */
export function handleExtendedConnect(ctx: ProxyContext, stream: ServerHttp2Stream, info: H2StreamInfo, arrived: ArrivedRequest): void {
  const { head } = info;
  const accept = acceptOf(head);
  if ((head.protocol ?? '').toLowerCase() !== 'websocket') {
    const problem: ProxyProblem = {
      status: 501,
      code: 'bad-request',
      title: 'Protocol not supported',
      detail: `locald bridges extended CONNECT only for :protocol websocket (RFC 8441), not for '${head.protocol ?? ''}'.`,
    };
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

function tuneTunnelSocket(socket: Socket): void {
  socket.setTimeout(0);
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 30_000);
}

/** Opens the service's WebSocket over HTTP/1.1 and splices it to the stream. */
export function bridgeH2WebSocket(
  ctx: ProxyContext,
  stream: ServerHttp2Stream,
  info: H2StreamInfo,
  target: UpstreamTarget,
  recorder: ExchangeRecorder = NOOP_RECORDER,
): void {
  const { head } = info;
  const key = newWebSocketKey();
  const headers = websocketUpgradeHeaders(head, key, { clientIp: info.clientIp, proto: info.proto, viaToken: ctx.viaToken });
  recorder.forwarded(target.path, headers, 'http/1.1');
  const port = target.port;
  const attempts = new UpstreamAttempts(ctx.pool, port);
  let current: http.ClientRequest | null = null;
  /** The handshake is over one way or another: no more attempts, no more problems. */
  let settled = false;
  const deadline = new ResponseDeadline(ctx.upstreamTimeoutMs);
  const fail = (problem: ProxyProblem): void => {
    settled = true;
    deadline.clear();
    recordProblem(recorder, problem, ctx, target, sendH2Problem(stream, problem, acceptOf(head), head.method));
  };

  stream.on('error', () => undefined);
  // The client reset the stream (or its connection went) before the handshake finished.
  stream.on('close', () => {
    if (settled) return;
    settled = true;
    deadline.clear();
    current?.destroy();
    recorder.abort('The client closed the WebSocket stream before the service accepted the upgrade.');
  });

  const attempt = (): void => {
    const address = attempts.address();
    // Upgraded connections leave the pool anyway, so they get their own.
    const upReq = http.request({ host: address, port, method: 'GET', path: target.path, headers, agent: false });
    current = upReq;

    upReq.on('socket', (s) => {
      const connected = (): void => {
        if (current !== upReq) return;
        attempts.connected(address, recorder);
      };
      whenConnected(s, connected);
    });
    upReq.on('finish', () => {
      if (settled || current !== upReq) return;
      recorder.requestSent();
      deadline.arm(() => {
        if (settled) return;
        fail(upstreamTimeoutProblem(target.project, target.service, port, ctx.upstreamTimeoutMs));
        upReq.destroy();
      });
    });

    upReq.on('upgrade', (upRes, upSocket: Socket, upHead: Buffer) => {
      deadline.clear();
      if (settled || stream.destroyed || stream.closed) {
        upSocket.destroy();
        return;
      }
      const reason = handshakeProblemReason(upRes.rawHeaders, key);
      if (reason !== undefined) {
        upSocket.destroy();
        fail(badHandshakeProblem(target, reason));
        return;
      }
      settled = true;
      const answer = tunnelResponseHeaders(upRes.rawHeaders, ctx.viaToken);
      try {
        stream.respond(answer);
      } catch (err) {
        upSocket.destroy();
        fail({
          status: 502,
          code: 'upstream-error',
          title: 'Invalid response from service',
          detail: `The service's WebSocket handshake has headers that cannot be forwarded over HTTP/2: ${(err as Error).message}.`,
        });
        return;
      }
      recorder.response(101, upRes.rawHeaders, h2HeadersToRaw(answer));
      splice(stream, upSocket, upHead, recorder);
    });

    // The service declined to switch: relay its answer (a 2xx would read as an open tunnel).
    upReq.on('response', (upRes) => {
      deadline.clear();
      if (settled || current !== upReq) {
        upRes.destroy();
        return;
      }
      const status = upRes.statusCode ?? 502;
      if (status >= 200 && status < 300) {
        upRes.destroy();
        fail(notSwitchedProblem(target, status));
        return;
      }
      settled = true;
      relayRefusal(ctx, stream, upRes, recorder);
    });

    upReq.on('error', (err) => {
      if (current !== upReq || settled) return;
      deadline.clear();
      if (attempts.nextAddress(err)) {
        attempt();
        return;
      }
      fail(attempts.failure(target, err));
    });

    upReq.end();
  };

  attempt();
}

/**
 * Relays bytes both ways until either side goes. A clean end travels as a clean end
 * (FIN ⇄ END_STREAM); a reset or error on either side resets the other: RST_STREAM
 * destroys the service's socket, a broken socket resets the stream with CONNECT_ERROR
 * (RFC 9113 §8.5, which RFC 8441 keeps).
 */
function splice(stream: ServerHttp2Stream, upSocket: Socket, upHead: Buffer, recorder: ExchangeRecorder): void {
  tuneTunnelSocket(upSocket);
  let upstreamEnded = false;
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    recorder.end();
  };
  upSocket.on('end', () => {
    upstreamEnded = true;
  });
  upSocket.on('error', () => undefined);
  upSocket.on('close', () => {
    finish();
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
    finish();
    // A clean close means the service already sent its FIN: let the last bytes drain.
    if (upstreamEnded) upSocket.end();
    else upSocket.destroy();
  });
  if (upHead.length > 0) {
    recorder.websocketFrameBytes('server', upHead);
    stream.write(upHead);
  }
  // Observed in the same tick as pipe() attaches its own listeners.
  upSocket.on('data', (chunk: Buffer) => recorder.websocketFrameBytes('server', chunk));
  stream.on('data', (chunk: Buffer) => recorder.websocketFrameBytes('client', chunk));
  upSocket.pipe(stream);
  stream.pipe(upSocket);
}

/** The service's non-101 answer, relayed as the stream's response. */
function relayRefusal(ctx: ProxyContext, stream: ServerHttp2Stream, upRes: http.IncomingMessage, recorder: ExchangeRecorder): void {
  const status = upRes.statusCode ?? 502;
  const headers = rawToH2Headers(responseHeadersForClient(upRes.rawHeaders, ctx.viaToken));
  headers[':status'] = status;
  const noBody = status === 204 || status === 304;
  upRes.on('error', () => resetStream(stream));
  upRes.on('close', () => {
    if (!upRes.complete) resetStream(stream);
  });
  stream.on('close', () => {
    if (!upRes.complete) upRes.destroy();
  });
  if (stream.destroyed || stream.closed) {
    upRes.destroy();
    return;
  }
  try {
    stream.respond(headers, { endStream: noBody });
  } catch {
    upRes.destroy();
    resetStream(stream);
    return;
  }
  recorder.response(status, upRes.rawHeaders, h2HeadersToRaw(headers));
  upRes.on('data', (chunk: Buffer) => recorder.responseChunk(chunk));
  upRes.on('end', () => recorder.end());
  if (noBody) {
    upRes.resume();
    return;
  }
  upRes.pipe(stream);
}
