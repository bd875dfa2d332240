// Live state of projects and services as the engine reports it.
import type { ConfigIssue, RouteConfig, RestartPolicy, UpstreamProtocol } from './config.js';

export type ServiceStatus =
  | 'stopped'
  | 'starting'
  | 'ready'
  | 'unhealthy'
  | 'crashed'
  | 'backoff'
  | 'stopping';

export interface ServiceExit {
  code: number | null;
  signal: string | null;
  /** Epoch ms. */
  at: number;
}

export interface ServiceState {
  name: string;
  status: ServiceStatus;
  /** The port the service is expected to listen on ($PORT), once assigned. */
  port: number | null;
  pid: number | null;
  restartPolicy: RestartPolicy;
  restarts: number;
  /** Epoch ms of the last start. */
  startedAt: number | null;
  lastExit: ServiceExit | null;
  /** Human explanation of the current status, e.g. "exited with code 3" or "readiness timed out after 30s". */
  reason: string | null;
  /** Epoch ms when a backing-off service will be started again. */
  nextRestartAt: number | null;
  /** Extra findings, e.g. "app listens on 5173, not $PORT=4123; set port = 5173 or make it read $PORT". */
  diagnostics: string[];
  /**
   * Set when locald stopped restarting the service after this many consecutive failed starts
   * (exits before it became ready); status is then 'crashed'. A manual restart clears it.
   */
  gaveUpAfter?: number | null;
  /** How the proxy talks to the service (`protocol` in locald.toml); absent means 'http1'. */
  protocol?: UpstreamProtocol;
}

export type ProjectStatus = 'stopped' | 'starting' | 'running' | 'degraded' | 'stopping' | 'error';

export interface ProjectState {
  name: string;
  dir: string;
  /** The config file in use, or the one that failed to load. */
  file: string;
  status: ProjectStatus;
  /** e.g. http://shop.localhost:7700/ */
  url: string;
  services: ServiceState[];
  routes: RouteConfig[];
  /** Non-empty when the config could not be loaded (the last good config, if any, keeps running). */
  configIssues: ConfigIssue[];
  /** The config file changed its commands; they run only after `projects.approve`. */
  pendingApproval?: { changes: string[]; hash: string } | null;
  /**
   * True when the project's captured traffic is kept on disk across restarts: `[capture] persist`
   * in its file, or `projects.persistTraffic` (which wins until the engine stops). Absent: not kept
   * (pinned exchanges always are).
   */
  persistTraffic?: boolean;
}

export type LogStream = 'stdout' | 'stderr' | 'system';

export interface LogLine {
  /** Monotonic per engine; lets clients resume and de-duplicate. */
  seq: number;
  /** Epoch ms. */
  time: number;
  project: string;
  service: string;
  stream: LogStream;
  text: string;
}
