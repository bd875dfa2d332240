// The tunnel's HTTP/1.1 client side: a raw socket whose request asked to Upgrade (WebSocket
// or any other protocol). The service's 101 goes to the client as it came (the client
// checks its own Sec-WebSocket-Accept); a refusal is relayed as an ordinary response that
// ends with the connection; a problem is a real HTTP error page on the socket.
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { NOOP_RECORDER, type ExchangeRecorder } from '../../capture/index.js';
import type { ProxyContext } from '../context.js';
import { responseHeadersForClient } from '../headers/headers.js';
import { upstreamRequestHeaders } from '../headers/request-headers.js';
import type { ProxyProblem } from '../problems/problems.js';
import { type SentAnswer, writeProblemToSocket } from '../problems/render.js';
import type { UpstreamTarget } from '../target.js';
import { TunnelCapture } from './capture.js';
import { runTunnel, type RefusalAnswer, type RefusalHead, type TunnelClient } from './tunnel.js';

/** `HTTP/1.1 <status> <reason>` + raw headers + blank line, as bytes for a raw socket. */
export function serializeHead(status: number, reason: string, rawHeaders: readonly string[]): Buffer {
  let head = `HTTP/1.1 ${status} ${reason}\r\n`;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}

class Http1UpgradeClient implements TunnelClient {
  readonly goneReason = 'the client closed the connection before the upgrade completed';
  readonly socket: Socket | null;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly req: IncomingMessage,
    readonly duplex: Duplex,
    readonly early: Buffer,
  ) {
    this.socket = 'setNoDelay' in duplex ? (duplex as Socket) : null;
    duplex.on('error', () => duplex.destroy());
  }

  isGone(): boolean {
    return this.duplex.destroyed || !this.duplex.writable;
  }

  sendProblem(problem: ProxyProblem): SentAnswer | null {
    return writeProblemToSocket(this.duplex, problem, this.req.headers.accept);
  }

  switchProblem(): undefined {
    return undefined;
  }

  answerSwitch(upRes: IncomingMessage): { sent: readonly string[] } {
    // Sec-WebSocket-Accept/-Protocol/-Extensions intact.
    this.duplex.write(serializeHead(101, upRes.statusMessage || 'Switching Protocols', upRes.rawHeaders));
    return { sent: upRes.rawHeaders };
  }

  refusalProblem(): undefined {
    return undefined;
  }

  answerRefusal(answer: RefusalAnswer): RefusalHead {
    const { status } = answer;
    const raw = responseHeadersForClient(answer.rawHeaders, this.ctx.viaToken);
    raw.push('Connection', 'close');
    // Without Content-Length the body is delimited by the close (Node has already de-chunked it).
    this.duplex.write(serializeHead(status, answer.statusMessage || http.STATUS_CODES[status] || '', raw));
    return { sent: raw, bodyFollows: true };
  }

  breakOff(): void {
    this.duplex.destroy();
  }

  coupleEnds(upSocket: Socket): void {
    const closeBoth = (): void => {
      this.duplex.destroy();
      upSocket.destroy();
    };
    upSocket.on('error', closeBoth);
    this.duplex.on('error', closeBoth);
    upSocket.on('close', () => this.duplex.destroy());
    this.duplex.on('close', () => upSocket.destroy());
  }
}

/** HTTP/1.1 Upgrade → the service, through the tunnel. */
export function forwardUpgrade(
  ctx: ProxyContext,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: UpstreamTarget,
  recorder: ExchangeRecorder = NOOP_RECORDER,
): void {
  const client = new Http1UpgradeClient(ctx, req, socket, head);
  const request = { target, method: req.method ?? 'GET', headers: upstreamRequestHeaders(req, ctx.viaToken, true) };
  runTunnel(ctx, client, request, new TunnelCapture(recorder, ctx, target));
}
