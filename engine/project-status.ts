// Pure rules that summarise a project's services into one status and URL.
import type { ProjectStatus, ServiceState } from '../shared/state.js';

export interface ProjectPhase {
  /** The user asked for the project to run. */
  enabled: boolean;
  /** A stop is in progress. */
  stopping: boolean;
  /** The config could not be loaded and there is no last good config. */
  unloadable: boolean;
}

export function summariseProject(phase: ProjectPhase, services: readonly ServiceState[]): ProjectStatus {
  if (phase.unloadable) return 'error';
  if (phase.stopping) return 'stopping';
  if (!phase.enabled) return 'stopped';
  if (services.some((s) => s.status === 'crashed' || s.status === 'unhealthy' || s.status === 'backoff' || heldBack(s))) {
    return 'degraded';
  }
  // A stopped service that already ran and exited (a one-shot task) does not hold the project in 'starting'.
  if (services.some((s) => s.status === 'starting' || (s.status === 'stopped' && s.lastExit === null))) return 'starting';
  return 'running';
}

export function projectUrl(name: string, port: number, scheme: 'http' | 'https' = 'http'): string {
  return `${scheme}://${name}.localhost:${port}/`;
}

/** A dependent that will not start because a dependency failed. */
function heldBack(s: ServiceState): boolean {
  return s.status === 'stopped' && s.reason !== null && s.reason.startsWith('not started');
}
