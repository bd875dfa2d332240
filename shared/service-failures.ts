// Which services just failed, from two consecutive states of a project. Pure. The desktop
// app notifies on these (electron/logic/failure-notifications.ts) and `locald up --bell`
// rings the terminal bell on them, so both agree on what counts as a failure.
import type { ProjectState, ServiceState } from './state.js';

/** crashed: exited unexpectedly (restarting or not); gave-up: locald stopped restarting it; unhealthy: readiness failed. */
export type ServiceFailureKind = 'crashed' | 'gave-up' | 'unhealthy';

export interface ServiceFailure {
  project: string;
  service: string;
  kind: ServiceFailureKind;
  /** The engine's explanation, e.g. "exited with code 3; restarting in 1s". */
  reason: string | null;
}

function failureKind(previous: ServiceState, next: ServiceState): ServiceFailureKind | null {
  if (next.status === 'unhealthy') return previous.status === 'unhealthy' ? null : 'unhealthy';
  if (next.status !== 'crashed' && next.status !== 'backoff') return null;
  // Each exit carries its own time, so two crashes between two updates still count once each update.
  const newExit = next.lastExit !== null && next.lastExit.at !== previous.lastExit?.at;
  // A start that failed before spawning (a taken port) is 'crashed' without a new exit.
  if (!newExit && previous.status === next.status) return null;
  return (next.gaveUpAfter ?? null) !== null ? 'gave-up' : 'crashed';
}

/**
 * The failures between `previous` and `next`. A service seen for the first time (no
 * previous state: the app just started, the engine restarted) is not a new failure, so a
 * relaunch does not replay old crashes.
 */
export function serviceFailures(previous: ProjectState | undefined, next: ProjectState): ServiceFailure[] {
  if (previous === undefined) return [];
  const failures: ServiceFailure[] = [];
  for (const service of next.services) {
    const before = previous.services.find((candidate) => candidate.name === service.name);
    if (before === undefined) continue;
    const kind = failureKind(before, service);
    if (kind !== null) failures.push({ project: next.name, service: service.name, kind, reason: service.reason });
  }
  return failures;
}
