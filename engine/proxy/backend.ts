// What the proxy needs from the engine. The engine implements it; proxy tests can
// implement it over real supervised services or plain test servers.
import type { LogLine, ProjectState } from '../../shared/state.js';

export interface ProxyBackend {
  /** Case-insensitive lookup by project name (the DNS label). */
  getProject(name: string): ProjectState | undefined;
  /** Every known project, for the unknown-host 404 page. */
  listProjects(): ProjectState[];
  /** The newest `limit` log lines of a service, oldest first, for error pages. */
  recentLogs(project: string, service: string, limit: number): LogLine[];
}
