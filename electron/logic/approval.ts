// Commands run only after the user approved them. The approval is tied to a hash of
// everything that decides what runs (command, working folder, environment), so any
// change to those asks again, while reordering services or editing routes does not.
// The engine computes that hash (engine/approval-hash.ts) and hands it over with its
// preview (host.previewResult), so the formula lives in one process only.
import { approvedService } from '../../shared/approval.js';
import type { ProjectConfig } from '../../shared/config.js';
import { displayEnvValue } from '../../shared/secret-env.js';
import type { RegistryEntry } from './project-registry.js';

/** `hash`: the engine's commands hash of the previewed config. */
export function needsApproval(entry: Pick<RegistryEntry, 'approvedHash'> | undefined, hash: string): boolean {
  return entry?.approvedHash !== hash;
}

export interface ApprovalPrompt {
  title: string;
  message: string;
  /** Every command with its folder and environment, one block per service. */
  detail: string;
  buttons: [approve: string, cancel: string];
}

function commandBlocks(config: ProjectConfig): string[] {
  return config.services.map((service) => {
    const lines = [`${service.name}:`, `  $ ${service.command}`, `  in ${service.cwd}`];
    for (const [key, value] of approvedService(config, service).env) lines.push(`  ${key}=${displayEnvValue(key, value)}`);
    return lines.join('\n');
  });
}

/** The dialog text; `changed` when an earlier approval exists but the commands differ now. */
export function approvalPrompt(config: ProjectConfig, changed = false): ApprovalPrompt {
  const blocks = commandBlocks(config);
  const count = config.services.length;
  const what = `${count} command${count === 1 ? '' : 's'}`;
  return {
    title: changed ? `Commands changed in ${config.name}` : `Run ${config.name}?`,
    message: changed
      ? `The commands in ${config.file} changed since you approved them. locald will run these ${what}:`
      : `locald will run these ${what} from ${config.file}:`,
    detail: count === 0 ? '(no services)' : blocks.join('\n\n'),
    buttons: [changed ? 'Approve Changes' : 'Approve and Add', 'Cancel'],
  };
}

/**
 * The dialog for a running project whose locald.toml changed what runs: the engine's
 * summary of the changes (ProjectState.pendingApproval.changes) first, then every command
 * of the new config, which is what the approval covers. Until approved, the old
 * processes keep running.
 */
export function pendingChangesPrompt(config: ProjectConfig, changes: readonly string[]): ApprovalPrompt {
  const summary = changes.length === 0 ? ['  (the commands, folders or environments changed)'] : changes.map((change) => `  • ${change}`);
  const blocks = commandBlocks(config);
  return {
    title: `Commands changed in ${config.name}`,
    message: `${config.file} changed what locald runs. Until you approve, ${config.name} keeps running its previous commands.`,
    detail: ['Changes:', ...summary, '', 'After approval locald runs:', '', blocks.length === 0 ? '(no services)' : blocks.join('\n\n')].join('\n'),
    buttons: ['Approve Changes', 'Keep Previous Commands'],
  };
}
