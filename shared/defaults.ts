// Defaults shared by the engine, the CLI and the UI.

/** The proxy's fixed default port: unprivileged, and unlikely to clash with dev servers (3000, 5173, 8080). */
export const DEFAULT_HTTP_PORT = 7700;
/** Host of the dashboard and engine API. */
export const DASHBOARD_HOST = 'locald.localhost';
export const DEFAULT_READY_TIMEOUT_MS = 60_000;
export const DEFAULT_STOP_GRACE_MS = 5_000;
export const DEFAULT_LOG_RING_LINES = 2_000;
