// Project names are host names (`<name>.localhost`), so two loaded projects cannot share one.
import path from 'node:path';
import type { ConfigIssue, ProjectConfig } from '../../shared/config.js';
import { sanitizeDnsLabel } from './dns.js';
import { CONFIG_FILE_NAME } from './schema.js';

/** A name not in `taken`: `<name>-<parent folder>` when that reads well, else `<name>-2`, `<name>-3`, … */
function freeName(config: ProjectConfig, taken: ReadonlySet<string>): string {
  const parent = sanitizeDnsLabel(path.basename(path.dirname(config.dir)));
  const byParent = `${config.name}-${parent}`.slice(0, 63).replace(/-+$/, '');
  if (parent !== '' && !taken.has(byParent)) return byParent;
  for (let n = 2; ; n++) {
    const candidate = `${config.name.slice(0, 60)}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * One issue for each project whose name an earlier project (in `configs` order) already has. The same
 * folder loaded twice is the same project, not a clash.
 */
export function findDuplicateProjectNames(configs: readonly ProjectConfig[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const firstByName = new Map<string, ProjectConfig>();
  const taken = new Set(configs.map((config) => config.name));
  for (const config of configs) {
    const first = firstByName.get(config.name);
    if (first === undefined) {
      firstByName.set(config.name, config);
      continue;
    }
    if (path.resolve(first.dir) === path.resolve(config.dir)) continue;
    const suggestion = freeName(config, taken);
    taken.add(suggestion);
    const where = config.source === 'locald.toml' ? `in ${config.file}` : `in a new ${path.join(config.dir, CONFIG_FILE_NAME)}`;
    issues.push({
      file: config.file,
      keyPath: 'name',
      message: `project name "${config.name}" is used by both ${first.file} and ${config.file}`,
      hint: `set name = "${suggestion}" ${where}`,
    });
  }
  return issues;
}
