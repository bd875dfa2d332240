// What to do when a project's config file changes. Pure: the engine does the I/O.
import { approvalCanonicalForm } from '../shared/approval.js';
import type { ConfigIssue, ConfigResult, ProjectConfig } from '../shared/config.js';

export type ReloadPolicy = 'apply' | 'approve';

export type ReloadDecision =
  /** Keep running the last good config; show these errors. */
  | { kind: 'invalid'; issues: ConfigIssue[] }
  | { kind: 'unchanged'; warnings: ConfigIssue[] }
  /** Safe to switch: only routes, ports, readiness or restart policy changed (or the policy is 'apply'). */
  | { kind: 'apply'; config: ProjectConfig; warnings: ConfigIssue[]; restart: boolean }
  /** Commands, folders or environments changed: the user approves before anything runs. */
  | { kind: 'approve'; config: ProjectConfig; warnings: ConfigIssue[]; changed: string[] };

export function decideReload(current: ProjectConfig, result: ConfigResult, policy: ReloadPolicy): ReloadDecision {
  if (!result.ok) return { kind: 'invalid', issues: result.issues };
  const next = result.config;
  if (JSON.stringify(next) === JSON.stringify(current)) return { kind: 'unchanged', warnings: result.warnings };
  if (next.name !== current.name) {
    return {
      kind: 'invalid',
      issues: [
        {
          file: next.file,
          keyPath: 'name',
          message: `renaming a running project ('${current.name}' to '${next.name}') needs it to be removed and added again`,
          hint: `restore name = "${current.name}", or remove the project and add it again`,
        },
      ],
    };
  }
  const commandsChanged = approvalCanonicalForm(next) !== approvalCanonicalForm(current);
  if (commandsChanged && policy === 'approve') {
    return { kind: 'approve', config: next, warnings: result.warnings, changed: describeCommandChanges(current, next) };
  }
  // Routes alone change in place; anything that affects processes restarts the project.
  const processesChanged = JSON.stringify(next.services) !== JSON.stringify(current.services);
  return { kind: 'apply', config: next, warnings: result.warnings, restart: processesChanged };
}

/** Human lines for the approval prompt: what would run that did not before. */
export function describeCommandChanges(current: ProjectConfig, next: ProjectConfig): string[] {
  const before = new Map(current.services.map((s) => [s.name, s]));
  const lines: string[] = [];
  for (const s of next.services) {
    const old = before.get(s.name);
    if (old === undefined) lines.push(`new service '${s.name}': ${s.command}`);
    else if (old.command !== s.command) lines.push(`'${s.name}' command: ${old.command} -> ${s.command}`);
    else if (old.cwd !== s.cwd) lines.push(`'${s.name}' folder: ${old.cwd} -> ${s.cwd}`);
    else if (JSON.stringify(old.env) !== JSON.stringify(s.env) || JSON.stringify(old.fileEnv) !== JSON.stringify(s.fileEnv)) lines.push(`'${s.name}' environment changed`);
  }
  for (const name of before.keys()) if (!next.services.some((s) => s.name === name)) lines.push(`service '${name}' removed`);
  return lines;
}
