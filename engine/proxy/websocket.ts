// HTTP/1.1 Upgrade (WebSocket and any other protocol): ask the service to switch; on its
// 101, hand the client the service's 101 untouched and splice the two sockets together.
// Anything else the service says is relayed as a normal response, and a service that is
// not there gets a real HTTP error page, never a silently dropped connection.
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { NOOP_RECORDER, type ExchangeRecorder } from '../capture/index.js';
import { recordProblem } from './lifecycle/capture.js';
import { writeProblemToSocket } from './problems/render.js';
import { upstreamRequestHeaders } from './headers/request-headers.js';
import { responseHeadersForClient } from './headers/headers.js';
import { upstreamTimeoutProblem, type ProxyProblem } from './problems/problems.js';
import type { ProxyContext } from './context.js';
import type { UpstreamTarget } from './target.js';
import { UpstreamAttempts, whenConnected } from './upstream/attempts.js';
import { ResponseDeadline } from './upstream/deadline.js';

/** `HTTP/1.1 <status> <reason>` + raw headers + blank line, as bytes for a raw socket. */
export function serializeHead(status: number, reason: string, rawHeaders: readonly string[]): Buffer {
  let head = `HTTP/1.1 ${status} ${reason}\r\n`;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}

function tuneTunnelSocket(socket: Duplex): void {
  const s = socket as Partial<Socket>;
  s.setTimeout?.(0);
  s.setNoDelay?.(true);
  s.setKeepAlive?.(true, 30_000);
}

export function forwardUpgrade(
  ctx: ProxyContext,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: UpstreamTarget,
  recorder: ExchangeRecorder = NOOP_RECORDER,
): void {
  const headers = upstreamRequestHeaders(req, ctx.viaToken, true);
  recorder.forwarded(target.path, headers, 'http/1.1');
  const port = target.port;
  const attempts = new UpstreamAttempts(ctx.pool, port);
  let current: http.ClientRequest | null = null;
  let settled = false;
  const deadline = new ResponseDeadline(ctx.upstreamTimeoutMs);
  const fail = (problem: ProxyProblem): void => {
    settled = true;
    deadline.clear();
    recordProblem(recorder, problem, ctx, target, writeProblemToSocket(socket, problem, req.headers.accept));
  };

  socket.on('error', () => {
    current?.destroy();
    socket.destroy();
  });
  socket.on('close', () => {
    if (!settled) {
      settled = true;
      deadline.clear();
      current?.destroy();
      recorder.abort('the client closed the connection before the upgrade completed');
    }
  });

  const attempt = (): void => {
    const address = attempts.address();
    // Upgraded connections leave the pool anyway, so they get their own.
    const upReq = http.request({ host: address, port, method: req.method, path: target.path, headers, agent: false });
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
      deadline.arm(() => {
        if (settled) return;
        fail(upstreamTimeoutProblem(target.project, target.service, port, ctx.upstreamTimeoutMs));
        upReq.destroy();
      });
    });

    upReq.on('upgrade', (upRes, upSocket, upHead) => {
      deadline.clear();
      if (settled) {
        upSocket.destroy();
        return;
      }
      settled = true;
      if (!socket.writable) {
        upSocket.destroy();
        socket.destroy();
        return;
      }
      // The service's 101 goes out as it came: Sec-WebSocket-Accept/-Protocol/-Extensions intact.
      recorder.response(101, upRes.rawHeaders, upRes.rawHeaders);
      socket.write(serializeHead(101, upRes.statusMessage || 'Switching Protocols', upRes.rawHeaders));
      if (upHead.length > 0) {
        recorder.websocketFrameBytes('server', upHead);
        socket.write(upHead);
      }
      if (head.length > 0) {
        recorder.websocketFrameBytes('client', head);
        upSocket.write(head);
      }
      tuneTunnelSocket(socket);
      tuneTunnelSocket(upSocket);
      const closeBoth = (): void => {
        socket.destroy();
        upSocket.destroy();
      };
      upSocket.on('error', closeBoth);
      socket.on('error', closeBoth);
      upSocket.on('close', () => {
        recorder.end();
        socket.destroy();
      });
      socket.on('close', () => {
        recorder.end();
        upSocket.destroy();
      });
      // Observed in the same tick as pipe() attaches its own listeners.
      upSocket.on('data', (chunk: Buffer) => recorder.websocketFrameBytes('server', chunk));
      socket.on('data', (chunk: Buffer) => recorder.websocketFrameBytes('client', chunk));
      upSocket.pipe(socket);
      socket.pipe(upSocket);
    });

    // The service declined to switch: relay its answer as an ordinary response, then close.
    upReq.on('response', (upRes) => {
      deadline.clear();
      if (settled) {
        upRes.destroy();
        return;
      }
      settled = true;
      const raw = responseHeadersForClient(upRes.rawHeaders, ctx.viaToken);
      raw.push('Connection', 'close');
      recorder.response(upRes.statusCode ?? 502, upRes.rawHeaders, raw);
      upRes.on('data', (chunk: Buffer) => recorder.responseChunk(chunk));
      upRes.on('end', () => recorder.end());
      // Without Content-Length the body is delimited by the close (Node has already de-chunked it).
      socket.write(serializeHead(upRes.statusCode ?? 502, upRes.statusMessage || http.STATUS_CODES[upRes.statusCode ?? 502] || '', raw));
      upRes.on('error', () => socket.destroy());
      upRes.on('close', () => {
        if (!upRes.complete) socket.destroy();
      });
      upRes.pipe(socket);
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
