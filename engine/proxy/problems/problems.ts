// Why a request could not be proxied, as data. Pure: built from engine state, rendered by
// render.ts as HTML for browsers and RFC 9457 problem+json for everything else.
import type { RouteConfig } from '../../../shared/config.js';
import { DASHBOARD_HOST } from '../../../shared/defaults.js';
import type { LogLine, ProjectState, ServiceState } from '../../../shared/state.js';
import type { UpstreamTarget } from '../target.js';

export type ProblemCode =
  | 'bad-request'
  | 'no-project'
  | 'unknown-project'
  | 'unknown-service'
  | 'no-route'
  | 'dashboard-unavailable'
  | 'loop-detected'
  | 'service-stopped'
  | 'service-starting'
  | 'service-backoff'
  | 'service-stopping'
  | 'service-crashed'
  | 'service-no-port'
  | 'connection-refused'
  | 'upstream-timeout'
  | 'upstream-error'
  | 'rule-fail'
  | 'rule-mock-error';

export interface ProblemLink {
  label: string;
  href?: string;
  note?: string;
}

export interface ProxyProblem {
  status: number;
  code: ProblemCode;
  title: string;
  detail: string;
  /** What the user can do about it. */
  hint?: string;
  /** Sent as Retry-After. */
  retryAfterSeconds?: number;
  /** Browsers reload the page after this many seconds (Refresh header). */
  refreshSeconds?: number;
  /** Shown as a list on the HTML page: running projects, routes, services. */
  links?: ProblemLink[];
  /** The service's last output, oldest first. */
  logs?: string[];
  /** RFC 9457 extension members (project, service, port, exitCode…). */
  extensions?: Record<string, unknown>;
}

/** The problem in one line (detail, then hint): for grpc-message and capture. */
export function problemText(problem: ProxyProblem): string {
  return problem.hint === undefined ? problem.detail : `${problem.detail} ${problem.hint}`;
}

/** Lines of service output shown on crash pages. */
export const ERROR_PAGE_LOG_LINES = 20;

export function problemTypeUri(code: ProblemCode): string {
  return `urn:locald:problem:${code}`;
}

function dashboardUrl(proxyPort: number): string {
  return `http://${DASHBOARD_HOST}:${proxyPort}/`;
}

function projectLinks(projects: readonly ProjectState[]): ProblemLink[] {
  return projects.map((p) => ({ label: p.name, href: p.url, note: p.status }));
}

/** `http://shop.localhost:7700/` + `api` → `http://api.shop.localhost:7700/`. */
export function serviceUrl(project: ProjectState, service: string): string {
  return project.url.replace(/^(\w+:\/\/)/, `$1${service}.`);
}

function routeUrl(project: ProjectState, route: RouteConfig): string {
  return project.url.replace(/\/$/, '') + route.prefix;
}

function projectListProblem(code: 'no-project' | 'unknown-project', title: string, detail: string, projects: readonly ProjectState[], proxyPort: number): ProxyProblem {
  return {
    status: 404,
    code,
    title,
    detail,
    hint:
      projects.length === 0
        ? `No projects are registered. Add one from the locald menu or with \`locald up <dir>\`; the dashboard is at ${dashboardUrl(proxyPort)}`
        : 'Projects are served at http://<project>.localhost:<port>/ and each service at http://<service>.<project>.localhost:<port>/.',
    links: projectLinks(projects),
    extensions: { projects: projects.map((p) => ({ name: p.name, url: p.url, status: p.status })) },
  };
}

export function noProjectProblem(hostname: string, projects: readonly ProjectState[], proxyPort: number): ProxyProblem {
  const shown = hostname === '' ? 'this address' : `'${hostname}'`;
  return projectListProblem('no-project', 'No project here', `locald serves no project at ${shown}.`, projects, proxyPort);
}

export function unknownProjectProblem(name: string, projects: readonly ProjectState[], proxyPort: number): ProxyProblem {
  const p = projectListProblem('unknown-project', 'Unknown project', `There is no project named '${name}'.`, projects, proxyPort);
  p.extensions = { ...p.extensions, project: name };
  return p;
}

export function unknownServiceProblem(project: ProjectState, service: string): ProxyProblem {
  return {
    status: 404,
    code: 'unknown-service',
    title: 'Unknown service',
    detail: `Project '${project.name}' has no service named '${service}'.`,
    hint: `Services are listed in ${project.file}.`,
    links: project.services.map((s) => ({ label: s.name, href: serviceUrl(project, s.name), note: s.status })),
    extensions: { project: project.name, service, services: project.services.map((s) => s.name) },
  };
}

export function noRouteProblem(project: ProjectState, path: string): ProxyProblem {
  return {
    status: 404,
    code: 'no-route',
    title: 'No route for this path',
    detail: `No route of project '${project.name}' matches the path '${path}'.`,
    hint: `Routes are prefixes matched on path segments; add one to [routes] in ${project.file}, or add "/" to catch everything else.`,
    links: project.routes.map((r) => ({
      label: r.prefix,
      href: routeUrl(project, r),
      note: `→ ${r.service}${r.stripPrefix && r.prefix !== '/' ? ' (prefix stripped)' : ''}`,
    })),
    extensions: { project: project.name, path, routes: project.routes.map((r) => ({ ...r })) },
  };
}

export function badRequestProblem(reason: string): ProxyProblem {
  return { status: 400, code: 'bad-request', title: 'Bad request', detail: `locald could not route this request: ${reason}.` };
}

export function dashboardUnavailableProblem(): ProxyProblem {
  return {
    status: 404,
    code: 'dashboard-unavailable',
    title: 'Dashboard not available',
    detail: `The locald dashboard is not served by this process at ${DASHBOARD_HOST}.`,
  };
}

export function loopDetectedProblem(viaToken: string): ProxyProblem {
  return {
    status: 508,
    code: 'loop-detected',
    title: 'Loop detected',
    detail: `This request already passed through this locald proxy (Via: ${viaToken}); forwarding it again would loop forever.`,
    hint: 'A route or a service points back at the locald port. Point it at the service’s own port instead.',
  };
}

function exitDescription(service: ServiceState): string {
  const exit = service.lastExit;
  if (exit === null) return 'stopped unexpectedly';
  if (exit.signal !== null) return `was killed by signal ${exit.signal}`;
  if (exit.code !== null) return `exited with code ${exit.code}`;
  return 'exited';
}

function base(project: ProjectState, service: ServiceState): Record<string, unknown> {
  return { project: project.name, service: service.name, serviceStatus: service.status, port: service.port };
}

// Each proxied connection holds two descriptors (client and service side), so a few thousand
// open WebSockets or SSE streams can reach a default `ulimit -n`.
const OUT_OF_DESCRIPTORS_HINT =
  'locald has reached its open-files limit (ulimit -n): every proxied connection uses two. Close idle connections (WebSockets, event streams) or raise the limit and restart locald.';

function diagnosticsHint(service: ServiceState): string | undefined {
  return service.diagnostics.length > 0 ? service.diagnostics.join('; ') : undefined;
}

/**
 * The problem with sending a request to `service` given its state, or undefined when the
 * proxy should forward it (ready, or unhealthy: it may still answer).
 */
export function serviceStateProblem(
  project: ProjectState,
  service: ServiceState,
  recentLogs: () => readonly LogLine[],
  proxyPort: number,
): ProxyProblem | undefined {
  const name = service.name;
  const logs = (): string[] => recentLogs().map((l) => l.text);
  const startHint =
    project.status === 'stopped'
      ? `Project '${project.name}' is off. Turn it on from the locald menu, the dashboard (${dashboardUrl(proxyPort)}), or run \`locald up ${project.dir}\`.`
      : `Start it from the locald menu or the dashboard (${dashboardUrl(proxyPort)}).`;
  switch (service.status) {
    case 'ready':
    case 'unhealthy':
      return service.port !== null ? undefined : serviceNoPortProblem(project, service);
    case 'stopped':
      return {
        status: 503,
        code: 'service-stopped',
        title: 'Service not running',
        detail: `Service '${name}' of project '${project.name}' is not running.`,
        hint: startHint,
        extensions: base(project, service),
      };
    case 'starting': {
      // While waiting for dependencies there is no process yet, and startedAt is an old run's.
      const elapsedMs = service.pid !== null && service.startedAt !== null ? Math.max(0, Date.now() - service.startedAt) : null;
      const lines = elapsedMs !== null ? logs() : [];
      return {
        status: 503,
        code: 'service-starting',
        title: 'Service starting',
        // The HTML page says it reloads (from refreshSeconds); the JSON is for clients that do not.
        detail: elapsedMs !== null ? `Service '${name}' has been starting for ${Math.floor(elapsedMs / 1000)}s.` : `Service '${name}' is starting.`,
        hint: diagnosticsHint(service) ?? service.reason ?? undefined,
        retryAfterSeconds: 1,
        refreshSeconds: 1,
        logs: lines,
        extensions: { ...base(project, service), elapsedMs, diagnostics: [...service.diagnostics], logs: lines },
      };
    }
    case 'backoff': {
      const wait = service.nextRestartAt !== null ? Math.max(1, Math.ceil((service.nextRestartAt - Date.now()) / 1000)) : 1;
      return {
        status: 503,
        code: 'service-backoff',
        title: 'Service restarting',
        // Not service.reason: it carries the delay as of the exit, a second, stale countdown.
        detail: `Service '${name}' ${exitDescription(service)}; locald restarts it in about ${wait}s.`,
        retryAfterSeconds: wait,
        refreshSeconds: Math.min(wait, 2),
        logs: logs(),
        extensions: {
          ...base(project, service),
          restarts: service.restarts,
          exitCode: service.lastExit?.code ?? null,
          signal: service.lastExit?.signal ?? null,
          logs: logs(),
        },
      };
    }
    case 'stopping':
      return {
        status: 503,
        code: 'service-stopping',
        title: 'Service stopping',
        detail: `Service '${name}' is stopping.`,
        retryAfterSeconds: 2,
        extensions: base(project, service),
      };
    case 'crashed': {
      const lines = logs();
      const gaveUpAfter = service.gaveUpAfter ?? null;
      const hint = gaveUpAfter !== null ? `locald stopped restarting it after ${gaveUpAfter} failed starts in a row. ${startHint}` : startHint;
      return {
        status: 502,
        code: 'service-crashed',
        title: gaveUpAfter !== null ? 'Service keeps crashing' : 'Service crashed',
        detail: `Service '${name}' ${exitDescription(service)}${service.reason !== null ? ` (${service.reason})` : ''}.`,
        hint: lines.length > 0 ? `The last lines it printed are below. ${hint}` : hint,
        logs: lines,
        extensions: {
          ...base(project, service),
          exitCode: service.lastExit?.code ?? null,
          signal: service.lastExit?.signal ?? null,
          ...(gaveUpAfter !== null ? { gaveUpAfter } : {}),
          logs: lines,
        },
      };
    }
  }
}

export function serviceNoPortProblem(project: ProjectState, service: ServiceState): ProxyProblem {
  return {
    status: 502,
    code: 'service-no-port',
    title: 'Service has no port',
    detail: `Service '${service.name}' has no port to send requests to.`,
    hint: `Give it a port in ${project.file}, or route only to services that serve HTTP.`,
    extensions: base(project, service),
  };
}

/** A rule's `fail = 502|503|504`: the failure is on purpose, and the page says which rule to turn off. */
export function ruleFailProblem(project: ProjectState, ruleId: string, status: 502 | 503 | 504): ProxyProblem {
  const titles = { 502: 'Bad gateway (a rule)', 503: 'Service unavailable (a rule)', 504: 'Gateway timeout (a rule)' } as const;
  return {
    status,
    code: 'rule-fail',
    title: titles[status],
    detail: `Rule ${ruleId} of project '${project.name}' answers ${status} to test the client's error handling; the service was not asked.`,
    hint: 'Disable or remove the rule in the inspector\'s Rules view (or locald.rules.toml) to reach the service again.',
    extensions: { project: project.name, ruleId },
  };
}

/**
 * An upgrade a rule's mock cannot answer as it is (`why`: a 1xx/101, or a 2xx that would open
 * an HTTP/2 extended CONNECT's tunnel), so the upgrade is refused with this explanation.
 */
export function unsendableMockProblem(project: ProjectState, status: number, why: string): ProxyProblem {
  return {
    status: 403,
    code: 'rule-fail',
    title: 'Upgrade refused by a rule',
    detail: `A rule of project '${project.name}' mocks this upgrade with ${status}, which cannot be sent as it is: ${why}. The upgrade is refused instead.`,
    hint: 'Give the rule\'s mock a 3xx, 4xx or 5xx status to refuse the upgrade with that answer.',
    extensions: { project: project.name, mockStatus: status },
  };
}

/** A mock whose body could not be read (body_file missing or outside the project). */
export function mockBodyProblem(project: ProjectState, ruleId: string, message: string): ProxyProblem {
  return {
    status: 500,
    code: 'rule-mock-error',
    title: 'Mock body unavailable',
    detail: `Rule ${ruleId} of project '${project.name}' mocks this request, but its body could not be read: ${message}.`,
    hint: 'Fix the rule\'s body_file (a file inside the project folder).',
    extensions: { project: project.name, ruleId },
  };
}

export function connectionRefusedProblem(project: ProjectState, service: ServiceState, port: number, tried: readonly string[]): ProxyProblem {
  const where = tried.map((a) => (a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`)).join(' or ');
  const diag = diagnosticsHint(service);
  return {
    status: 502,
    code: 'connection-refused',
    title: 'Nothing is listening',
    detail: `Nothing is listening on ${where} (service '${service.name}', $PORT=${port}).`,
    hint: diag ?? `Make sure '${service.name}' listens on the port in $PORT (${port}).`,
    extensions: { ...base(project, service), tried: [...tried] },
  };
}

export function upstreamTimeoutProblem(project: ProjectState, service: ServiceState, port: number, timeoutMs: number): ProxyProblem {
  return {
    status: 504,
    code: 'upstream-timeout',
    title: 'Service did not answer',
    detail: `Service '${service.name}' (port ${port}) sent no response headers within ${Math.round(timeoutMs / 100) / 10}s.`,
    extensions: { ...base(project, service), timeoutMs },
  };
}

export function upstreamErrorProblem(project: ProjectState, service: ServiceState, port: number, error: Error): ProxyProblem {
  const code = (error as NodeJS.ErrnoException).code;
  return {
    status: 502,
    code: 'upstream-error',
    title: 'Service connection failed',
    detail: `The connection to service '${service.name}' (port ${port}) failed before it answered: ${error.message}${code !== undefined && !error.message.includes(code) ? ` (${code})` : ''}.`,
    hint: code === 'EMFILE' || code === 'ENFILE' ? OUT_OF_DESCRIPTORS_HINT : diagnosticsHint(service),
    extensions: { ...base(project, service), error: code ?? error.message },
  };
}

/**
 * The 404 for a host that is neither `*.localhost` nor a loopback literal: it says nothing
 * about locald's projects, because the page may be read by a DNS-rebinding site.
 */
export function foreignHostProblem(): ProxyProblem {
  return { status: 404, code: 'no-project', title: 'Not found', detail: 'Nothing is served at this host name.' };
}

/** The service's response head cannot be relayed (`over`: ' over HTTP/2' when that is why). */
export function invalidResponseHeadProblem(err: Error, over = ''): ProxyProblem {
  return {
    status: 502,
    code: 'upstream-error',
    title: 'Invalid response from service',
    detail: `The service answered with headers that cannot be forwarded${over}: ${err.message}.`,
  };
}

/** Routing itself threw (a backend bug): one request gets a 500, the proxy keeps serving. */
export function routingFailedProblem(err: unknown): ProxyProblem {
  return { status: 500, code: 'upstream-error', title: 'Internal error', detail: `locald failed to route this request: ${(err as Error).message}` };
}

/** CONNECT asks for a forward proxy, which locald is not. */
export function connectNotSupportedProblem(): ProxyProblem {
  return {
    status: 405,
    code: 'bad-request',
    title: 'CONNECT not supported',
    detail: 'locald is a reverse proxy for <project>.localhost, not a forward proxy; CONNECT is not supported.',
  };
}

/** What an HTTP/2 stream routed to the dashboard gets: the dashboard is served over HTTP/1.1 only. */
export function dashboardOverH2Problem(): ProxyProblem {
  return {
    status: 421,
    code: 'dashboard-unavailable',
    title: 'Dashboard speaks HTTP/1.1',
    detail: 'The locald dashboard is served over HTTP/1.1 only; this HTTP/2 connection cannot reach it. Browsers connecting over https get HTTP/1.1 for it automatically.',
  };
}

/** Why an HTTP/1.1 Upgrade (WebSocket) to an h2c service gets a 502 instead of being forwarded. */
export function h2cUpgradeRefusedProblem(project: ProjectState, service: ServiceState, port: number, protocol: string): ProxyProblem {
  return {
    status: 502,
    code: 'upstream-error',
    title: 'Upgrade not possible to an h2c service',
    detail: `Service '${service.name}' (port ${port}) is configured with protocol = "h2c", so locald speaks only HTTP/2 to it; an HTTP/1.1 Upgrade to ${protocol} cannot be carried over HTTP/2.`,
    hint: `If '${service.name}' also speaks HTTP/1.1, remove protocol = "h2c" from its section in locald.toml (gRPC calls still go over h2c), or serve the WebSocket from a service without it.`,
    extensions: { project: project.name, service: service.name, port },
  };
}

/** A request-parse error from Node's HTTP/1.1 parser (`code`: its error code). */
export function unparsableRequestProblem(code: string | undefined): ProxyProblem {
  const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const problem = badRequestProblem(`the request could not be parsed${code !== undefined ? ` (${code})` : ''}`);
  problem.status = status;
  if (status === 431) problem.title = 'Request headers too large';
  if (status === 408) problem.title = 'Request timeout';
  return problem;
}

/** The service's 101 does not complete the WebSocket handshake (`reason` says how). */
export function badHandshakeProblem(target: UpstreamTarget, reason: string): ProxyProblem {
  return {
    status: 502,
    code: 'upstream-error',
    title: 'WebSocket handshake failed',
    detail: `Service '${target.service.name}' (port ${target.port}) answered the WebSocket upgrade but ${reason}.`,
    hint: 'The service must complete an RFC 6455 handshake; a WebSocket library does this for you.',
    extensions: { project: target.project.name, service: target.service.name, port: target.port },
  };
}

export function notSwitchedProblem(target: UpstreamTarget, status: number): ProxyProblem {
  return {
    status: 502,
    code: 'upstream-error',
    title: 'Service did not switch to WebSocket',
    detail: `Service '${target.service.name}' (port ${target.port}) answered the WebSocket upgrade with ${status} instead of 101 Switching Protocols.`,
    hint: 'A 2xx to an HTTP/2 extended CONNECT would open the tunnel, so locald reports it instead of relaying it.',
    extensions: { project: target.project.name, service: target.service.name, port: target.port, status },
  };
}

/** An extended CONNECT for a protocol other than WebSocket (RFC 8441 leaves the list open). */
export function unsupportedExtendedConnectProblem(protocol: string): ProxyProblem {
  return {
    status: 501,
    code: 'bad-request',
    title: 'Protocol not supported',
    detail: `locald bridges extended CONNECT only for :protocol websocket (RFC 8441), not for '${protocol}'.`,
  };
}
