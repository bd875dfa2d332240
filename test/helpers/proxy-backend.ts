// A ProxyBackend for proxy tests: plain in-memory projects whose services are whatever
// real servers the test started. The proxy under test is real; only the engine is absent.
import type { RouteConfig } from '../../shared/config.js';
import type { LogLine, ProjectState, ServiceState } from '../../shared/state.js';
import type { ProxyBackend } from '../../engine/proxy/backend.js';

export function makeService(name: string, patch: Partial<ServiceState> = {}): ServiceState {
  return {
    name,
    status: 'ready',
    port: null,
    pid: null,
    restartPolicy: 'on-failure',
    restarts: 0,
    startedAt: null,
    lastExit: null,
    reason: null,
    nextRestartAt: null,
    diagnostics: [],
    ...patch,
  };
}

export function route(prefix: string, service: string, stripPrefix = prefix !== '/'): RouteConfig {
  return { prefix, service, stripPrefix };
}

export function makeProject(name: string, services: ServiceState[], routes: RouteConfig[], patch: Partial<ProjectState> = {}): ProjectState {
  return {
    name,
    dir: `/projects/${name}`,
    file: `/projects/${name}/locald.toml`,
    status: 'running',
    url: `http://${name}.localhost:7700/`,
    services,
    routes: [...routes].sort((a, b) => b.prefix.length - a.prefix.length),
    configIssues: [],
    ...patch,
  };
}

export class TestBackend implements ProxyBackend {
  private readonly projects = new Map<string, ProjectState>();
  private readonly logs = new Map<string, LogLine[]>();
  private seq = 0;

  add(project: ProjectState): this {
    this.projects.set(project.name.toLowerCase(), project);
    return this;
  }

  /** Changes a service's state in place, as the engine would. */
  updateService(project: string, service: string, patch: Partial<ServiceState>): void {
    const p = this.projects.get(project.toLowerCase());
    const s = p?.services.find((x) => x.name === service);
    if (s === undefined) throw new Error(`no service ${project}/${service}`);
    Object.assign(s, patch);
  }

  log(project: string, service: string, ...texts: string[]): void {
    const key = `${project}/${service}`;
    const lines = this.logs.get(key) ?? [];
    for (const text of texts) lines.push({ seq: ++this.seq, time: Date.now(), project, service, stream: 'stdout', text });
    this.logs.set(key, lines);
  }

  getProject(name: string): ProjectState | undefined {
    return this.projects.get(name.toLowerCase());
  }

  listProjects(): ProjectState[] {
    return [...this.projects.values()];
  }

  recentLogs(project: string, service: string, limit: number): LogLine[] {
    return (this.logs.get(`${project}/${service}`) ?? []).slice(-limit);
  }
}
