// Decides what happens to each request: dashboard, an explained error, or forwarding.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { isLoopbackHostname } from '../../routing/host.js';
import { resolveRequest } from '../../routing/resolve.js';
import { sendProblem, writeProblemToSocket } from '../problems/render.js';
import { serviceProtocol } from '../upstream/forwarding.js';
import { isGrpcContentType } from '../grpc/status.js';
import { H2cSessionPool } from '../upstream/h2c-pool.js';
import { forwardHttp1ToH2c, h2cUpgradeRefusedProblem } from '../lifecycle/h2c-http1.js';
import { upgradeProtocol, viaContains } from '../headers/headers.js';
import { beginHttp1Capture, recordProblem } from '../lifecycle/capture.js';
import { forwardHttp } from '../lifecycle/http1.js';
import {
  ERROR_PAGE_LOG_LINES,
  badRequestProblem,
  dashboardUnavailableProblem,
  foreignHostProblem,
  loopDetectedProblem,
  noProjectProblem,
  noRouteProblem,
  serviceNoPortProblem,
  serviceStateProblem,
  unknownProjectProblem,
  unknownServiceProblem,
  type ProxyProblem,
} from '../problems/problems.js';
import type { ProxyContext, UpstreamTarget } from '../context.js';
import { forwardUpgrade } from '../websocket.js';

export type Decision =
  | { kind: 'dashboard' }
  /** `target` is set when the request reached a service whose state explains the failure. */
  | { kind: 'problem'; problem: ProxyProblem; target?: UpstreamTarget }
  | { kind: 'forward'; target: UpstreamTarget };

/** What routing reads of a request: HTTP/1.1 messages and HTTP/2 streams both supply it. */
export interface RoutableRequest {
  headers: { host?: string | undefined };
  url?: string | undefined;
  /** For Via loop detection. */
  rawHeaders: readonly string[];
}

export function decide(ctx: ProxyContext, req: RoutableRequest): Decision {
  if (viaContains(req.rawHeaders, ctx.viaToken)) return { kind: 'problem', problem: loopDetectedProblem(ctx.viaToken) };
  const { backend } = ctx;
  const resolution = resolveRequest(req.headers.host, req.url ?? '/', (name) => backend.getProject(name));
  switch (resolution.kind) {
    case 'dashboard':
      return { kind: 'dashboard' };
    case 'bad-request':
      return { kind: 'problem', problem: badRequestProblem(resolution.reason) };
    case 'no-project':
      if (!isLoopbackHostname(resolution.hostname)) return { kind: 'problem', problem: foreignHostProblem() };
      return { kind: 'problem', problem: noProjectProblem(resolution.hostname, backend.listProjects(), ctx.proxyPort()) };
    case 'unknown-project':
      return { kind: 'problem', problem: unknownProjectProblem(resolution.project, backend.listProjects(), ctx.proxyPort()) };
    case 'unknown-service':
      return { kind: 'problem', problem: unknownServiceProblem(resolution.project, resolution.service) };
    case 'no-route':
      return { kind: 'problem', problem: noRouteProblem(resolution.project, resolution.path) };
    case 'target': {
      const { project, service } = resolution;
      const problem = serviceStateProblem(
        project,
        service,
        () => backend.recentLogs(project.name, service.name, ERROR_PAGE_LOG_LINES),
        ctx.proxyPort(),
      );
      if (problem !== undefined || service.port === null) {
        const target = { project, service, port: service.port ?? 0, path: resolution.upstreamTarget, route: resolution.route?.prefix ?? null };
        return { kind: 'problem', problem: problem ?? serviceNoPortProblem(project, service), target };
      }
      return {
        kind: 'forward',
        target: { project, service, port: service.port, path: resolution.upstreamTarget, route: resolution.route?.prefix ?? null },
      };
    }
  }
}

/**
 * HTTP/1.1 requests go over h2c to `protocol = "h2c"` services, and so do gRPC requests
 * (a replayed call, curl): gRPC needs HTTP/2, so HTTP/1.1 could never reach the service.
 */
function wantsH2c(target: UpstreamTarget, req: IncomingMessage): boolean {
  return serviceProtocol(target.service) === 'h2c' || isGrpcContentType(req.headers['content-type']);
}

/** The frontend's shared pool; a pool of our own only if the proxy was assembled without one. */
function h2cPool(ctx: ProxyContext): H2cSessionPool {
  ctx.h2c ??= new H2cSessionPool(ctx.pool);
  return ctx.h2c;
}

function safeDecide(ctx: ProxyContext, req: IncomingMessage): Decision {
  try {
    return decide(ctx, req);
  } catch (err) {
    // A backend bug answers one request with a 500; the proxy keeps serving.
    return {
      kind: 'problem',
      problem: { status: 500, code: 'upstream-error', title: 'Internal error', detail: `locald failed to route this request: ${(err as Error).message}` },
    };
  }
}

export function handleRequest(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse): void {
  const decision = safeDecide(ctx, req);
  switch (decision.kind) {
    case 'dashboard':
      if (ctx.dashboard !== undefined) {
        // We took over 100-continue for the services; the dashboard expects Node's default.
        if (/^100-continue$/i.test(req.headers.expect ?? '')) res.writeContinue();
        ctx.dashboard.handleRequest(req, res);
      } else {
        sendProblem(req, res, dashboardUnavailableProblem());
      }
      return;
    case 'problem': {
      const recorder = beginHttp1Capture(ctx, req, decision.target ?? null);
      recordProblem(recorder, decision.problem, ctx, decision.target ?? null, sendProblem(req, res, decision.problem));
      return;
    }
    case 'forward': {
      const recorder = beginHttp1Capture(ctx, req, decision.target);
      if (wantsH2c(decision.target, req)) forwardHttp1ToH2c(ctx, h2cPool(ctx), req, res, decision.target, recorder);
      else forwardHttp(ctx, req, res, decision.target, recorder);
      return;
    }
  }
}

/** CONNECT asks for a forward proxy, which locald is not. */
export function handleConnect(req: IncomingMessage, socket: Duplex): void {
  socket.on('error', () => socket.destroy());
  writeProblemToSocket(
    socket,
    {
      status: 405,
      code: 'bad-request',
      title: 'CONNECT not supported',
      detail: 'locald is a reverse proxy for <project>.localhost, not a forward proxy; CONNECT is not supported.',
    },
    req.headers.accept,
  );
}

export function handleUpgrade(ctx: ProxyContext, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const decision = safeDecide(ctx, req);
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
