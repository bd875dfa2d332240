// One running engine: reaping, the engine, the proxy listener and the dashboard, wired
// together the same way for `locald up` and for the desktop app's utility process.
import { DEFAULT_CAPTURE_LIMITS, type CaptureLimits } from '../shared/traffic.js';
import { join } from 'node:path';
import { TrafficStore } from './capture/index.js';
import { TrafficPersistence } from './capture/persistence.js';
import { Dashboard } from './dashboard/server.js';
import { TokenFile } from './dashboard/token-store.js';
import { createTrafficService } from './traffic.js';
import { DASHBOARD_LABEL, LocalCa, caEnv, secureServerOptions } from './tls/index.js';
import type { ReloadPolicy } from './config-reload.js';
import { claimControlSocket, type ControlServer } from './control/server.js';
import { removeOwnRecord, writeOwnerRecord } from './control/owner-record.js';
import { processStartTime } from './supervisor/process-start-time.js';
import { Engine, type EngineOptions } from './engine.js';
import { ensureHome } from './home.js';
import { ProxyServer } from './proxy/index.js';
import { reapLeftovers, type ReapReport } from './supervisor/index.js';
import { readVersion, rendererDir } from './version.js';
import { rulesHooks } from './proxy/rules/rules-hooks.js';

export interface RuntimeOptions {
  home: string;
  /** 0 picks a free port. */
  httpPort: number;
  /** Built renderer for the dashboard; defaults to the package's dist/renderer. */
  staticDir?: string;
  stopGraceMs?: number;
  /** Traffic capture; on by default. Off still answers traffic.* (with nothing captured). */
  capture?: boolean;
  captureLimits?: Partial<CaptureLimits>;
  /** HTTPS on the proxy's port with the local CA; on by default. */
  tls?: boolean;
  /** What a changed locald.toml does; see EngineOptions.reloadPolicy. */
  reloadPolicy?: ReloadPolicy;
  /** Who hosts the engine, for the owner record and `locald status`; 'locald up' unless told. */
  kind?: 'locald up' | 'desktop app';
  /** See EngineOptions.requestProject (the desktop app's approval dialog). */
  requestProject?: EngineOptions['requestProject'];
  /** Problems locald repaired or worked around (e.g. a state folder others could enter). */
  onWarning?: (message: string) => void;
}

export interface Runtime {
  engine: Engine;
  proxy: ProxyServer;
  dashboard: Dashboard;
  traffic: TrafficStore;
  /** The local CA, when HTTPS is on. */
  ca: LocalCa | null;
  port: number;
  reaped: ReapReport;
  /** The control endpoint other `locald` commands reach this engine at. */
  control: ControlServer;
  /** Stops every project (and every process they started), then the listeners. Idempotent. */
  close(): Promise<void>;
  /** SIGKILL to every service's process group now; a close() in progress then finishes at once. */
  kill(): Promise<void>;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const warn = options.onWarning ?? (() => undefined);
  const home = ensureHome(options.home, warn);
  const startedAt = Date.now();
  // Claimed before anything else, the engine included: a second engine must never reap the
  // first one's services. Clients that connect meanwhile wait until the engine answers.
  const control = await claimControlSocket(home);
  try {
    return await startClaimed(options, home, control, startedAt);
  } catch (e) {
    control.close();
    throw e;
  }
}

async function startClaimed(
  options: RuntimeOptions,
  home: string,
  control: ControlServer,
  startedAt: number,
): Promise<Runtime> {
  const warn = options.onWarning ?? (() => undefined);
  // Before anything else: a previous run that crashed may have left services holding ports.
  const reaped = await reapLeftovers(home);
  // The CA exists before any service starts, so NODE_EXTRA_CA_CERTS never names a missing file.
  const ca = options.tls === false ? null : await LocalCa.open(home, { onWarning: warn });
  const engine = new Engine({
    home,
    httpPort: options.httpPort,
    version: readVersion(),
    ...(ca !== null ? { serviceEnv: caEnv(home) } : {}),
    ...(options.reloadPolicy !== undefined ? { reloadPolicy: options.reloadPolicy } : {}),
    ...(options.stopGraceMs !== undefined ? { stopGraceMs: options.stopGraceMs } : {}),
    ...(options.requestProject !== undefined ? { requestProject: options.requestProject } : {}),
  });
  let port = 0;
  const traffic = new TrafficStore(
    { ...DEFAULT_CAPTURE_LIMITS, ...options.captureLimits },
    { enabled: options.capture !== false, onBatch: (batch, evicted) => engine.publishTraffic(batch, evicted), version: readVersion() },
  );
  const persistence = new TrafficPersistence(traffic, join(home, 'traffic'), warn);
  engine.attachTraffic(createTrafficService(traffic, () => port, persistence));
  // Leaves of names that are not projects (any a client asked an earlier version for) go;
  // projects get theirs again, in milliseconds, on their first handshake.
  if (ca !== null) await ca.pruneLeaves((label) => label === DASHBOARD_LABEL || engine.getProject(label) !== undefined);
  // Kept in the state folder: an open tab's cookie still works after a restart.
  const token = await TokenFile.open(home, warn);
  const dashboard = new Dashboard({ api: engine, port: () => port, staticDir: options.staticDir ?? rendererDir(), token });
  token.onRotate(() => dashboard.dropSockets());
  const proxy = new ProxyServer({
    backend: engine,
    port: options.httpPort,
    dashboard,
    capture: traffic,
    hooks: rulesHooks(engine.rules),
    ...(ca !== null ? { tls: await secureServerOptions(ca, engine) } : {}),
  });
  const bound = await proxy.listen().catch((e: unknown) => {
    token.close();
    throw e;
  });
  port = bound.port;
  engine.setHttpPort(port);
  control.serve(engine);
  await writeOwnerRecord(home, {
    pid: process.pid,
    processStart: await processStartTime(process.pid),
    startedAt,
    kind: options.kind ?? 'locald up',
    port,
    version: readVersion(),
    socket: control.path,
    dashboardUrl: dashboard.url(),
  });

  let closing: Promise<void> | null = null;
  return {
    engine,
    proxy,
    dashboard,
    traffic,
    ca,
    port,
    reaped,
    control,
    close: () => {
      closing ??= (async () => {
        await engine.shutdown();
        control.close();
        removeOwnRecord(home);
        dashboard.close();
        token.close();
        await proxy.close();
        traffic.close();
        persistence.close();
      })();
      return closing;
    },
    kill: () => engine.killAll(),
  };
}
