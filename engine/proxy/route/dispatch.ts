// Decide, then dispatch: the one place a routed request becomes a dashboard hand-over, a
// problem answered by the proxy, or an Exchange (lifecycle/) to the service over HTTP/1.1
// or h2c. HTTP/1.1 requests, HTTP/2 streams and gRPC-Web calls all come through here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExchangeKind } from '../../../shared/traffic.js';
import { NOOP_RECORDER, type ExchangeRecorder } from '../../capture/index.js';
import { upgradeProtocol } from '../headers/headers.js';
import { beginCapture, beginHttp1Capture, recordProblem } from '../lifecycle/capture.js';
import type { ClientSide } from '../lifecycle/client.js';
import { Http1Client } from '../lifecycle/client-http1.js';
import { Exchange } from '../lifecycle/exchange.js';
import { connectNotSupportedProblem, dashboardUnavailableProblem, h2cUpgradeRefusedProblem, type ProxyProblem } from '../problems/problems.js';
import { writeProblemToSocket } from '../problems/render.js';
import { H2cUpstream } from '../upstream/h2c-exchange.js';
import { Http1Upstream } from '../upstream/http1-exchange.js';
import type { ProxyContext } from '../context.js';
import type { UpstreamTarget } from '../target.js';
import { forwardUpgrade } from '../tunnel/http1-client.js';
import { decide, serviceProtocol, type Decision } from './decide.js';

function beginFor(ctx: ProxyContext, client: ClientSide, target: UpstreamTarget | null, kind: ExchangeKind): ExchangeRecorder {
  return ctx.capture === undefined ? NOOP_RECORDER : beginCapture(ctx, client.arrived(), target, kind);
}

/** Answers `client` with `problem` and records it as the exchange's outcome. */
export function answerProblem(ctx: ProxyContext, client: ClientSide, problem: ProxyProblem, target: UpstreamTarget | null, kind: ExchangeKind): void {
  const recorder = beginFor(ctx, client, target, kind);
  const { sent, status } = client.problem(problem);
  recordProblem(recorder, problem, ctx, target, sent, status);
}

/**
 * HTTP/1.1 and HTTP/2 clients go over h2c to `protocol = "h2c"` services, and so do gRPC
 * calls (a replayed call, curl): gRPC needs HTTP/2, so HTTP/1.1 could never reach the service.
 */
function upstreamFor(ctx: ProxyContext, client: ClientSide, target: UpstreamTarget): H2cUpstream | Http1Upstream {
  return serviceProtocol(target.service) === 'h2c' || client.streamingCall ? new H2cUpstream(ctx.h2c) : new Http1Upstream(ctx.pool);
}

export function dispatch(ctx: ProxyContext, client: ClientSide, decision: Decision, kind: ExchangeKind): void {
  switch (decision.kind) {
    case 'dashboard':
      client.toDashboard(ctx.dashboard);
      return;
    case 'problem':
      answerProblem(ctx, client, decision.problem, decision.target ?? null, kind);
      return;
    case 'forward': {
      const { target } = decision;
      const recorder = beginFor(ctx, client, target, kind);
      new Exchange(ctx, client, target, recorder, upstreamFor(ctx, client, target), kind).start();
      return;
    }
  }
}

export function handleRequest(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse): void {
  dispatch(ctx, new Http1Client(req, res), decide(ctx, req), 'http');
}

/** CONNECT asks for a forward proxy, which locald is not. */
export function handleConnect(req: IncomingMessage, socket: Duplex): void {
  socket.on('error', () => socket.destroy());
  writeProblemToSocket(socket, connectNotSupportedProblem(), req.headers.accept);
}

export function handleUpgrade(ctx: ProxyContext, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const decision = decide(ctx, req);
  switch (decision.kind) {
    case 'dashboard':
      if (ctx.dashboard !== undefined) ctx.dashboard.handleUpgrade(req, socket, head);
      else writeProblemToSocket(socket, dashboardUnavailableProblem(), req.headers.accept);
      return;
    case 'problem': {
      socket.on('error', () => socket.destroy());
      const recorder = beginHttp1Capture(ctx, req, decision.target ?? null, 'websocket');
      recordProblem(recorder, decision.problem, ctx, decision.target ?? null, writeProblemToSocket(socket, decision.problem, req.headers.accept));
      return;
    }
    case 'forward': {
      const recorder = beginHttp1Capture(ctx, req, decision.target, 'websocket');
      if (serviceProtocol(decision.target.service) === 'h2c') {
        // HTTP/2 has no Upgrade, and extended CONNECT (RFC 8441) is not bridged: refuse clearly.
        socket.on('error', () => socket.destroy());
        const { project, service, port } = decision.target;
        const problem = h2cUpgradeRefusedProblem(project, service, port, upgradeProtocol(req.rawHeaders) ?? 'another protocol');
        recordProblem(recorder, problem, ctx, decision.target, writeProblemToSocket(socket, problem, req.headers.accept));
        return;
      }
      forwardUpgrade(ctx, req, socket, head, decision.target, recorder);
      return;
    }
  }
}
