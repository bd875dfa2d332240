// Request (Host + target) → what the proxy should do with it. Pure: the project lookup is
// passed in, so the same function serves the engine and the tests.
import type { RouteConfig } from '../../shared/config.js';
import type { ProjectState, ServiceState } from '../../shared/state.js';
import { parseHost } from './host.js';
import { matchRoute, normalizeTargetPath, splitTarget } from './path.js';

export type Resolution =
  | { kind: 'dashboard' }
  | { kind: 'bad-request'; reason: string }
  /** The host names no project (`localhost`, an IP, a foreign name). */
  | { kind: 'no-project'; hostname: string }
  | { kind: 'unknown-project'; project: string }
  | { kind: 'unknown-service'; project: ProjectState; service: string }
  | { kind: 'no-route'; project: ProjectState; path: string }
  | {
      kind: 'target';
      project: ProjectState;
      service: ServiceState;
      /** null when the service was addressed by host (`<service>.<project>.localhost`). */
      route: RouteConfig | null;
      /** Origin-form target to send upstream (raw path + query). */
      upstreamTarget: string;
    };

export interface ParsedRequestTarget {
  /** Authority from an absolute-form target, which overrides Host (RFC 9112 §3.2.2). */
  authority: string | undefined;
  /** Origin-form: starts with '/'. */
  target: string;
}

/** Accepts origin-form (`/x?y`) and absolute-form (`http://host/x?y`) targets. */
export function parseRequestTarget(url: string): ParsedRequestTarget | string {
  if (url.startsWith('/')) return { authority: undefined, target: url };
  const m = /^https?:\/\/([^/?#]*)([^#]*)/i.exec(url);
  if (m !== null) {
    const authority = m[1] ?? '';
    const rest = m[2] ?? '';
    if (authority === '' || authority.includes('@')) return `unsupported request target '${truncate(url)}'`;
    return { authority, target: rest.startsWith('/') ? rest : `/${rest}` };
  }
  if (url === '*') return `'*' is not a resource locald can route`;
  return `the request target '${truncate(url)}' must start with '/'`;
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export function resolveRequest(
  hostHeader: string | undefined,
  url: string,
  lookupProject: (name: string) => ProjectState | undefined,
): Resolution {
  const parsed = parseRequestTarget(url);
  if (typeof parsed === 'string') return { kind: 'bad-request', reason: parsed };
  const host = parseHost(parsed.authority ?? hostHeader);
  switch (host.kind) {
    case 'dashboard':
      return { kind: 'dashboard' };
    case 'invalid':
      return { kind: 'bad-request', reason: host.reason };
    case 'bare':
      return { kind: 'no-project', hostname: host.hostname };
    case 'project':
      break;
  }
  const project = lookupProject(host.project);
  if (project === undefined) return { kind: 'unknown-project', project: host.project };
  // Routed and forwarded without dot-segments, as Caddy and Go's ServeMux do.
  const target = normalizeTargetPath(parsed.target);
  if (host.service !== null) {
    const wanted = host.service;
    const service = project.services.find((s) => s.name.toLowerCase() === wanted);
    if (service === undefined) return { kind: 'unknown-service', project, service: wanted };
    return { kind: 'target', project, service, route: null, upstreamTarget: target };
  }
  const match = matchRoute(project.routes, target);
  if (match === undefined) return { kind: 'no-route', project, path: splitTarget(target).path };
  const service = project.services.find((s) => s.name === match.route.service);
  if (service === undefined) return { kind: 'unknown-service', project, service: match.route.service };
  return { kind: 'target', project, service, route: match.route, upstreamTarget: match.upstreamTarget };
}
