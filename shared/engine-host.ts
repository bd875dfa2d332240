// The messages between the desktop app's main process and the engine running in an
// Electron utilityProcess (engine/utility-entry.ts), over `process.parentPort`.
// Engine API traffic uses the ordinary wire messages of api.ts (main multiplexes every
// window onto this one channel); the `host.*` messages are lifecycle control only.
import type { EngineInfo, EventMessage, ProjectRequestResult, RequestMessage, ResponseMessage } from './api.js';
import type { ConfigResult, ProjectConfig } from './config.js';

/** Environment variable main sets for the engine: its state folder (CA, logs, pid files). */
export const ENGINE_HOME_ENV = 'LOCALD_HOME';
/** How long main waits after host.shutdown before it kills the utility process. */
export const ENGINE_SHUTDOWN_GRACE_MS = 10_000;

/**
 * host.preview's answer: the folder's config and, when it loads, the engine's hash of its
 * commands (the one projects.approve checks), so main never computes the hash itself.
 */
export type ProjectPreview = { ok: true; config: ProjectConfig; hash: string } | Extract<ConfigResult, { ok: false }>;

export type HostToEngine =
  | RequestMessage
  /** Stop every project (and everything its services started), reply host.stopped, then exit. */
  | { type: 'host.shutdown' }
  /** Load a folder's config without adding it, so main can show the commands for approval. */
  | { type: 'host.preview'; id: number; dir: string }
  /** main's answer to host.projectRequest, after its approval dialog. */
  | { type: 'host.projectAnswer'; id: number; result: ProjectRequestResult };

export type EngineToHost =
  | ResponseMessage
  | EventMessage
  /** The engine listens and accepts requests. */
  | { type: 'host.ready'; info: EngineInfo }
  | { type: 'host.previewResult'; id: number; result: ProjectPreview }
  | { type: 'host.stopped' }
  /** A client (a `locald up` in a terminal) asks to run this folder: main shows its approval dialog. */
  | { type: 'host.projectRequest'; id: number; dir: string }
  /**
   * The engine cannot run at all (e.g. its port is taken); main shows this and does not
   * restart. `heldElsewhere`: another engine (a `locald up`) owns the state directory, and
   * the message says which and what to do.
   */
  | { type: 'host.fatal'; message: string; heldElsewhere?: boolean };
