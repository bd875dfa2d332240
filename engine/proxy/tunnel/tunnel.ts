// The tunnel state machine, the same for every client protocol: the client's upgrade has
// been routed; ask the service to switch (upstream-upgrade.ts), then
//   101 that the client side accepts → answer the client, splice both ways until either
//                                       side goes (half-close and reset per client protocol)
//   any other answer                 → relayed as the client protocol's response
//   nobody answered / deadline       → a problem in the client protocol
//   client gone first                → the attempt is dropped, capture says so
// What differs between a raw HTTP/1.1 socket and an HTTP/2 stream is behind TunnelClient.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ProxyContext } from '../context.js';
import { unsendableMockProblem, type ProxyProblem } from '../problems/problems.js';
import { localAnswerFields, type LocalAnswer, type RequestVerdict } from '../lifecycle/hooks.js';
import { TunnelHookRequest } from './tunnel-hooks.js';
import type { SentAnswer } from '../problems/render.js';
import type { TunnelCapture } from './capture.js';
import { tuneTunnelSocket } from './socket-tuning.js';
import { UpstreamUpgrade, type UpgradeRequest } from './upstream-upgrade.js';

/** A refusal head as the client got it. */
export interface RefusalHead {
  /** Raw header list as sent, for capture. */
  sent: readonly string[];
  /** False when the head already ended the client's response (HTTP/2 204/304). */
  bodyFollows: boolean;
}

/** An answer that refuses the upgrade: the service's non-101, or a rule's mock. */
export interface RefusalAnswer {
  status: number;
  statusMessage?: string;
  /** Flat `[name, value, …]` as the service sent them (or the mock has them). */
  rawHeaders: readonly string[];
}

/** The client's end of a tunnel: one adapter per client protocol. */
export interface TunnelClient {
  /** The client's side as a byte stream: the raw socket, or the HTTP/2 stream. */
  readonly duplex: Duplex;
  /** The client's TCP socket when it is the tunnel's end itself (tuned like the service's). */
  readonly socket: Socket | null;
  /** Bytes that arrived with the upgrade request, already part of the tunnel. */
  readonly early: Buffer;
  /** What capture records when the client goes before the service answered. */
  readonly goneReason: string;
  /** True when nothing can be written to the client any more. */
  isGone(): boolean;
  /** A problem in the client's protocol; null when nothing could be sent. */
  sendProblem(problem: ProxyProblem): SentAnswer | null;
  /** Why the service's 101 must not open the tunnel, or undefined when it may. */
  switchProblem(upRes: IncomingMessage): ProxyProblem | undefined;
  /** Tells the client the tunnel is open; the headers as sent, or the problem when it cannot. */
  answerSwitch(upRes: IncomingMessage): { sent: readonly string[] } | { problem: ProxyProblem };
  /** Why a non-101 answer must not be relayed as it is, or undefined when it may. */
  refusalProblem(status: number): ProxyProblem | undefined;
  /** Writes the refusal's head; null when the client could not take it (then reset). */
  answerRefusal(answer: RefusalAnswer): RefusalHead | null;
  /** Breaks off the client's side (reset/destroy) after the service broke off. */
  breakOff(): void;
  /** Couples the ends' closing once spliced: a clean end travels as one, a reset as a reset. */
  coupleEnds(upSocket: Socket): void;
}

/**
 * Opens the tunnel for a routed upgrade. This is the hook point for a rules layer (issue 14),
 * before anything goes to the service: it may answer instead of the service (a mock, sent
 * as it is: `answerWithMock`), hold the upgrade
 * (delay: check `client.isGone()` when it resumes), or change `request` (map: another
 * target, path or headers), and then call `openTunnel` with the request it decided on.
 */
export function runTunnel(ctx: ProxyContext, client: TunnelClient, request: UpgradeRequest, capture: TunnelCapture): void {
  const hook = ctx.hooks?.beforeTunnel;
  if (hook === undefined) {
    openTunnel(ctx, client, request, capture);
    return;
  }
  const hooked = new TunnelHookRequest(client, request, capture.recorder, client.socket !== null ? 'http/1.1' : 'h2');
  applyTunnelVerdict(ctx, client, hooked, capture, hook(hooked));
}

/** Acts on a rule's verdict for an upgrade: refuse (a mock or a problem), reset, wait, or open it as decided. */
function applyTunnelVerdict(ctx: ProxyContext, client: TunnelClient, hooked: TunnelHookRequest, capture: TunnelCapture, verdict: RequestVerdict): void {
  if (client.isGone()) {
    capture.clientGone(client.goneReason);
    return;
  }
  if (verdict === undefined) {
    openTunnel(ctx, client, hooked.request(), capture);
    return;
  }
  switch (verdict.kind) {
    case 'answer':
      answerWithMock(client, hooked, capture, verdict.answer);
      return;
    case 'problem':
      capture.failed(verdict.problem, client.sendProblem(verdict.problem));
      return;
    case 'reset':
      client.breakOff();
      capture.clientGone('reset by a rule');
      return;
    case 'delay':
      setTimeout(() => applyTunnelVerdict(ctx, client, hooked, capture, verdict.then), verdict.ms).unref();
      return;
    case 'later':
      verdict.verdict.then(
        (next) => applyTunnelVerdict(ctx, client, hooked, capture, next),
        () => client.breakOff(),
      );
      return;
  }
}

/** Why a mock with `status` cannot answer this upgrade as it is, or undefined when it can. */
function unsendableMockReason(client: TunnelClient, status: number): string | undefined {
  if (status < 200) return 'an interim answer cannot end the upgrade, and a 101 would claim a tunnel that nobody opened';
  // The same limit as for the service's own answer: over HTTP/2 a 2xx opens the tunnel.
  if (client.refusalProblem(status) !== undefined) return `over HTTP/2 a ${status} to an extended CONNECT opens the tunnel (RFC 8441), and there is nothing behind it`;
  return undefined;
}

/** A rule's mock refuses the upgrade with exactly its status, headers and body; capture records it as the proxy's answer. */
function answerWithMock(client: TunnelClient, hooked: TunnelHookRequest, capture: TunnelCapture, answer: LocalAnswer): void {
  const why = unsendableMockReason(client, answer.status);
  if (why !== undefined) {
    const problem = unsendableMockProblem(hooked.target.project, answer.status, why);
    capture.failed(problem, client.sendProblem(problem));
    return;
  }
  const body = answer.status === 204 || answer.status === 304 ? Buffer.alloc(0) : answer.body;
  const head = client.answerRefusal({ status: answer.status, rawHeaders: localAnswerFields(answer, body.length) });
  if (head === null) {
    client.breakOff();
    capture.clientGone(client.goneReason);
    return;
  }
  capture.mocked(answer.status, head.sent, head.bodyFollows ? body : Buffer.alloc(0));
  if (head.bodyFollows) client.duplex.end(body);
  capture.closed();
}

/** Sends `request` to the service and carries the tunnel to its end. */
export function openTunnel(ctx: ProxyContext, client: TunnelClient, request: UpgradeRequest, capture: TunnelCapture): void {
  capture.forwarded(request.target.path, request.headers);
  /** The service's answer (or the failure) has been dealt with: the client going is no longer an abort. */
  let settled = false;
  const fail = (problem: ProxyProblem): void => {
    settled = true;
    capture.failed(problem, client.sendProblem(problem));
  };
  const upstream = new UpstreamUpgrade(ctx, request, capture, {
    switched(upRes, upSocket, upHead) {
      if (client.isGone()) {
        settled = true;
        upSocket.destroy();
        client.duplex.destroy();
        return;
      }
      const problem = client.switchProblem(upRes);
      if (problem !== undefined) {
        upSocket.destroy();
        fail(problem);
        return;
      }
      const answered = client.answerSwitch(upRes);
      if ('problem' in answered) {
        upSocket.destroy();
        fail(answered.problem);
        return;
      }
      settled = true;
      capture.switched(upRes.rawHeaders, answered.sent);
      splice(client, upSocket, upHead, capture);
    },
    refused(upRes) {
      const problem = client.refusalProblem(upRes.statusCode ?? 502);
      if (problem !== undefined) {
        upRes.destroy();
        fail(problem);
        return;
      }
      settled = true;
      relayRefusal(client, upRes, capture);
    },
    failed: fail,
  });
  client.duplex.on('close', () => {
    if (settled) return;
    settled = true;
    upstream.cancel();
    capture.clientGone(client.goneReason);
  });
  upstream.start();
}

/** Relays bytes both ways with backpressure (pipe) until either side goes. */
function splice(client: TunnelClient, upSocket: Socket, upHead: Buffer, capture: TunnelCapture): void {
  tuneTunnelSocket(upSocket);
  if (client.socket !== null) tuneTunnelSocket(client.socket);
  upSocket.on('close', () => capture.closed());
  client.duplex.on('close', () => capture.closed());
  client.coupleEnds(upSocket);
  if (upHead.length > 0) {
    capture.frames('server', upHead);
    client.duplex.write(upHead);
  }
  if (client.early.length > 0) {
    capture.frames('client', client.early);
    upSocket.write(client.early);
  }
  // Observed in the same tick as pipe() attaches its own listeners.
  upSocket.on('data', (chunk: Buffer) => capture.frames('server', chunk));
  client.duplex.on('data', (chunk: Buffer) => capture.frames('client', chunk));
  upSocket.pipe(client.duplex);
  client.duplex.pipe(upSocket);
}

/** The service's non-101 answer, relayed as the client's response, body and all. */
function relayRefusal(client: TunnelClient, upRes: IncomingMessage, capture: TunnelCapture): void {
  upRes.on('error', () => client.breakOff());
  upRes.on('close', () => {
    if (!upRes.complete) client.breakOff();
  });
  client.duplex.on('close', () => {
    if (!upRes.complete) upRes.destroy();
  });
  if (client.isGone()) {
    upRes.destroy();
    return;
  }
  const head = client.answerRefusal({ status: upRes.statusCode ?? 502, statusMessage: upRes.statusMessage, rawHeaders: upRes.rawHeaders });
  if (head === null) {
    upRes.destroy();
    client.breakOff();
    return;
  }
  capture.refused(upRes.statusCode ?? 502, upRes.rawHeaders, head.sent);
  upRes.on('data', (chunk: Buffer) => capture.refusalBody(chunk));
  upRes.on('end', () => capture.closed());
  if (head.bodyFollows) upRes.pipe(client.duplex);
  else upRes.resume();
}
