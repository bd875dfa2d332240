// The process supervisor: public surface for the engine.
export { ProjectSupervisor } from './project-supervisor.js';
export { reapLeftovers } from './reap.js';
export type { SupervisorOptions, ReapReport, ReapEntry, ReapOutcome, ProcessRecord } from './types.js';
export type { LoopbackHost } from './readiness.js';
export { injectPortFlag } from './port-flag.js';
export type { PortFlagInjection, PortIgnoringTool } from './port-flag.js';
