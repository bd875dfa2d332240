// One readiness probe (TCP or HTTP) against a service's port. Log-line readiness is
// event-driven and lives in the service runner.
import http from 'node:http';
import type { ReadyCheck } from '../../shared/config.js';
import { acceptsConnections } from './ports.js';
import { formatDuration } from './restart-policy.js';

export type LoopbackHost = '127.0.0.1' | '::1';

export type ProbeResult =
  | { ok: true; host: LoopbackHost }
  /** `detail` says what was seen, for the timeout reason: "nothing accepted connections on port 4123". */
  | { ok: false; detail: string };

const HOSTS: readonly LoopbackHost[] = ['127.0.0.1', '::1'];

export async function probeTcp(port: number): Promise<ProbeResult> {
  for (const host of HOSTS) if (await acceptsConnections(host, port, 1_000)) return { ok: true, host };
  return { ok: false, detail: `nothing accepted connections on port ${port}` };
}

/**
 * Any HTTP answer below 500 means ready: a dev server answering 404 for the path is up,
 * while 5xx (typically 503 while compiling) means "not yet".
 */
export async function probeHttp(port: number, rawPath: string): Promise<ProbeResult> {
  const path = rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
  let detail = `nothing accepted connections on port ${port}`;
  for (const host of HOSTS) {
    const result = await httpStatus(host, port, path);
    if (result.status !== null && result.status < 500) return { ok: true, host };
    if (result.status !== null) detail = `GET ${path} on port ${port} answered ${result.status}`;
    else if (result.connected) detail = `GET ${path} on port ${port} got no answer (${result.error})`;
  }
  return { ok: false, detail };
}

function httpStatus(host: LoopbackHost, port: number, path: string): Promise<{ status: number | null; connected: boolean; error: string }> {
  return new Promise((resolve) => {
    let connected = false;
    const req = http.request(
      // Host "localhost": dev servers with host checks (Vite, webpack) accept it.
      { host, port, path, method: 'GET', agent: false, timeout: 2_000, headers: { host: `localhost:${port}`, 'user-agent': 'locald-readiness' } },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? null, connected: true, error: '' });
      },
    );
    req.on('socket', (socket) => socket.once('connect', () => (connected = true)));
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve({ status: null, connected, error: err.message }));
    req.end();
  });
}

export function probe(check: ReadyCheck, port: number): Promise<ProbeResult> {
  if (check.kind === 'http') return probeHttp(port, check.path);
  return probeTcp(port);
}

/** "readiness check timed out after 30s: nothing accepted connections on port 4123" */
export function readinessTimeoutReason(timeoutMs: number, detail: string): string {
  return `readiness check timed out after ${formatDuration(timeoutMs)}: ${detail}`;
}

/** Compiles a log readiness pattern; a bad pattern is an error message, not a throw. */
export function compileReadyPattern(pattern: string): RegExp | string {
  try {
    return new RegExp(pattern);
  } catch (err) {
    return `ready.log pattern ${JSON.stringify(pattern)} is not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`;
  }
}
