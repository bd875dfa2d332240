// The approval hash both the desktop shell (which stores it) and the engine (which checks
// it) compute over the same canonical form of a project's commands.
import { createHash } from 'node:crypto';
import { approvalCanonicalForm } from '../shared/approval.js';
import type { ProjectConfig } from '../shared/config.js';
import type { ProjectPreview } from '../shared/engine-host.js';
import { loadProject } from './config/index.js';

export function commandsHash(config: ProjectConfig): string {
  return `sha256:${createHash('sha256').update(approvalCanonicalForm(config)).digest('hex')}`;
}

/** A folder's config with its commands hash, for the desktop app's approval dialog (host.preview). */
export async function previewProject(dir: string): Promise<ProjectPreview> {
  const result = await loadProject(dir);
  if (!result.ok) return result;
  return { ok: true, config: result.config, hash: commandsHash(result.config) };
}
