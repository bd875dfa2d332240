// The engine inside the desktop app: an Electron utilityProcess that main forks. It speaks
// shared/engine-host.ts over `process.parentPort`. Plain Node: this file never imports
// 'electron'; parentPort is a property Electron adds to `process` in utility processes.
import { formatConfigIssue } from '../shared/config.js';
import type { ProjectRequestResult } from '../shared/api.js';
import { DEFAULT_HTTP_PORT } from '../shared/defaults.js';
import { ENGINE_HOME_ENV, type EngineToHost, type HostToEngine } from '../shared/engine-host.js';
import { serveEngineConnection } from './api/connection.js';
import type { OwnerRecord } from './control/owner-record.js';
import { EngineRunningError } from './control/server.js';
import { previewProject } from './approval-hash.js';
import { guardOutput } from './guarded-output.js';
import { resolveHome } from './home.js';
import { startRuntime, type Runtime } from './runtime.js';

interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

function parentPort(): ParentPort | null {
  return (process as unknown as { parentPort?: ParentPort }).parentPort ?? null;
}

/** Lifecycle messages are handled here; everything else is an engine request. */
export function isHostControl(value: unknown): value is Exclude<HostToEngine, { type: 'request' }> {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'host.shutdown' || type === 'host.preview' || type === 'host.projectAnswer';
}

/** Pure: what the tray says when another engine owns the app's state directory. */
export function heldElsewhereMessage(owner: OwnerRecord | null): string {
  if (owner === null) return 'Another locald engine is using this state directory; quit it to use the app';
  const who = owner.kind === 'locald up' ? '`locald up`' : 'Another locald app';
  return `${who} (pid ${owner.pid}, port ${owner.port}) is running; quit it to use the app`;
}

export async function runUtilityEngine(port: ParentPort, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const send = (message: EngineToHost): void => port.postMessage(message);
  // stdout/stderr are inherited from main and only carry diagnostics; main owns our lifecycle
  // through the port, so losing them (its terminal closed) just silences them.
  const { err } = guardOutput();
  // A terminal's `locald up DIR` asks main, which shows the app's approval dialog and answers.
  let nextRequestId = 1;
  const requests = new Map<number, (result: ProjectRequestResult) => void>();
  const requestProject = (dir: string): Promise<ProjectRequestResult> =>
    new Promise((resolve) => {
      const id = nextRequestId++;
      requests.set(id, resolve);
      send({ type: 'host.projectRequest', id, dir });
    });
  let runtime: Runtime;
  try {
    const httpPort = env.LOCALD_HTTP_PORT !== undefined ? Number(env.LOCALD_HTTP_PORT) : DEFAULT_HTTP_PORT;
    // In the app, changed commands wait for the user's approval in the tray.
    runtime = await startRuntime({ home: resolveHome(undefined, { ...env, LOCALD_HOME: env[ENGINE_HOME_ENV] }), httpPort, reloadPolicy: 'approve', kind: 'desktop app', requestProject });
  } catch (e) {
    if (e instanceof EngineRunningError) send({ type: 'host.fatal', message: heldElsewhereMessage(e.owner), heldElsewhere: true });
    else send({ type: 'host.fatal', message: e instanceof Error ? e.message : String(e) });
    process.exitCode = 1;
    return;
  }
  const connection = serveEngineConnection(runtime.engine, (message) => send(message));
  port.on('message', ({ data }) => {
    if (!isHostControl(data)) {
      connection.receive(data);
      return;
    }
    if (data.type === 'host.shutdown') {
      void runtime.close().then(() => {
        send({ type: 'host.stopped' });
        process.exit(0);
      });
      return;
    }
    if (data.type === 'host.projectAnswer') {
      requests.get(data.id)?.(data.result);
      requests.delete(data.id);
      return;
    }
    void previewProject(data.dir).then((result) => {
      if (!result.ok) err(result.issues.map(formatConfigIssue).join('\n'));
      send({ type: 'host.previewResult', id: data.id, result });
    });
  });
  send({ type: 'host.ready', info: runtime.engine.info() });
}

const port = parentPort();
if (port !== null) {
  void runUtilityEngine(port);
} else if (process.argv[1]?.endsWith('utility-entry.js') === true) {
  guardOutput().err('locald: engine/utility-entry runs inside the desktop app; use `locald up` in a terminal.');
  process.exitCode = 2;
}
