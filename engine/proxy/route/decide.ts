// Decides what happens to each request: the dashboard, an explained problem, or forwarding
// to a service. HTTP/1.1 messages and HTTP/2 streams go through the same decide().
import type { UpstreamProtocol } from '../../../shared/config.js';
import type { ServiceState } from '../../../shared/state.js';
import { isLoopbackHostname } from '../../routing/host.js';
import { resolveRequest } from '../../routing/resolve.js';
import { viaContains } from '../headers/headers.js';
import type { H2RequestHead } from '../headers/http2-headers.js';
import {
  ERROR_PAGE_LOG_LINES,
  badRequestProblem,
  foreignHostProblem,
  loopDetectedProblem,
  noProjectProblem,
  noRouteProblem,
  routingFailedProblem,
  serviceNoPortProblem,
  serviceStateProblem,
  unknownProjectProblem,
  unknownServiceProblem,
  type ProxyProblem,
} from '../problems/problems.js';
import type { ProxyContext } from '../context.js';
import type { UpstreamTarget } from '../target.js';

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

/** The service's upstream protocol (`protocol` in locald.toml; 'http1' when the state does not say). */
export function serviceProtocol(service: ServiceState): UpstreamProtocol {
  return service.protocol ?? 'http1';
}

function decideUnguarded(ctx: ProxyContext, req: RoutableRequest): Decision {
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
      const target = { project, service, port: service.port ?? 0, path: resolution.upstreamTarget, route: resolution.route?.prefix ?? null };
      if (problem !== undefined || service.port === null) return { kind: 'problem', problem: problem ?? serviceNoPortProblem(project, service), target };
      return { kind: 'forward', target };
    }
  }
}

/** decide() for any request; a backend bug answers one request with a 500 and the proxy keeps serving. */
export function decide(ctx: ProxyContext, req: RoutableRequest): Decision {
  try {
    return decideUnguarded(ctx, req);
  } catch (err) {
    return { kind: 'problem', problem: routingFailedProblem(err) };
  }
}

/** decide() for an HTTP/2 stream: Host is :authority, the target is :path. */
export function decideH2(ctx: ProxyContext, head: H2RequestHead): Decision {
  return decide(ctx, { headers: { host: head.authority }, url: head.path, rawHeaders: head.fields });
}
