// The approval hash both the desktop shell (which stores it) and the engine (which checks
// it) compute over the same canonical form of a project's commands.
import { createHash } from 'node:crypto';
import { approvalCanonicalForm } from '../shared/approval.js';
import type { ProjectConfig } from '../shared/config.js';

export function commandsHash(config: ProjectConfig): string {
  return `sha256:${createHash('sha256').update(approvalCanonicalForm(config)).digest('hex')}`;
}
