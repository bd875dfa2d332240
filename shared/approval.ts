// What a user approves when adding a project: the commands, their working folders and
// environments. Both the desktop shell (which asks) and the engine (which may refuse
// to run unapproved commands) derive the approval hash from this one canonical form.
import type { ProjectConfig, ServiceConfig } from './config.js';

export interface ApprovedService {
  name: string;
  command: string;
  /** Relative to the project folder with '/' separators, so moving the folder keeps the approval. */
  cwd: string;
  /** Sorted by name. */
  env: Array<[string, string]>;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function relativeCwd(projectDir: string, cwd: string): string {
  const dir = projectDir.replace(/[\\/]+$/, '');
  if (cwd === dir) return '.';
  for (const separator of ['/', '\\']) {
    if (cwd.startsWith(dir + separator)) return cwd.slice(dir.length + 1).split('\\').join('/');
  }
  return cwd.split('\\').join('/');
}

export function approvedService(config: ProjectConfig, service: ServiceConfig): ApprovedService {
  return {
    name: service.name,
    command: service.command,
    cwd: relativeCwd(config.dir, service.cwd),
    // What the process gets: env_file values, then env. A changed .env asks for approval again.
    env: Object.entries({ ...service.fileEnv, ...service.env }).sort(([a], [b]) => compare(a, b)),
  };
}

/** Services sorted by name and env keys sorted, so reordering the file keeps the approval. */
export function approvalCanonicalForm(config: ProjectConfig): string {
  const services = config.services.map((service) => approvedService(config, service)).sort((a, b) => compare(a.name, b.name));
  return JSON.stringify({ v: 1, services });
}
