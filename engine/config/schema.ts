// The keys and values locald.toml accepts, in the order hints list them.
import type { RestartPolicy, UpstreamProtocol } from '../../shared/config.js';

export const CONFIG_FILE_NAME = 'locald.toml';

export const TOP_LEVEL_KEYS = ['name', 'services', 'routes', 'capture'] as const;
export const SERVICE_KEYS = ['command', 'port', 'cwd', 'env', 'depends_on', 'ready', 'restart', 'protocol', 'watch', 'ignore', 'debounce', 'restart_dependents', 'env_file'] as const;
export const READY_KEYS = ['tcp', 'http', 'log', 'timeout'] as const;
export const CAPTURE_KEYS = ['persist', 'max_mib'] as const;
export const ROUTE_KEYS = ['service', 'strip_prefix'] as const;
export const RESTART_POLICIES: readonly RestartPolicy[] = ['on-failure', 'always', 'never'];
export const PROTOCOLS: readonly UpstreamProtocol[] = ['http1', 'h2c'];

/** What `loadProject` suggests when a folder has nothing it can use. */
export function minimalConfigExample(name: string): string {
  return `name = "${name}"\n\n[services.web]\ncommand = "npm run dev"`;
}
