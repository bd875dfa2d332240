// The project configuration model: what a locald.toml (or a zero-config folder)
// means once parsed and validated. Both the engine and the UI compile against it,
// so it holds plain data only: no Node or DOM types.

export type RestartPolicy = 'on-failure' | 'always' | 'never';

/** How locald decides a service is ready. Timeouts are in milliseconds. */
export type ReadyCheck =
  | { kind: 'tcp'; timeoutMs: number }
  | { kind: 'http'; path: string; timeoutMs: number }
  | { kind: 'log'; pattern: string; timeoutMs: number };

/** Which protocol locald speaks to the service. `h2c` forces HTTP/2 cleartext. */
export type UpstreamProtocol = 'http1' | 'h2c';

/** `watch = [...]` of a service: which file changes restart it. */
export interface WatchConfig {
  /** Globs relative to the service's cwd, such as "go.mod" (`**`, `*`, `?` and `{a,b}` work). */
  patterns: string[];
  /** Globs never watched, on top of `.git`, `node_modules` and the project's .gitignore. */
  ignore: string[];
  /** Quiet time after the last change before the restart. */
  debounceMs: number;
  /** Also restart the services that depend on this one. */
  restartDependents: boolean;
}

/** One `env_file` entry. */
export interface EnvFileRef {
  /** Absolute path. */
  path: string;
  /** A missing optional file is skipped; a missing required one is an error. */
  optional: boolean;
}

export interface ServiceConfig {
  name: string;
  /** Run through the platform shell (`/bin/sh -c` or `cmd.exe /d /s /c`). */
  command: string;
  /** The fixed port from the file, or null when locald picks a free one. */
  port: number | null;
  /** Absolute working directory. */
  cwd: string;
  env: Record<string, string>;
  dependsOn: string[];
  ready: ReadyCheck;
  restart: RestartPolicy;
  protocol: UpstreamProtocol;
  /** Absent when the service has no `watch` key: it is not watched. */
  watch?: WatchConfig;
  /** Absent without `env_file`. Later files win; `env` wins over all of them. */
  envFiles?: EnvFileRef[];
  /** The variables the env files held when the config was loaded (before `env`); absent without `env_file`. */
  fileEnv?: Record<string, string>;
}

export interface RouteConfig {
  /** Normalised path prefix: starts with '/', no trailing '/' except for the root. */
  prefix: string;
  service: string;
  stripPrefix: boolean;
}

/** The `[capture]` table: what happens to the project's captured traffic. */
export interface CaptureSettings {
  /** Keep finished exchanges on disk, so they are there after a restart. Pinned ones always are. */
  persist: boolean;
  /** Size cap of the project's traffic file; over it the oldest exchanges go. */
  maxBytes: number;
}

export const DEFAULT_CAPTURE_SETTINGS: CaptureSettings = { persist: false, maxBytes: 64 * 1024 * 1024 };

export type ConfigSource = 'locald.toml' | 'package.json' | 'Procfile';

export interface ProjectConfig {
  /** DNS label: `<name>.localhost`. */
  name: string;
  /** Absolute project folder. */
  dir: string;
  /** Absolute path of the file the config came from. */
  file: string;
  source: ConfigSource;
  /** In file order. */
  services: ServiceConfig[];
  /** Sorted longest prefix first, so the first match wins. */
  routes: RouteConfig[];
  /** Absent for configs made without a `[capture]` table: DEFAULT_CAPTURE_SETTINGS. */
  capture?: CaptureSettings;
}

/** A located problem in a config file. Every field a user needs to fix it. */
export interface ConfigIssue {
  file: string;
  /** 1-based, when the problem has a position in the file. */
  line?: number;
  column?: number;
  /** Dotted key path such as `services.api.port`, when the problem is in a key. */
  keyPath?: string;
  message: string;
  /** What would be valid, or the likely fix. */
  hint?: string;
}

export type ConfigResult =
  | { ok: true; config: ProjectConfig; warnings: ConfigIssue[] }
  | { ok: false; issues: ConfigIssue[] };

/** `file:line:col: message (hint)` — the one format every surface prints. */
export function formatConfigIssue(issue: ConfigIssue): string {
  let where = issue.file;
  if (issue.line !== undefined) {
    where += `:${issue.line}`;
    if (issue.column !== undefined) where += `:${issue.column}`;
  }
  const key = issue.keyPath !== undefined ? ` [${issue.keyPath}]` : '';
  const hint = issue.hint !== undefined ? `\n  hint: ${issue.hint}` : '';
  return `${where}:${key} ${issue.message}${hint}`;
}
