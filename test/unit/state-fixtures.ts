// Engine state for unit tests: a ready service, with the fields a test cares about overridden.
import type { ProjectState, ServiceState } from '../../shared/state.js';

export function serviceState(name: string, over: Partial<ServiceState> = {}): ServiceState {
  return {
    name,
    status: 'ready',
    port: 4000,
    pid: 123,
    restartPolicy: 'on-failure',
    restarts: 0,
    startedAt: 1,
    lastExit: null,
    reason: null,
    nextRestartAt: null,
    diagnostics: [],
    ...over,
  };
}

export function projectState(name: string, over: Partial<ProjectState> = {}): ProjectState {
  return {
    name,
    dir: `/work/${name}`,
    file: `/work/${name}/locald.toml`,
    status: 'running',
    url: `http://${name}.localhost:7700/`,
    services: [serviceState('web')],
    routes: [],
    configIssues: [],
    ...over,
  };
}
